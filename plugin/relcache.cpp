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
// Some entry is marked maybe_dropped: the next GetRelInfo sweeps.
bool g_sweep_pending = false;
// Some entry has partition ancestors, so a relcache invalidation must look through all entries.
bool g_partition_entries = false;

template <typename Fn>
void ForEachEntry(Fn fn)
{
	if (!g_state || !g_state->relations)
		return;
	HASH_SEQ_STATUS it;
	hash_seq_init(&it, g_state->relations);
	RelInfo *entry;
	while ((entry = static_cast<RelInfo *>(hash_seq_search(&it))) != nullptr)
		fn(entry);
}

void OnRelcacheInvalidation(Datum, Oid relid)
{
	if (!g_state || !g_state->relations)
		return;
	if (relid == InvalidOid) {
		ForEachEntry([](RelInfo *entry) {
			entry->valid = entry->pub_valid = false;
			entry->maybe_dropped = true;
		});
		g_sweep_pending = true;
		return;
	}
	auto *entry = static_cast<RelInfo *>(hash_search(g_state->relations, &relid, HASH_FIND, nullptr));
	if (entry) {
		entry->valid = entry->pub_valid = false;
		entry->maybe_dropped = true;
		g_sweep_pending = true;
	}
	if (g_partition_entries) {
		ForEachEntry([relid](RelInfo *e) {
			for (int i = 0; i < e->nancestors; i++)
				if (e->ancestors[i] == relid)
					e->valid = e->pub_valid = false;
		});
	}
}

void OnPublicationInvalidation(Datum, int, uint32)
{
	if (!g_state)
		return;
	g_state->pubs_valid = false;
	ForEachEntry([](RelInfo *entry) { entry->pub_valid = false; });
}

// Type and schema renames change the pre-rendered "columns" array and schema name of the entries that show
// them. Hash value 0 means the whole cache was reset.
void OnTypeInvalidation(Datum, int, uint32 hash)
{
	ForEachEntry([hash](RelInfo *entry) {
		if (hash == 0)
			entry->valid = false;
		for (int i = 0; i < entry->ntype_hashes && entry->valid; i++)
			if (entry->type_hashes[i] == hash)
				entry->valid = false;
	});
}

void OnNamespaceInvalidation(Datum, int, uint32 hash)
{
	ForEachEntry([hash](RelInfo *entry) {
		if (hash == 0 || entry->namespace_hash == hash)
			entry->valid = false;
	});
}

void ForgetState(void *arg)
{
	if (g_state == arg)
		g_state = nullptr;
}

// A type that cannot be found (dropped concurrently) is named by a placeholder, "(type 12345)", with a WARNING:
// an ERROR here would fail the same change on every retry.
const char *TypeName(Oid typid)
{
	HeapTuple tp = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	if (!HeapTupleIsValid(tp)) {
		ereport(WARNING, (errmsg("walcast: type %u not found; the \"columns\" array names it \"(type %u)\"", typid,
								 typid)));
		return psprintf("(type %u)", typid);
	}
	char *name = pstrdup(NameStr(reinterpret_cast<Form_pg_type>(GETSTRUCT(tp))->typname));
	ReleaseSysCache(tp);
	return name;
}

// ["a","b"] from the key columns of `indexoid` (an index of `rel`), in key order, leaving out columns of
// `info`'s rendered relation that a column list does not publish; its length goes to *len.
char *IndexColumnsJson(const RelInfo *info, Relation rendered, Relation rel, Oid indexoid, int *len)
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
				const char *name = NameStr(TupleDescAttr(desc, attnum - 1)->attname);
				if (info->column_list) {
					AttrNumber rendered_attnum = rel == rendered ? attnum : get_attnum(RelationGetRelid(rendered), name);
					if (!bms_is_member(rendered_attnum, info->columns))
						continue;
				}
				if (out.len > 1)
					appendStringInfoChar(&out, ',');
				AppendJsonString(&out, name);
			}
			ReleaseSysCache(tp);
		}
	}
	appendStringInfoChar(&out, ']');
	*len = out.len;
	return out.data;
}

// The decoded table's replica identity columns as attnums of the rendered relation (offset by
// FirstLowInvalidHeapAttributeNumber, as RelationGetIndexAttrBitmap gives them), matched by the map that
// converts its rows.
Bitmapset *IdentityAttrs(const RelInfo *info, Relation source, Relation rendered)
{
	Bitmapset *own = RelationGetIndexAttrBitmap(source, INDEX_ATTR_BITMAP_IDENTITY_KEY);
	if (source == rendered || !info->attrmap)
		return own;
	Bitmapset *mapped = nullptr;
	for (int i = 0; i < info->attrmap->maplen; i++) {
		AttrNumber from = info->attrmap->attnums[i];
		if (from > 0 && bms_is_member(from - FirstLowInvalidHeapAttributeNumber, own))
			mapped = bms_add_member(mapped, i + 1 - FirstLowInvalidHeapAttributeNumber);
	}
	return mapped;
}

void NoteTypeHash(RelInfo *info, int *capacity, Oid typid)
{
	uint32 hash = GetSysCacheHashValue1(TYPEOID, ObjectIdGetDatum(typid));
	for (int i = 0; i < info->ntype_hashes; i++)
		if (info->type_hashes[i] == hash)
			return;
	if (info->ntype_hashes == *capacity) {
		*capacity *= 2;
		info->type_hashes = static_cast<uint32 *>(repalloc(info->type_hashes, sizeof(uint32) * *capacity));
	}
	info->type_hashes[info->ntype_hashes++] = hash;
}

// Remembers which pg_namespace and pg_type rows the rendering shows, so that only their changes rebuild it:
// the schema, and each rendered column's type, with the types behind it (domain bases, array elements).
void NoteDependencies(RelInfo *info, Relation rel)
{
	info->namespace_hash = GetSysCacheHashValue1(NAMESPACEOID, ObjectIdGetDatum(RelationGetNamespace(rel)));
	int capacity = 8;
	info->ntype_hashes = 0;
	info->type_hashes = static_cast<uint32 *>(palloc(sizeof(uint32) * capacity));
	TupleDesc desc = RelationGetDescr(rel);
	for (int i = 0; i < info->ncols; i++) {
		Oid typid = TupleDescAttr(desc, info->cols[i].attidx)->atttypid;
		// A domain over an array of a domain ...: bounded, each step is a different catalog row.
		for (int depth = 0; OidIsValid(typid) && depth < 16; depth++) {
			NoteTypeHash(info, &capacity, typid);
			HeapTuple tp = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
			if (!HeapTupleIsValid(tp))
				break;
			auto *type = reinterpret_cast<Form_pg_type>(GETSTRUCT(tp));
			Oid next = type->typtype == TYPTYPE_DOMAIN ? type->typbasetype
					   : IsTrueArrayType(type)          ? type->typelem
														: InvalidOid;
			ReleaseSysCache(tp);
			typid = next;
		}
	}
}

void FreeRendering(RelInfo *info)
{
	if (info->mcxt)
		MemoryContextDelete(info->mcxt);
	info->mcxt = nullptr;
	info->valid = false;
	info->ncols = 0;
	info->cols = nullptr;
	info->ntype_hashes = 0;
	info->type_hashes = nullptr;
}

// Whether the rendering shows the relation and columns the (just recomputed) publication part publishes.
bool RenderingMatchesPublication(const RelInfo *info)
{
	return info->mcxt && info->built_relid == info->publish_as_relid &&
		   info->built_column_list == info->column_list && bms_equal(info->built_columns, info->columns);
}

// Renders the metadata of the relation `source`'s changes are published as, for its published columns.
void Build(PluginState *state, RelInfo *info, Relation source)
{
	FreeRendering(info);
	Relation rel = source;
	if (info->publish_as_relid != RelationGetRelid(source)) {
		rel = RelationIdGetRelation(info->publish_as_relid);
		if (!rel) {
			// ComputePublication opened it a moment ago; should it be gone now, publish nothing rather than
			// the partition under its own name.
			info->pub_insert = info->pub_update = info->pub_delete = info->pub_truncate = false;
			info->pub_valid = false; // decided again on the next change
			return;
		}
	}
	info->mcxt = AllocSetContextCreate(state->cache_ctx, "walcast relation", ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(info->mcxt);
	// Marked valid before the catalog lookups below: an invalidation that arrives while they run (opening an
	// index accepts invalidation messages) clears it again, so the next change rebuilds instead of keeping
	// what may be stale. `building` stays set if an ERROR interrupts, so a half-built entry is never used.
	info->valid = true;
	info->building = true;
	info->built_relid = info->publish_as_relid;
	info->built_column_list = info->column_list;
	info->built_columns = bms_copy(info->columns);

	info->schema_json = QuotedCopy(SchemaNameOrPlaceholder(RelationGetNamespace(rel)), &info->schema_json_len);
	info->table_json = QuotedCopy(RelationGetRelationName(rel), &info->table_json_len);

	switch (source->rd_rel->relreplident) {
	case REPLICA_IDENTITY_FULL: info->identity = IdentityKind::Full; break;
	case REPLICA_IDENTITY_NOTHING: info->identity = IdentityKind::Nothing; break;
	case REPLICA_IDENTITY_INDEX: info->identity = IdentityKind::Index; break;
	default: info->identity = IdentityKind::Default; break;
	}
	Oid replica_index = RelationGetReplicaIndex(source);
	info->identity_error = nullptr;
	if (info->identity == IdentityKind::Default && !OidIsValid(replica_index))
		info->identity_error = "Error 400: Bad Request, no primary key";
	else if (info->identity == IdentityKind::Index && !OidIsValid(replica_index))
		info->identity_error = "Error 400: Bad Request, replica identity index is missing";
	else if (info->identity == IdentityKind::Nothing)
		info->identity_error = "Error 400: Bad Request, replica identity is NOTHING";

	Bitmapset *identity_attrs = IdentityAttrs(info, source, rel);
	Oid pk_index = RelationGetPrimaryKeyIndex(rel);
	if (OidIsValid(pk_index))
		info->pk_json = IndexColumnsJson(info, rel, rel, pk_index, &info->pk_json_len);
	else
		info->pk_json = IndexColumnsJson(info, rel, source, replica_index, &info->pk_json_len);

	TupleDesc desc = RelationGetDescr(rel);
	info->cols = static_cast<ColumnInfo *>(palloc0(sizeof(ColumnInfo) * Max(desc->natts, 1)));
	info->ncols = 0;
	StringInfoData columns;
	initStringInfo(&columns);
	appendStringInfoChar(&columns, '[');
	for (int i = 0; i < desc->natts; i++) {
		Form_pg_attribute att = TupleDescAttr(desc, i);
		if (att->attisdropped || (info->column_list && !bms_is_member(att->attnum, info->columns)))
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
	NoteDependencies(info, rel);

	MemoryContextSwitchTo(old);
	if (rel != source)
		RelationClose(rel);
	info->building = false;
}

// Frees the entries of tables that no longer exist. Runs where no entry is in use: at the start of a lookup.
// Only entries a relcache invalidation named are looked up, under the historic snapshot of the change being
// decoded; one that still exists stays (it is rebuilt on its next use).
void SweepDroppedEntries()
{
	g_sweep_pending = false;
	HASH_SEQ_STATUS it;
	hash_seq_init(&it, g_state->relations);
	RelInfo *entry;
	while ((entry = static_cast<RelInfo *>(hash_seq_search(&it))) != nullptr) {
		if (!entry->maybe_dropped)
			continue;
		entry->maybe_dropped = false;
		if (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(entry->relid)))
			continue;
		FreeRendering(entry);
		FreePublication(entry);
		Oid relid = entry->relid;
		hash_search(g_state->relations, &relid, HASH_REMOVE, nullptr);
	}
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
	g_sweep_pending = false;
	g_partition_entries = false;

	if (!g_callbacks_registered) {
		CacheRegisterRelcacheCallback(OnRelcacheInvalidation, (Datum) 0);
		CacheRegisterSyscacheCallback(PUBLICATIONOID, OnPublicationInvalidation, (Datum) 0);
		CacheRegisterSyscacheCallback(PUBLICATIONRELMAP, OnPublicationInvalidation, (Datum) 0);
		CacheRegisterSyscacheCallback(PUBLICATIONNAMESPACEMAP, OnPublicationInvalidation, (Datum) 0);
		CacheRegisterSyscacheCallback(TYPEOID, OnTypeInvalidation, (Datum) 0);
		CacheRegisterSyscacheCallback(NAMESPACEOID, OnNamespaceInvalidation, (Datum) 0);
		g_callbacks_registered = true;
	}
}

RelInfo *GetRelInfo(PluginState *state, Relation rel)
{
	if (g_sweep_pending && g_state == state)
		SweepDroppedEntries();
	Oid relid = RelationGetRelid(rel);
	bool found;
	auto *info = static_cast<RelInfo *>(hash_search(state->relations, &relid, HASH_ENTER, &found));
	if (!found) {
		// Only the key is set by hash_search; the rest must not be garbage if a build fails half way.
		memset(reinterpret_cast<char *>(info) + sizeof(Oid), 0, sizeof(RelInfo) - sizeof(Oid));
	}
	// Membership first: a table no named publication publishes keeps a bare entry, never a rendering.
	if (!info->pub_valid || info->pub_building) {
		ComputePublication(state, rel, info);
		if (!info->pub_insert && !info->pub_update && !info->pub_delete && !info->pub_truncate)
			FreeRendering(info);
		else if (!RenderingMatchesPublication(info))
			info->valid = false;
	}
	if (!info->valid || info->building) {
		if (!info->pub_insert && !info->pub_update && !info->pub_delete && !info->pub_truncate)
			return info;
		Build(state, info, rel);
	}
	return info;
}

const char *SchemaNameOrPlaceholder(Oid nspid)
{
	char *name = get_namespace_name(nspid);
	if (name)
		return name;
	ereport(WARNING, (errmsg("walcast: schema %u not found; changes of its tables name it \"(schema %u)\"", nspid,
							 nspid)));
	return psprintf("(schema %u)", nspid);
}

void NotePartitionEntry()
{
	g_partition_entries = true;
}

} // namespace walcast
