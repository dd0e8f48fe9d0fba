#include "publications.hpp"

#include "row_filter.hpp"

extern "C" {
#include "access/attmap.h"
#include "catalog/pg_publication_namespace.h"
#include "catalog/pg_publication_rel.h"
}

namespace walcast {

void SetUpPublicationFilter(PluginState *state)
{
	state->npubnames = 0;
	state->pubnames = nullptr;
	if (!state->opts.publication)
		return;

	// The option was already checked by ApplyOption, so the tokenizer cannot fail here.
	NameListCursor cursor{state->opts.publication};
	char name[kMaxNameLen + 1];
	const char *why = nullptr;
	int capacity = 0;
	while (NextName(cursor, name, &why) == NameToken::Name)
		capacity++;
	state->pubnames = static_cast<NameData *>(palloc0(sizeof(NameData) * Max(capacity, 1)));
	cursor = NameListCursor{state->opts.publication};
	while (NextName(cursor, name, &why) == NameToken::Name) {
		bool duplicate = false;
		for (int i = 0; i < state->npubnames; i++)
			duplicate |= strcmp(NameStr(state->pubnames[i]), name) == 0;
		if (!duplicate)
			namestrcpy(&state->pubnames[state->npubnames++], name);
	}

	// Through the SQL functions we are inside a transaction; a walsender starts decoding outside one, so open a
	// short one just for this catalog lookup.
	MemoryContext caller_ctx = CurrentMemoryContext;
	bool own_xact = !IsTransactionState();
	if (own_xact)
		StartTransactionCommand();
	const char *missing = nullptr;
	for (int i = 0; i < state->npubnames && !missing; i++)
		if (!OidIsValid(get_publication_oid(NameStr(state->pubnames[i]), true)))
			missing = NameStr(state->pubnames[i]);
	if (own_xact)
		CommitTransactionCommand();
	MemoryContextSwitchTo(caller_ctx);

	if (missing)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("publication \"%s\" does not exist", missing),
						errhint("Create it with CREATE PUBLICATION, or check the \"publication\" option of walcast.")));
}

namespace {

// Loads the named publications as they were at the point of history being decoded. A publication that did not
// exist yet publishes nothing there (it was checked to exist now, at slot start).
void EnsurePublicationsLoaded(PluginState *state)
{
	if (state->pubs_valid)
		return;
	MemoryContextReset(state->pubs_ctx);
	state->pubs = static_cast<PublicationInfo *>(
		MemoryContextAllocZero(state->pubs_ctx, sizeof(PublicationInfo) * Max(state->npubnames, 1)));
	state->npubs = 0;
	for (int i = 0; i < state->npubnames; i++) {
		Publication *pub = GetPublicationByName(NameStr(state->pubnames[i]), true);
		if (!pub)
			continue;
		PublicationInfo &info = state->pubs[state->npubs++];
		info.oid = pub->oid;
		info.alltables = pub->alltables;
		info.viaroot = pub->pubviaroot;
		info.actions = pub->pubactions;
	}
	state->pubs_valid = true;
}

MemoryContext PubContext(PluginState *state, RelInfo *info)
{
	if (!info->pub_mcxt)
		info->pub_mcxt = AllocSetContextCreate(state->cache_ctx, "walcast publication", ALLOCSET_SMALL_SIZES);
	return info->pub_mcxt;
}

// "a, b" from the names of the chosen publications, for log lines.
void AppendPubName(StringInfo names, const char *name)
{
	if (names->len > 0)
		appendStringInfoString(names, ", ");
	appendStringInfoString(names, quote_identifier(name));
}

const char *PubName(PluginState *state, int pub)
{
	const char *name = get_publication_name(state->pubs[pub].oid, true);
	return name ? name : "?";
}

// The publications that publish `rel`, as pgoutput's get_rel_sync_entry picks them: fills info's actions and
// publish_as_relid, and `chosen` with the publications that publish it at that ancestor level (the only ones
// whose row filters and column lists apply). Returns how many were chosen.
int ChoosePublications(PluginState *state, Relation rel, List *ancestors, RelInfo *info, int *chosen)
{
	Oid relid = RelationGetRelid(rel);
	bool am_partition = rel->rd_rel->relispartition;
	bool partitioned = rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE;
	List *table_pubs = GetRelationPublications(relid);
	List *schema_pubs = GetSchemaPublications(RelationGetNamespace(rel));
	int publish_level = 0;
	int nchosen = 0;
	for (int i = 0; i < state->npubs; i++) {
		const PublicationInfo &pub = state->pubs[i];
		bool publish = false;
		Oid pub_relid = relid;
		int level = 0;
		if (pub.alltables) {
			publish = true;
			if (pub.viaroot && am_partition && ancestors != NIL) {
				pub_relid = llast_oid(ancestors);
				level = list_length(ancestors);
			}
		} else {
			bool ancestor_published = false;
			if (am_partition) {
				// The topmost ancestor this publication publishes, directly or through its schema.
				int ancestor_level = 0;
				Oid ancestor = GetTopMostAncestorInPublication(pub.oid, ancestors, &ancestor_level);
				if (OidIsValid(ancestor)) {
					ancestor_published = true;
					if (pub.viaroot) {
						pub_relid = ancestor;
						level = ancestor_level;
					}
				}
			}
			publish = ancestor_published || list_member_oid(table_pubs, pub.oid) ||
					  list_member_oid(schema_pubs, pub.oid);
		}
		// A partitioned table has no rows of its own: its partitions' changes are published, unless they are
		// published as it (publish_via_partition_root).
		if (!publish || (partitioned && !pub.viaroot))
			continue;
		info->pub_insert |= pub.actions.pubinsert;
		info->pub_update |= pub.actions.pubupdate;
		info->pub_delete |= pub.actions.pubdelete;
		info->pub_truncate |= pub.actions.pubtruncate;

		// Changes are published as the topmost ancestor any publication asks for, with the row filters and
		// column lists of the publications that ask for that one.
		if (level < publish_level)
			continue;
		if (level > publish_level) {
			info->publish_as_relid = pub_relid;
			publish_level = level;
			nchosen = 0;
		} else if (pub_relid != info->publish_as_relid) {
			continue; // one level of one partition tree is one relation; never reached
		}
		chosen[nchosen++] = i;
	}
	return nchosen;
}

// The columns the chosen publications publish of `target`, in column_list/columns. A publication without a
// list publishes every column. Where lists differ pgoutput fails; the intersection publishes no column that
// any of them hides.
void ChooseColumns(PluginState *state, RelInfo *info, const int *chosen, int nchosen, Relation target,
				   const char *relname)
{
	TupleDesc desc = RelationGetDescr(target);
	int nlive = 0;
	for (int i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped && !TupleDescAttr(desc, i)->attgenerated)
			nlive++;

	bool differ = false;
	Bitmapset *first = nullptr;
	StringInfoData names;
	initStringInfo(&names);
	for (int c = 0; c < nchosen; c++) {
		const PublicationInfo &pub = state->pubs[chosen[c]];
		AppendPubName(&names, PubName(state, chosen[c]));
		Bitmapset *cols = nullptr;
		bool has_list = false;
		if (!pub.alltables) {
			// No pg_publication_rel row: published through its schema, which admits no column list.
			HeapTuple tuple = SearchSysCache2(PUBLICATIONRELMAP, ObjectIdGetDatum(RelationGetRelid(target)),
											  ObjectIdGetDatum(pub.oid));
			if (HeapTupleIsValid(tuple)) {
				bool isnull;
				Datum attrs = SysCacheGetAttr(PUBLICATIONRELMAP, tuple, Anum_pg_publication_rel_prattrs, &isnull);
				if (!isnull) {
					cols = pub_collist_to_bitmapset(nullptr, attrs, CurrentMemoryContext);
					has_list = true;
				}
				ReleaseSysCache(tuple);
			}
		}
		if (has_list) {
			MemoryContext old = MemoryContextSwitchTo(PubContext(state, info));
			info->columns = info->column_list ? bms_int_members(info->columns, cols) : bms_copy(cols);
			info->column_list = true;
			MemoryContextSwitchTo(old);
		}
		// pgoutput compares lists taking one that names every column as no list.
		Bitmapset *normalized = has_list && bms_num_members(cols) != nlive ? cols : nullptr;
		if (c == 0)
			first = normalized;
		else
			differ |= !bms_equal(first, normalized);
	}
	if (differ)
		ereport(WARNING,
				(errmsg("walcast: publications %s give table %s different column lists", names.data, relname),
				 errdetail("Only the columns that every one of them publishes are emitted. pgoutput refuses to "
						   "decode such a table.")));
}

// The row filters of the chosen publications for each action, combined as pgoutput combines them: OR-ed, and
// none at all for an action that a publication without a filter (FOR ALL TABLES, FOR TABLES IN SCHEMA, or a
// table listed without WHERE) publishes.
void ChooseRowFilters(PluginState *state, RelInfo *info, const int *chosen, int nchosen, Relation target,
					  const char *relname)
{
	RowFilterSource source{};
	bool no_filter[kFilterActionCount] = {false, false, false};
	StringInfoData names[kFilterActionCount];
	for (auto &n : names)
		initStringInfo(&n);
	Oid schema = RelationGetNamespace(target);
	for (int c = 0; c < nchosen; c++) {
		const PublicationInfo &pub = state->pubs[chosen[c]];
		const bool publishes[kFilterActionCount] = {pub.actions.pubinsert, pub.actions.pubupdate,
													 pub.actions.pubdelete};
		HeapTuple tuple = nullptr;
		Datum qual = 0;
		bool no_qual = true;
		if (!pub.alltables && !SearchSysCacheExists2(PUBLICATIONNAMESPACEMAP, ObjectIdGetDatum(schema),
													 ObjectIdGetDatum(pub.oid))) {
			tuple = SearchSysCache2(PUBLICATIONRELMAP, ObjectIdGetDatum(RelationGetRelid(target)),
									ObjectIdGetDatum(pub.oid));
			if (HeapTupleIsValid(tuple))
				qual = SysCacheGetAttr(PUBLICATIONRELMAP, tuple, Anum_pg_publication_rel_prqual, &no_qual);
		}
		for (int a = 0; a < kFilterActionCount; a++) {
			if (!publishes[a])
				continue;
			if (no_qual) {
				no_filter[a] = true;
			} else if (!no_filter[a]) {
				source.quals[a] = lappend(source.quals[a], TextDatumGetCString(qual));
				AppendPubName(&names[a], PubName(state, chosen[c]));
			}
		}
		if (HeapTupleIsValid(tuple))
			ReleaseSysCache(tuple);
	}
	for (int a = 0; a < kFilterActionCount; a++) {
		if (no_filter[a])
			source.quals[a] = NIL;
		source.pubs[a] = names[a].data;
	}
	for (int a = 0; a < kFilterActionCount; a++) {
		if (source.quals[a] != NIL) {
			MemoryContext old = MemoryContextSwitchTo(PubContext(state, info));
			info->filter = BuildRowFilter(source, RelationGetDescr(target), relname);
			MemoryContextSwitchTo(old);
			return;
		}
	}
}

} // namespace

void FreePublication(RelInfo *info)
{
	FreeRowFilter(info->filter);
	if (info->pub_mcxt)
		MemoryContextDelete(info->pub_mcxt);
	info->pub_mcxt = nullptr;
	info->filter = nullptr;
	info->attrmap = nullptr;
	info->column_list = false;
	info->columns = nullptr;
	info->ancestors = nullptr;
	info->nancestors = 0;
	info->pub_insert = info->pub_update = info->pub_delete = info->pub_truncate = false;
}

void ComputePublication(PluginState *state, Relation rel, RelInfo *info)
{
	FreePublication(info);
	// Valid before the catalog lookups below, which may accept invalidation messages that clear it again;
	// pub_building stays set if an ERROR interrupts.
	info->pub_valid = true;
	info->pub_building = true;
	Oid relid = RelationGetRelid(rel);
	info->publish_as_relid = relid;

	if (state->npubnames == 0) {
		info->pub_insert = info->pub_update = info->pub_delete = info->pub_truncate = true;
		info->pub_building = false;
		return;
	}
	EnsurePublicationsLoaded(state);
	if (!is_publishable_relation(rel)) {
		info->pub_building = false;
		return;
	}

	List *ancestors = NIL;
	if (rel->rd_rel->relispartition) {
		ancestors = get_partition_ancestors(relid);
		// A change to any ancestor (attached, detached, renamed, added to a publication) changes what this
		// partition is published as: the relcache callback looks here.
		MemoryContext old = MemoryContextSwitchTo(PubContext(state, info));
		info->nancestors = list_length(ancestors);
		info->ancestors = static_cast<Oid *>(palloc(sizeof(Oid) * Max(info->nancestors, 1)));
		for (int i = 0; i < info->nancestors; i++)
			info->ancestors[i] = list_nth_oid(ancestors, i);
		MemoryContextSwitchTo(old);
		NotePartitionEntry();
	}

	int *chosen = static_cast<int *>(palloc(sizeof(int) * Max(state->npubs, 1)));
	int nchosen = ChoosePublications(state, rel, ancestors, info, chosen);
	if (!info->pub_insert && !info->pub_update && !info->pub_delete) {
		info->pub_building = false; // TRUNCATE carries no rows: no row type, filter or column list needed
		return;
	}

	Relation target = rel;
	if (info->publish_as_relid != relid) {
		target = RelationIdGetRelation(info->publish_as_relid);
		if (!target) {
			ereport(WARNING, (errmsg("walcast: partition root %u of table %u cannot be opened; its changes are "
									 "not emitted",
									 info->publish_as_relid, relid)));
			info->pub_insert = info->pub_update = info->pub_delete = false;
			info->pub_building = false;
			return;
		}
		MemoryContext old = MemoryContextSwitchTo(PubContext(state, info));
		info->attrmap = build_attrmap_by_name_if_req(RelationGetDescr(rel), RelationGetDescr(target));
		MemoryContextSwitchTo(old);
	}
	const char *relname = psprintf("%s.%s", quote_identifier(SchemaNameOrPlaceholder(RelationGetNamespace(target))),
								   quote_identifier(RelationGetRelationName(target)));
	ChooseColumns(state, info, chosen, nchosen, target, relname);
	ChooseRowFilters(state, info, chosen, nchosen, target, relname);
	if (target != rel)
		RelationClose(target);
	info->pub_building = false;
}

// A row stored before ALTER TABLE ADD COLUMN ... DEFAULT lacks the column; its value is the default. An old row
// logged whole for REPLICA IDENTITY FULL is such a stored row, and row filters must see what PostgreSQL sees.
void FillMissingColumns(HeapTuple tuple, TupleDesc desc, Datum *values, bool *nulls)
{
	for (int i = HeapTupleHeaderGetNatts(tuple->t_data); i < desc->natts; i++)
		values[i] = getmissingattr(desc, i + 1, &nulls[i]);
}

void MapToPublished(const AttrMap *map, int natts, Datum **values, bool **nulls)
{
	auto *v = static_cast<Datum *>(palloc(sizeof(Datum) * Max(map->maplen, 1)));
	auto *n = static_cast<bool *>(palloc(sizeof(bool) * Max(map->maplen, 1)));
	for (int i = 0; i < map->maplen; i++) {
		AttrNumber from = map->attnums[i];
		bool present = from > 0 && from <= natts;
		v[i] = present ? (*values)[from - 1] : Datum(0);
		n[i] = present ? (*nulls)[from - 1] : true;
	}
	*values = v;
	*nulls = n;
}

} // namespace walcast
