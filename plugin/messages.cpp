#include "messages.hpp"

#include "emit.hpp"
#include "encoding.hpp"
#include "json_out.hpp"
#include "pure/format.hpp"
#include "pure/json_check.hpp"
#include "pure/message_content.hpp"

extern "C" {
#include "mb/pg_wchar.h"
}

namespace walcast {

namespace {

static_assert(DecodingOptions::kMaxMaxMessageDepth <= json::kMaxCheckDepth,
			  "max-message-depth must stay within what the checker follows");

// pg_logical_emit_message is executable by every role, so its content is hostile input: it is never parsed
// with PostgreSQL's recursive JSON parser, and its size is known before anything is written.
message::Form ChooseForm(const PluginState *state, const char *message, Size size)
{
	if (!pg_verifymbstr(message, static_cast<int>(size), true))
		return message::Form::Hex;
	json::CheckLimits limits{state->opts.max_message_depth, state->db_encoding == PG_UTF8};
	if (json::CheckJson(message, size, limits) == json::Verdict::Accepted)
		return message::Form::Json;
	return message::Form::Text;
}

struct MessageHead {
	const char *prefix;
	size_t prefix_len;
	bool transactional;
};

void AppendHead(StringInfo out, const MessageHead &head)
{
	AppendLiteral(out, "{\"type\":\"MESSAGE\",\"prefix\":");
	AppendJsonString(out, head.prefix, head.prefix_len);
	AppendLiteral(out, head.transactional ? ",\"transactional\":true" : ",\"transactional\":false");
}

void AppendTail(StringInfo out, const PluginState *state, ReorderBufferTXN *txn, XLogRecPtr lsn)
{
	if (state->opts.include_lsn) {
		AppendLiteral(out, ",\"lsn\":");
		AppendLsn(out, lsn);
	}
	if (state->opts.include_xid && txn && TransactionIdIsValid(txn->xid)) {
		AppendLiteral(out, ",\"xid\":");
		AppendXid(out, txn->xid);
	}
	appendStringInfoChar(out, '}');
}

} // namespace

bool EmitMessage(LogicalDecodingContext *ctx, PluginState *state, ReorderBufferTXN *txn, XLogRecPtr lsn,
				 bool transactional, const char *prefix, Size size, const char *message)
{
	if (!state->opts.include_messages || !format::IsWalcastMessagePrefix(prefix))
		return false;
	const size_t limit = state->opts.max_change_bytes;
	MessageHead head{prefix, strlen(prefix), transactional};

	// The prefix is written in every form, so a prefix that alone escapes past the limit leaves nothing to send.
	if (message::QuotedLength(prefix, head.prefix_len) > limit) {
		ereport(WARNING, (errmsg("walcast skipped a logical message at %X/%X: its prefix is longer than "
								 "max-change-bytes (%zu)", static_cast<uint32>(lsn >> 32), static_cast<uint32>(lsn), limit)));
		return false;
	}

	// Both the prefix and the content are part of the object, so their sum over the limit means it is too large.
	// Checking the raw size first means a huge message is never even scanned.
	bool fits = size <= limit;
	message::Form form = message::Form::Text;
	if (fits) {
		form = ChooseForm(state, message, size);
		fits = head.prefix_len + message::Length(form, message, size) <= limit;
	}

	if (transactional)
		EnsureBegin(ctx, state, txn);
	if (fits) {
		int start = BeginObject(ctx, true);
		StringInfo out = ctx->out;
		AppendHead(out, head);
		AppendLiteral(out, ",\"content\":");
		StringInfoSink sink{out};
		message::AppendContent(sink, form, message, size);
		AppendTail(out, state, txn, lsn);
		// Still too large once the rest of the object is counted, or once converted to UTF-8.
		fits = EndObject(ctx, state, start, true);
	}
	if (!fits) {
		// Realtime's answer for an oversized payload: the object without its content.
		int start = BeginObject(ctx, true);
		StringInfo out = ctx->out;
		AppendHead(out, head);
		AppendLiteral(out, ",\"errors\":[\"Error 413: Payload Too Large\"]");
		AppendTail(out, state, txn, lsn);
		if (!EndObject(ctx, state, start, true))
			ereport(WARNING, (errmsg("walcast skipped a logical message at %X/%X: even without its content it is "
									 "larger than max-change-bytes (%zu)", static_cast<uint32>(lsn >> 32), static_cast<uint32>(lsn), limit)));
	}
	return true;
}

} // namespace walcast
