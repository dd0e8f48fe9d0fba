#include "emit.hpp"

#include "encoding.hpp"
#include "json_out.hpp"
#include "pure/format.hpp"

namespace walcast {


namespace {
// PG15 leaves it to the plugin to keep the walsender alive through long runs of filtered-out changes.
constexpr int kChangesPerProgressUpdate = 100;
} // namespace

void AppendLsn(StringInfo out, XLogRecPtr lsn)
{
	char text[format::kLsnBufSize];
	size_t len = format::Lsn(lsn, text);
	char quoted[format::kLsnBufSize + 2];
	quoted[0] = '"';
	memcpy(quoted + 1, text, len);
	quoted[len + 1] = '"';
	appendBinaryStringInfo(out, quoted, static_cast<int>(len) + 2);
}

// appendStringInfo("%u") would go through vsnprintf for every object that carries an xid.
void AppendXid(StringInfo out, TransactionId xid)
{
	char buf[format::kDecimalBufSize];
	size_t len = format::Decimal(xid, buf);
	appendBinaryStringInfo(out, buf, static_cast<int>(len));
}

// Every object of a transaction carries the same commit timestamp: render it once per transaction into the
// plugin state (rendering it per change was ~19% of decoding instructions), then copy it.
void AppendTimestamp(StringInfo out, PluginState *state, TimestampTz ts)
{
	if (!state->timestamp_valid || state->timestamp_value != ts) {
		char text[format::kTimestampBufSize];
		size_t len = format::CommitTimestamp(ts, text);
		state->timestamp_json[0] = '"';
		memcpy(state->timestamp_json + 1, text, len);
		state->timestamp_json[len + 1] = '"';
		state->timestamp_json_len = static_cast<int>(len) + 2;
		state->timestamp_value = ts;
		state->timestamp_valid = true;
	}
	appendBinaryStringInfo(out, state->timestamp_json, state->timestamp_json_len);
}

// {"type":"BEGIN"|"COMMIT","xid":N,"commit_lsn":"X/X","commit_timestamp":"..."}: the gateway relies on this
// exact shape. commit_lsn is the end of the commit record, already known when the transaction is replayed.
void WriteTransactionMarker(LogicalDecodingContext *ctx, ReorderBufferTXN *txn, ObjectType type, bool last)
{
	int start = BeginObject(ctx, last);
	StringInfo out = ctx->out;
	AppendLiteral(out, "{\"type\":\"");
	appendBinaryStringInfo(out, type.name, type.len);
	AppendLiteral(out, "\",\"xid\":");
	AppendXid(out, txn->xid);
	AppendLiteral(out, ",\"commit_lsn\":");
	AppendLsn(out, txn->end_lsn);
	AppendLiteral(out, ",\"commit_timestamp\":");
	AppendTimestamp(out, StateOf(ctx), txn->xact_time.commit_time);
	appendStringInfoChar(out, '}');
	// Always written: a marker is ASCII and about 120 bytes, far below the smallest max-change-bytes (1024).
	EndObject(ctx, StateOf(ctx), start, last);
}

// BEGIN is written lazily, just before the first object of the transaction, so a transaction whose changes
// are all filtered out produces no output at all.
void EnsureBegin(LogicalDecodingContext *ctx, PluginState *state, ReorderBufferTXN *txn)
{
	if (state->opts.include_transaction && !state->begin_sent)
		WriteTransactionMarker(ctx, txn, Type("BEGIN"), false);
	state->begin_sent = true;
}

void NoteSkippedChange(LogicalDecodingContext *ctx, PluginState *state)
{
	if (++state->changes_since_progress >= kChangesPerProgressUpdate) {
		state->changes_since_progress = 0;
		OutputPluginUpdateProgress(ctx, false);
	}
}

} // namespace walcast
