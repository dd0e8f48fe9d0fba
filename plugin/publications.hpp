// The `publication` option: what the named PostgreSQL 15 publications publish of a relation, decided as
// pgoutput decides it (src/backend/replication/pgoutput/pgoutput.c, get_rel_sync_entry and the row filter and
// column list set-up):
// - membership: a publication FOR ALL TABLES, one listing the table, its schema (FOR TABLES IN SCHEMA) or, for
//   a partition, one of its ancestors; a partitioned table itself only through publish_via_partition_root.
// - actions: the union of those publications' publish = '...'.
// - publish_via_partition_root: a partition's changes are published as its topmost ancestor that such a
//   publication publishes, in the ancestor's row type; only the publications that publish that ancestor give
//   row filters and column lists.
// - row filters: see row_filter.hpp.
// - column lists: only the listed columns are emitted (record, old_record, columns, pk). Where publications give
//   different lists for one table pgoutput raises an ERROR on every retry; walcast publishes the intersection
//   (the columns every one of them publishes, so nothing any of them hides) and logs a WARNING.
#pragma once

#include "pg.hpp"
#include "relcache.hpp"
#include "state.hpp"

namespace walcast {

// Splits opts.publication into state->pubnames (in the current memory context) and checks, against the current
// catalog, that each publication exists: a typo is an ERROR when the slot starts, not a silent empty stream.
void SetUpPublicationFilter(PluginState *state);

// Fills the publication part of `info` for `rel` under the historic snapshot of the change being decoded,
// replacing what was there. Without a `publication` option every change of every table is published as itself.
void ComputePublication(PluginState *state, Relation rel, RelInfo *info);

// Frees the publication part of `info` (row filter, column list, ancestor map).
void FreePublication(RelInfo *info);

inline bool ActionPublished(const RelInfo *info, ReorderBufferChangeType action)
{
	switch (action) {
	case REORDER_BUFFER_CHANGE_INSERT: return info->pub_insert;
	case REORDER_BUFFER_CHANGE_UPDATE: return info->pub_update;
	case REORDER_BUFFER_CHANGE_DELETE: return info->pub_delete;
	default: return false;
	}
}

// Fills the columns a stored row lacks (added later with a DEFAULT) with their values, as PostgreSQL reads them.
void FillMissingColumns(HeapTuple tuple, TupleDesc desc, Datum *values, bool *nulls);

// Rearranges a row of the decoded table into the row type of the relation it is published as.
void MapToPublished(const AttrMap *map, int natts, Datum **values, bool **nulls);

// Deforms a tuple of the decoded relation `rel` into arrays (palloc'd in the current memory context) in the
// row type `info` publishes: rel's own, or with publish_via_partition_root the ancestor's, matched by column
// name. Returns false when there is no tuple. Inline: it runs for every row image.
pg_attribute_always_inline bool DeformPublished(const RelInfo *info, Relation rel, HeapTuple tuple,
															 Datum **values, bool **nulls)
{
	if (!tuple)
		return false;
	TupleDesc desc = RelationGetDescr(rel);
	*values = static_cast<Datum *>(palloc(sizeof(Datum) * desc->natts));
	*nulls = static_cast<bool *>(palloc(sizeof(bool) * desc->natts));
	heap_deform_tuple(tuple, desc, *values, *nulls);
	if (unlikely(HeapTupleHeaderGetNatts(tuple->t_data) < desc->natts))
		FillMissingColumns(tuple, desc, *values, *nulls);
	if (unlikely(info->attrmap != nullptr))
		MapToPublished(info->attrmap, desc->natts, values, nulls);
	return true;
}

} // namespace walcast
