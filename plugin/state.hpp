// The plugin's private state, hung off ctx->output_plugin_private. Plain data only: it lives in palloc'd memory.
#pragma once

#include "pg.hpp"
#include "pure/format.hpp"
#include "pure/options.hpp"

namespace walcast {

// What one publication contributes, copied out of the catalog so the catalog structs can be freed.
struct PublicationInfo {
	Oid oid;
	bool alltables;
	bool viaroot; // publish_via_partition_root
	PublicationActions actions;
};

// How each written object reaches UTF-8 (set up once at startup by SetUpOutputEncoding, encoding.cpp).
enum class OutputConversion : unsigned char {
	None,            // UTF8 database, or the SQL functions (their text stays in the database encoding)
	EscapeHighBytes, // SQL_ASCII over the replication protocol: each byte >= 0x80 becomes \u00XX
	Convert,         // another encoding over the replication protocol: its default conversion to UTF8
};

struct PluginState {
	DecodingOptions opts;

	OutputConversion conversion;
	int db_encoding;
	FmgrInfo *to_utf8; // the pg_catalog conversion function, when conversion == Convert

	// Reset at the single exit point of every callback, so per-change memory never accumulates.
	MemoryContext change_ctx;
	// Relation metadata and loaded publications. A child of ctx->context: it dies with the decoding context,
	// even when decoding ends in an ERROR.
	MemoryContext cache_ctx;
	HTAB *relations;

	// Publication filter: the names asked for (empty = no filter) and, loaded lazily under the historic
	// snapshot, what they contain. pubs_valid drops on any pg_publication change.
	int npubnames;
	NameData *pubnames;
	bool pubs_valid;
	int npubs;
	PublicationInfo *pubs;
	MemoryContext pubs_ctx;

	// Per transaction: BEGIN is written lazily before the first object, so filtered-out transactions are silent.
	bool begin_sent;
	int changes_since_progress;

	// The quoted commit timestamp, rendered once per transaction: every object of a transaction carries the
	// same one. Cleared in Begin; keyed on the value as well, so a stale rendering can never be written.
	bool timestamp_valid;
	TimestampTz timestamp_value;
	int timestamp_json_len;
	char timestamp_json[format::kTimestampBufSize + 2];
};

} // namespace walcast
