// Per-relation metadata, built once and reused for every row: column names pre-escaped as JSON, the renderer
// for each column, the pre-rendered "columns" array, identity columns, and publication membership.
// Entries are invalidated by relcache/syscache callbacks and rebuilt on next use, so ALTER TABLE between two
// changes is reflected in the second.
#pragma once

#include "pg.hpp"
#include "state.hpp"
#include "value_renderer.hpp"

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

struct RelInfo {
	Oid relid; // hash key, must be first
	bool valid;
	bool building; // set while Build runs; still set means an ERROR interrupted it
	bool pub_valid;
	MemoryContext mcxt; // everything this entry points to

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

	// Publication membership: which actions are emitted for this table.
	bool pub_insert, pub_update, pub_delete, pub_truncate;
};

void InitRelationCache(PluginState *state);

// The valid entry for `rel`, rebuilding it if an invalidation arrived since it was built.
RelInfo *GetRelInfo(PluginState *state, Relation rel);

} // namespace walcast
