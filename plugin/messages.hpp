// MESSAGE objects: logical messages with a walcast prefix (broadcasts sent from SQL).
#pragma once

#include "pg.hpp"
#include "state.hpp"

namespace walcast {

// Writes the MESSAGE object for a walcast-prefixed message; false when the message is not for us (or messages
// are switched off), so the caller counts it as skipped.
bool EmitMessage(LogicalDecodingContext *ctx, PluginState *state, ReorderBufferTXN *txn, XLogRecPtr lsn,
				 bool transactional, const char *prefix, Size size, const char *message);

} // namespace walcast
