// Writing one output object: every writer (changes, truncates, messages, BEGIN/COMMIT) brackets its object with
// BeginObject/EndObject, which is where the object is turned into UTF-8 and held to max-change-bytes.
//
// Why conversion happens only over the replication protocol: the walsender hands the plugin's bytes to the
// client untouched, and the gateway reads them as UTF-8 JSON whatever the database encoding is. Through the SQL
// functions (pg_logical_slot_get/peek_changes) the output becomes a `text` value, which PostgreSQL holds in the
// database encoding and converts to each client's encoding itself; converting it here would make it wrong text.
#pragma once

#include "pg.hpp"
#include "state.hpp"

namespace walcast {

// Decides, once per decoding session, how objects become UTF-8, and looks up the conversion function. In the
// walsender, a database encoding with no conversion to UTF8 (MULE_INTERNAL) stops the slot from starting, with
// a message that says why; slot creation (is_init) is left alone, as it writes nothing.
void SetUpOutputEncoding(LogicalDecodingContext *ctx, PluginState *state, bool is_init);

// Starts an object: OutputPluginPrepareWrite, which in the walsender puts a protocol header in ctx->out first.
// Returns where the object's own bytes start in ctx->out.
int BeginObject(LogicalDecodingContext *ctx, bool last);

// Finishes the object that starts at `start`: converts it to UTF-8 where the output must be UTF-8, checks its
// size as emitted against max-change-bytes, and writes it. Returns false when it is too large: then nothing was
// written and ctx->out ends at `start`, so the caller can write the object's small 413 form instead (with
// BeginObject again). Never raises an ERROR of its own and never allocates more than about max-change-bytes.
bool EndObject(LogicalDecodingContext *ctx, PluginState *state, int start, bool last);

// The same against an explicit limit instead of max-change-bytes: for objects whose size is bounded by the table
// definition alone (a TRUNCATE, the 413 form of a change), which are written whatever max-change-bytes says.
bool EndObjectWithin(LogicalDecodingContext *ctx, PluginState *state, int start, bool last, size_t limit);

} // namespace walcast
