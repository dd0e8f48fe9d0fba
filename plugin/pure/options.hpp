// The plugin's options as data: one table row per option, one generic parser. Postgres-free so the parsing
// rules (booleans as PostgreSQL's parse_bool reads them, identifier lists as SplitIdentifierString reads them)
// are unit-tested without a server.
#pragma once

#include <cstddef>
#include <string_view>

namespace walcast {

// Everything an option can switch. Trivially copyable and destructible: it lives inside palloc'd plugin state.
struct DecodingOptions {
	bool include_lsn = false;         // "lsn": the change's LSN as "X/X"
	bool include_xid = false;         // "xid": the transaction id
	bool include_transaction = false; // BEGIN/COMMIT objects around each emitted transaction
	bool include_pk = false;          // "pk": primary-key (or replica identity) column names
	bool include_messages = true;     // MESSAGE objects for pg_logical_emit_message with a walcast prefix
	bool include_truncate = true;     // TRUNCATE objects
	bool include_columns = true;      // the "columns" array
	const char *publication = nullptr; // raw comma-separated publication list; nullptr = every table, every action
	// "max-change-bytes": the largest object written for one change or message, in bytes as emitted. A larger
	// one is written without its row images (Realtime's "Error 413: Payload Too Large"), never as an ERROR.
	size_t max_change_bytes = kDefaultMaxChangeBytes;
	// "max-message-depth": the deepest nesting of arrays and objects with which a MESSAGE's content is embedded as
	// JSON; deeper content is written as a JSON string of its text. Any setting keeps the MESSAGE object well
	// within the depth the gateway parses (4096 levels, replication/classifier.cpp).
	size_t max_message_depth = kDefaultMaxMessageDepth;

	static constexpr size_t kDefaultMaxChangeBytes = size_t{128} << 20;
	// Bounds of max-change-bytes. The upper one keeps every object, with the growth of a conversion to UTF-8
	// (at most 3 bytes per byte from any server encoding), well under PostgreSQL's 1 GB allocation limit.
	static constexpr size_t kMinMaxChangeBytes = 1024;
	static constexpr size_t kMaxMaxChangeBytes = size_t{256} << 20;
	static constexpr size_t kDefaultMaxMessageDepth = 512;
	// 0 embeds only scalars; the upper bound is how deep the message checker follows (json::kMaxCheckDepth).
	static constexpr size_t kMinMaxMessageDepth = 0;
	static constexpr size_t kMaxMaxMessageDepth = 1000;
};

enum class OptionKind { Bool, NameList, Bytes, Depth };

struct OptionSpec {
	const char *name;
	OptionKind kind;
	bool DecodingOptions::*flag;        // for Bool
	const char *DecodingOptions::*text; // for NameList
	const char *description;
	size_t DecodingOptions::*bytes = nullptr; // for Bytes: a decimal byte count within [kMin.., kMax..]
	size_t DecodingOptions::*depth = nullptr; // for Depth: a decimal nesting depth within [kMin.., kMax..]
};

// All options, in documentation order.
extern const OptionSpec kOptionSpecs[];
extern const size_t kOptionSpecCount;

const OptionSpec *FindOption(std::string_view name);

// PostgreSQL's parse_bool: any case-insensitive prefix of true/false/yes/no, "on"/"off" (at least two letters
// for "of"), or exactly "1"/"0".
bool ParseBool(std::string_view value, bool *out);

constexpr size_t kErrorBufSize = 512;

// Applies one `name = value` pair (value nullptr means the option was given without a value, which is true for
// a boolean). Returns false and fills `error` with a complete sentence when the name or value is bad.
bool ApplyOption(DecodingOptions &opts, std::string_view name, const char *value, char (&error)[kErrorBufSize]);

// Tokenizer for comma-separated identifier lists such as "supabase_realtime, \"My Pub\"": unquoted names are
// folded to lower case, double-quoted ones are kept as written with "" meaning one quote. Names are at most
// kMaxNameLen bytes (PostgreSQL's NAMEDATALEN - 1); longer ones are an error, not silently truncated.
constexpr size_t kMaxNameLen = 63;

enum class NameToken { Name, End, Error };

struct NameListCursor {
	std::string_view rest;
	bool after_comma = false;
	bool seen_any = false;
};

// Reads the next name into `name` (NUL-terminated). End after the last name (or for an empty list: check
// cursor.seen_any). Error sets `error` to a static message.
NameToken NextName(NameListCursor &cursor, char (&name)[kMaxNameLen + 1], const char **error);

} // namespace walcast
