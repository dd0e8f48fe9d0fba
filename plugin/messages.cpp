#include "messages.hpp"

#include "emit.hpp"
#include "json_out.hpp"
#include "pure/format.hpp"

extern "C" {
#include "common/jsonapi.h"
#include "mb/pg_wchar.h"
}

namespace walcast {

namespace {

// Message content as JSON when it is valid UTF-8 JSON, as a JSON string when it is other valid text, and as
// a bytea-style "\\x..." hex string when it is not valid text at all.
void AppendMessageContent(StringInfo out, const char *message, Size size)
{
	int len = static_cast<int>(size);
	if (!pg_verifymbstr(message, len, true)) {
		StringInfoData hex;
		initStringInfo(&hex);
		appendStringInfoString(&hex, "\\x");
		static const char kHex[] = "0123456789abcdef";
		for (Size i = 0; i < size; i++) {
			unsigned char c = static_cast<unsigned char>(message[i]);
			appendStringInfoChar(&hex, kHex[c >> 4]);
			appendStringInfoChar(&hex, kHex[c & 0xF]);
		}
		AppendJsonString(out, hex.data, hex.len);
		return;
	}
	JsonLexContext *lex = makeJsonLexContextCstringLen(const_cast<char *>(message), len, GetDatabaseEncoding(), false);
	if (pg_parse_json(lex, &nullSemAction) == JSON_SUCCESS)
		appendBinaryStringInfo(out, message, len);
	else
		AppendJsonString(out, message, size);
}

} // namespace

bool EmitMessage(LogicalDecodingContext *ctx, PluginState *state, ReorderBufferTXN *txn, XLogRecPtr lsn,
				 bool transactional, const char *prefix, Size size, const char *message)
{
	if (!state->opts.include_messages || !format::IsWalcastMessagePrefix(prefix))
		return false;
	if (transactional)
		EnsureBegin(ctx, state, txn);
	OutputPluginPrepareWrite(ctx, true);
	StringInfo out = ctx->out;
	AppendLiteral(out, "{\"type\":\"MESSAGE\",\"prefix\":");
	AppendJsonString(out, prefix);
	appendStringInfoString(out, transactional ? ",\"transactional\":true" : ",\"transactional\":false");
	AppendLiteral(out, ",\"content\":");
	AppendMessageContent(out, message, size);
	if (state->opts.include_lsn) {
		AppendLiteral(out, ",\"lsn\":");
		AppendLsn(out, lsn);
	}
	if (state->opts.include_xid && txn && TransactionIdIsValid(txn->xid)) {
		AppendLiteral(out, ",\"xid\":");
		AppendXid(out, txn->xid);
	}
	appendStringInfoChar(out, '}');
	OutputPluginWrite(ctx, true);
	return true;
}


} // namespace walcast
