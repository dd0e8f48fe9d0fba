// MESSAGE objects: logical messages with a walcast prefix (broadcasts sent from SQL).
#pragma once

#include "pg.hpp"
#include "state.hpp"

namespace walcast {

// Writes the MESSAGE object for a walcast-prefixed message; false when the message is not for us (or messages
// are switched off, or its prefix alone is over max-change-bytes), so the caller counts it as skipped.
// Content is embedded as JSON only when json::CheckJson accepts it (always as one line), otherwise written as a
// JSON string of its text, or as "\x<hex>" when it is not valid in the database encoding. A message larger than
// max-change-bytes is written without "content" and with "errors":["Error 413: Payload Too Large"].
bool EmitMessage(LogicalDecodingContext *ctx, PluginState *state, ReorderBufferTXN *txn, XLogRecPtr lsn,
				 bool transactional, const char *prefix, Size size, const char *message);

} // namespace walcast
