// Per-relation metadata, built once and reused for every row: what the publications publish of the relation
// (publications.hpp), and for a published one the rendering: column names pre-escaped as JSON, the renderer for
// each column, the pre-rendered "columns" array and identity columns.
//
// Entries are invalidated by relcache/syscache callbacks and rebuilt on next use, so ALTER TABLE between two
// changes is reflected in the second. A type or schema change invalidates only the entries that show that
// type or schema (matched by syscache hash value). Callbacks only mark entries - they may run in the middle of
// a build, and anything they freed could be in use; entries of dropped relations are freed by a sweep at the
// start of the next lookup, when no entry is in use.
#pragma once

#include "pg.hpp"
#include "state.hpp"
#include "value_renderer.hpp"

extern "C" {
#include "access/attmap.h"
}

namespace walcast {

struct ColumnInfo {
	int attidx; // 0-based index into the tuple descriptor
	char *name_json;
	int name_json_len;
	// ,"name": - the separator, the key and the colon in one piece, so each value costs one append for them
	// (member_json + 1 for the first member of an object).
	char *member_json;
	int member_json_len;
	bool is_varlena;      // attlen == -1: may be an unchanged TOAST pointer
	bool in_identity;     // part of the replica identity (all columns for FULL)
	TypeRenderer render;  // how its values become JSON (values.hpp)
};

enum class IdentityKind : uint8 { Default, Index, Full, Nothing };

struct RowFilter;

struct RelInfo {
	Oid relid;     // hash key, must be first
	bool valid;    // the rendering part is current
	bool building; // set while Build runs; still set means an ERROR interrupted it
	bool pub_valid; // the publication part is current
	bool pub_building;
	bool maybe_dropped; // named by a relcache invalidation: the next sweep frees the entry if the table is gone
	MemoryContext mcxt; // everything the rendering part points to; nullptr while the table is not published

	// Rendering, of the relation the changes are published as (publish_as_relid: the table itself, or an
	// ancestor with publish_via_partition_root) and of its published columns only. The replica identity is the
	// decoded table's own: its old rows are what the change logged.

	// Pre-rendered JSON with its length, appended to every object without strlen.
	char *schema_json;
	int schema_json_len;
	char *table_json;
	int table_json_len;
	char *columns_json; // [{"name":..,"type":..},...]
	int columns_json_len;
	char *pk_json; // ["id",...]
	int pk_json_len;
	int ncols;
	ColumnInfo *cols;
	IdentityKind identity;
	const char *identity_error; // non-null when UPDATE/DELETE cannot carry an identity

	// What the rendering was built for: a publication change that alters either forces a rebuild.
	Oid built_relid;
	bool built_column_list;
	Bitmapset *built_columns;
	// What the rendering shows by name, as syscache hash values (GetSysCacheHashValue1): the schema and the
	// published columns' types (with the base types of domains and element types of arrays).
	uint32 namespace_hash;
	int ntype_hashes;
	uint32 *type_hashes;

	// Publication part (publications.cpp), its pointers into pub_mcxt (nullptr while nothing needs one).
	bool pub_insert, pub_update, pub_delete, pub_truncate;
	Oid publish_as_relid;
	MemoryContext pub_mcxt;
	bool column_list;      // a column list applies: only `columns` are published (possibly none)
	Bitmapset *columns;    // attnums of publish_as_relid
	AttrMap *attrmap;      // publish_as_relid's columns in the table's attnums; nullptr when the layouts match
	RowFilter *filter;     // nullptr when no published action has a row filter
	int nancestors;        // partition ancestors: a relcache invalidation of one makes the entry stale
	Oid *ancestors;
};

void InitRelationCache(PluginState *state);

// The entry for `rel` with a current publication part and, when any action is published, a current rendering.
RelInfo *GetRelInfo(PluginState *state, Relation rel);

// The name of a schema, or when it cannot be found (dropped concurrently) a placeholder, "(schema 12345)",
// with a WARNING: never NULL. In the current memory context.
const char *SchemaNameOrPlaceholder(Oid nspid);

// Tells the relcache callback that some entry has partition ancestors to look through.
void NotePartitionEntry();

} // namespace walcast
