// Pieces every written object shares: transaction markers, LSN/xid/timestamp rendering, the lazy BEGIN and the
// progress keep-alive for skipped changes. Used by the change, truncate and message writers.
#pragma once

#include "pg.hpp"
#include "state.hpp"

namespace walcast {

// An object's "type" value with its length, so it is appended without strlen although it is chosen per change.
struct ObjectType {
	const char *name;
	int len;
};

template <size_t N>
constexpr ObjectType Type(const char (&name)[N])
{
	return ObjectType{name, static_cast<int>(N - 1)};
}

inline PluginState *StateOf(LogicalDecodingContext *ctx)
{
	return static_cast<PluginState *>(ctx->output_plugin_private);
}

void AppendLsn(StringInfo out, XLogRecPtr lsn);
void AppendXid(StringInfo out, TransactionId xid);
void AppendTimestamp(StringInfo out, PluginState *state, TimestampTz ts);
void WriteTransactionMarker(LogicalDecodingContext *ctx, ReorderBufferTXN *txn, ObjectType type, bool last);
void EnsureBegin(LogicalDecodingContext *ctx, PluginState *state, ReorderBufferTXN *txn);
void NoteSkippedChange(LogicalDecodingContext *ctx, PluginState *state);

} // namespace walcast
