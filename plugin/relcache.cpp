#include "relcache.hpp"

#include "json_out.hpp"
#include "publications.hpp"
#include "values.hpp"

namespace walcast {

namespace {

// The state whose cache the invalidation callbacks update. Callbacks cannot be unregistered, so they are
// registered once per backend and find the live cache through this pointer, which a reset callback on the
// cache's memory context clears when the decoding context goes away (also after an ERROR).
PluginState *g_state = nullptr;
bool g_callbacks_registered = false;

void InvalidateAll(bool metadata, bool publications)
{
	if (!g_state || !g_state->relations)
		return;
	HASH_SEQ_STATUS it;
	hash_seq_init(&it, g_state->relations);
	RelInfo *entry;
	while ((entry = static_cast<RelInfo *>(hash_seq_search(&it))) != nullptr) {
		if (metadata)
			entry->valid = false;
		if (publications)
			entry->pub_valid = false;
	}
}

void OnRelcacheInvalidation(Datum, Oid relid)
{
	if (!g_state || !g_state->relations)
		return;
	if (relid == InvalidOid) {
		InvalidateAll(true, true);
		return;
	}
	auto *entry = static_cast<RelInfo *>(hash_search(g_state->relations, &relid, HASH_FIND, nullptr));
	if (entry) {
		entry->valid = false;
		entry->pub_valid = false;
	}
}

void OnPublicationInvalidation(Datum, int, uint32)
{
	if (!g_state)
		return;
	g_state->pubs_valid = false;
	InvalidateAll(false, true);
}

// Type and schema renames change the pre-rendered "columns" array and schema name.
void OnTypeOrSchemaInvalidation(Datum, int, uint32)
{
	InvalidateAll(true, false);
}

void ForgetState(void *arg)
{
	if (g_state == arg)
		g_state = nullptr;
}

const char *TypeName(Oid typid)
{
	HeapTuple tp = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	if (!HeapTupleIsValid(tp))
		elog(ERROR, "walcast: cache lookup failed for type %u", typid);
	char *name = pstrdup(NameStr(reinterpret_cast<Form_pg_type>(GETSTRUCT(tp))->typname));
	ReleaseSysCache(tp);
	return name;
}

// ["a","b"] from the key columns of `indexoid`, in key order; its length goes to *len.
char *IndexColumnsJson(Relation rel, Oid indexoid, int *len)
{
	StringInfoData out;
	initStringInfo(&out);
	appendStringInfoChar(&out, '[');
	if (OidIsValid(indexoid)) {
		HeapTuple tp = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
		if (HeapTupleIsValid(tp)) {
			auto *index = reinterpret_cast<Form_pg_index>(GETSTRUCT(tp));
			TupleDesc desc = RelationGetDescr(rel);
			for (int k = 0; k < index->indnkeyatts; k++) {
				AttrNumber attnum = index->indkey.values[k];
				if (attnum <= 0 || attnum > desc->natts)
					continue;
				if (out.len > 1)
					appendStringInfoChar(&out, ',');
				AppendJsonString(&out, NameStr(TupleDescAttr(desc, attnum - 1)->attname));
			}
			ReleaseSysCache(tp);
		}
	}
	appendStringInfoChar(&out, ']');
	*len = out.len;
	return out.data;
}

void Build(PluginState *state, RelInfo *info, Relation rel)
{
	if (info->mcxt)
		MemoryContextDelete(info->mcxt);
	info->mcxt = AllocSetContextCreate(state->cache_ctx, "walcast relation", ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(info->mcxt);
	// Marked valid before the catalog lookups below: an invalidation that arrives while they run (opening an
	// index accepts invalidation messages) clears it again, so the next change rebuilds instead of keeping
	// what may be stale. `building` stays set if an ERROR interrupts, so a half-built entry is never used.
	info->valid = true;
	info->building = true;

	info->schema_json = QuotedCopy(get_namespace_name(RelationGetNamespace(rel)), &info->schema_json_len);
	info->table_json = QuotedCopy(RelationGetRelationName(rel), &info->table_json_len);

	switch (rel->rd_rel->relreplident) {
	case REPLICA_IDENTITY_FULL: info->identity = IdentityKind::Full; break;
	case REPLICA_IDENTITY_NOTHING: info->identity = IdentityKind::Nothing; break;
	case REPLICA_IDENTITY_INDEX: info->identity = IdentityKind::Index; break;
	default: info->identity = IdentityKind::Default; break;
	}
	Oid replica_index = RelationGetReplicaIndex(rel);
	info->identity_error = nullptr;
	if (info->identity == IdentityKind::Default && !OidIsValid(replica_index))
		info->identity_error = "Error 400: Bad Request, no primary key";
	else if (info->identity == IdentityKind::Index && !OidIsValid(replica_index))
		info->identity_error = "Error 400: Bad Request, replica identity index is missing";
	else if (info->identity == IdentityKind::Nothing)
		info->identity_error = "Error 400: Bad Request, replica identity is NOTHING";

	Bitmapset *identity_attrs = RelationGetIndexAttrBitmap(rel, INDEX_ATTR_BITMAP_IDENTITY_KEY);
	Oid pk_index = RelationGetPrimaryKeyIndex(rel);
	info->pk_json = IndexColumnsJson(rel, OidIsValid(pk_index) ? pk_index : replica_index, &info->pk_json_len);

	TupleDesc desc = RelationGetDescr(rel);
	info->cols = static_cast<ColumnInfo *>(palloc0(sizeof(ColumnInfo) * Max(desc->natts, 1)));
	info->ncols = 0;
	StringInfoData columns;
	initStringInfo(&columns);
	appendStringInfoChar(&columns, '[');
	for (int i = 0; i < desc->natts; i++) {
		Form_pg_attribute att = TupleDescAttr(desc, i);
		if (att->attisdropped)
			continue;
		ColumnInfo *col = &info->cols[info->ncols++];
		col->attidx = i;
		col->name_json = QuotedCopy(NameStr(att->attname), &col->name_json_len);
		col->member_json_len = col->name_json_len + 2;
		col->member_json = static_cast<char *>(palloc(col->member_json_len + 1));
		col->member_json[0] = ',';
		memcpy(col->member_json + 1, col->name_json, col->name_json_len);
		col->member_json[col->member_json_len - 1] = ':';
		col->member_json[col->member_json_len] = '\0';
		col->is_varlena = att->attlen == -1;
		col->in_identity = info->identity == IdentityKind::Full ||
						   bms_is_member(att->attnum - FirstLowInvalidHeapAttributeNumber, identity_attrs);
		ResolveColumnRenderer(att->atttypid, &col->render, info->mcxt);
		if (columns.len > 1)
			appendStringInfoChar(&columns, ',');
		appendStringInfoString(&columns, "{\"name\":");
		appendBinaryStringInfo(&columns, col->name_json, col->name_json_len);
		appendStringInfoString(&columns, ",\"type\":");
		AppendJsonString(&columns, TypeName(att->atttypid));
		appendStringInfoChar(&columns, '}');
	}
	appendStringInfoChar(&columns, ']');
	info->columns_json = columns.data;
	info->columns_json_len = columns.len;

	MemoryContextSwitchTo(old);
	info->building = false;
}

} // namespace

void InitRelationCache(PluginState *state)
{
	HASHCTL ctl;
	memset(&ctl, 0, sizeof ctl);
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(RelInfo);
	ctl.hcxt = state->cache_ctx;
	state->relations = hash_create("walcast relations", 128, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	auto *forget = static_cast<MemoryContextCallback *>(MemoryContextAllocZero(state->cache_ctx,
																				sizeof(MemoryContextCallback)));
	forget->func = ForgetState;
	forget->arg = state;
	MemoryContextRegisterResetCallback(state->cache_ctx, forget);
	g_state = state;

	if (!g_callbacks_registered) {
		CacheRegisterRelcacheCallback(OnRelcacheInvalidation, (Datum) 0);
		CacheRegisterSyscacheCallback(PUBLICATIONOID, OnPublicationInvalidation, (Datum) 0);
		CacheRegisterSyscacheCallback(PUBLICATIONRELMAP, OnPublicationInvalidation, (Datum) 0);
		CacheRegisterSyscacheCallback(PUBLICATIONNAMESPACEMAP, OnPublicationInvalidation, (Datum) 0);
		CacheRegisterSyscacheCallback(TYPEOID, OnTypeOrSchemaInvalidation, (Datum) 0);
		CacheRegisterSyscacheCallback(NAMESPACEOID, OnTypeOrSchemaInvalidation, (Datum) 0);
		g_callbacks_registered = true;
	}
}

RelInfo *GetRelInfo(PluginState *state, Relation rel)
{
	Oid relid = RelationGetRelid(rel);
	bool found;
	auto *info = static_cast<RelInfo *>(hash_search(state->relations, &relid, HASH_ENTER, &found));
	if (!found) {
		// Only the key is set by hash_search; the rest must not be garbage if Build fails half way.
		memset(reinterpret_cast<char *>(info) + sizeof(Oid), 0, sizeof(RelInfo) - sizeof(Oid));
	}
	if (!info->valid || info->building)
		Build(state, info, rel);
	if (!info->pub_valid)
		ComputePublishedActions(state, rel, info);
	return info;
}

} // namespace walcast
