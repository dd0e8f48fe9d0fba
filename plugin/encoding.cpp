#include "encoding.hpp"

extern "C" {
#include "catalog/pg_conversion.h"
#include "commands/dbcommands.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "replication/walsender.h"
}

namespace walcast {

namespace {

// Source bytes handed to the conversion function per call. Its output buffer must hold MAX_CONVERSION_GROWTH
// times as much, so converting in chunks keeps that buffer at 256 KB however large the object is.
constexpr int kConvertChunk = 64 * 1024;

// U+FFFD, written for a character that has no equivalent in Unicode (byte 0x81 in WIN1252, some EUC_JP codes
// from user-defined areas): the conversion function would raise an ERROR on it, on every retry of the change.
constexpr char kReplacement[] = "\xEF\xBF\xBD";

// The length of the leading run of ASCII bytes, eight at a time. ASCII is the same in every server encoding,
// so most objects (and every BEGIN/COMMIT) need no conversion at all.
size_t AsciiPrefix(const char *s, size_t len)
{
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64 word;
		memcpy(&word, s + i, 8);
		if (word & UINT64CONST(0x8080808080808080))
			break;
	}
	while (i < len && !(static_cast<unsigned char>(s[i]) & 0x80))
		i++;
	return i;
}

// SQL_ASCII has no defined meaning for bytes >= 0x80, so no conversion can exist: each such byte is written as
// the JSON escape \u00XX, i.e. the character U+00XX. This is lossless: a reader gets the original bytes back by
// encoding the string as Latin-1. It is valid JSON because such bytes occur only inside JSON strings (every
// writer escapes text, and json/jsonb values and accepted message content keep them inside strings).
// Expanded in place from the end, so no second buffer is needed.
bool EscapeHighBytes(StringInfo out, int start, size_t limit)
{
	const size_t total = static_cast<size_t>(out->len - start);
	const size_t ascii = AsciiPrefix(out->data + start, total);
	size_t high = 0;
	for (size_t i = ascii; i < total; i++)
		high += static_cast<unsigned char>(out->data[start + i]) >> 7;
	if (total + 5 * high > limit)
		return false;
	if (high == 0)
		return true;
	enlargeStringInfo(out, static_cast<int>(5 * high));
	static const char kHex[] = "0123456789abcdef";
	const char *const stop = out->data + start + ascii;
	const char *r = out->data + out->len;
	char *w = out->data + out->len + 5 * high;
	while (r > stop) {
		const unsigned char c = static_cast<unsigned char>(*--r);
		if (c < 0x80) {
			*--w = static_cast<char>(c);
			continue;
		}
		w -= 6;
		w[0] = '\\';
		w[1] = 'u';
		w[2] = '0';
		w[3] = '0';
		w[4] = kHex[c >> 4];
		w[5] = kHex[c & 0xF];
	}
	out->len += static_cast<int>(5 * high);
	out->data[out->len] = '\0';
	return true;
}

// Converts the object to UTF-8 with the database encoding's default conversion, chunk by chunk into a side
// buffer that is given up as soon as it passes `limit`, so a huge object costs at most about `limit` bytes.
bool ConvertToUtf8(StringInfo out, int start, const PluginState *state, size_t limit)
{
	const size_t total = static_cast<size_t>(out->len - start);
	const size_t ascii = AsciiPrefix(out->data + start, total);
	if (ascii == total)
		return total <= limit;
	if (ascii > limit)
		return false;

	const unsigned char *const src = reinterpret_cast<unsigned char *>(out->data + start + ascii);
	const size_t len = total - ascii;
	StringInfoData utf8;
	initStringInfo(&utf8);
	char *chunk_out = static_cast<char *>(palloc(kConvertChunk * MAX_CONVERSION_GROWTH + 1));
	bool fits = true;
	size_t pos = 0;
	while (pos < len && fits) {
		const size_t chunk_end = pos + Min(len - pos, static_cast<size_t>(kConvertChunk));
		chunk_out[0] = '\0';
		// noError = true: the function stops before a character it cannot convert and says how far it got,
		// instead of raising an ERROR.
		const int done = DatumGetInt32(FunctionCall6(
			state->to_utf8, Int32GetDatum(state->db_encoding), Int32GetDatum(PG_UTF8),
			CStringGetDatum(reinterpret_cast<const char *>(src + pos)), CStringGetDatum(chunk_out),
			Int32GetDatum(static_cast<int>(chunk_end - pos)), BoolGetDatum(true)));
		appendBinaryStringInfo(&utf8, chunk_out, static_cast<int>(strlen(chunk_out)));
		pos += static_cast<size_t>(done);
		if (pos < chunk_end) {
			const unsigned char *c = src + pos;
			const size_t clen = static_cast<size_t>(pg_encoding_mblen(state->db_encoding, reinterpret_cast<const char *>(c)));
			if (pos + clen > chunk_end && chunk_end < len)
				continue; // a character cut by the chunk's end: the next chunk starts with it
			// A character the function refused: replace it, never swallowing an ASCII byte (it would be JSON).
			size_t skip = 1;
			while (skip < clen && pos + skip < len && c[skip] >= 0x80)
				skip++;
			if (c[0] < 0x80)
				appendStringInfoChar(&utf8, static_cast<char>(c[0])); // cannot happen (ASCII always converts)
			else
				appendBinaryStringInfo(&utf8, kReplacement, 3);
			pos += skip;
		}
		fits = ascii + static_cast<size_t>(utf8.len) <= limit;
	}
	pfree(chunk_out);
	if (fits) {
		out->len = start + static_cast<int>(ascii);
		appendBinaryStringInfo(out, utf8.data, utf8.len);
	}
	pfree(utf8.data);
	return fits;
}

} // namespace

void SetUpOutputEncoding(LogicalDecodingContext *ctx, PluginState *state, bool is_init)
{
	state->db_encoding = GetDatabaseEncoding();
	state->conversion = OutputConversion::None;
	state->to_utf8 = nullptr;
	// Only the replication protocol needs UTF-8 (see encoding.hpp); creating a slot writes nothing.
	if (!am_walsender || is_init || state->db_encoding == PG_UTF8)
		return;
	if (state->db_encoding == PG_SQL_ASCII) {
		state->conversion = OutputConversion::EscapeHighBytes;
		return;
	}

	// The conversion is looked up in pg_catalog only, never along the search path: a role that can create a
	// schema could otherwise plant its own default conversion where "$user" or public resolves. Looked up once
	// here, so each object costs one function call per 64 KB of non-ASCII text and no catalog access.
	MemoryContext caller_ctx = CurrentMemoryContext;
	bool own_xact = !IsTransactionState();
	if (own_xact)
		StartTransactionCommand();
	Oid proc = FindDefaultConversion(PG_CATALOG_NAMESPACE, state->db_encoding, PG_UTF8);
	char *dbname = nullptr;
	if (OidIsValid(proc)) {
		state->to_utf8 = static_cast<FmgrInfo *>(MemoryContextAllocZero(ctx->context, sizeof(FmgrInfo)));
		fmgr_info_cxt(proc, state->to_utf8, ctx->context);
	} else {
		dbname = MemoryContextStrdup(caller_ctx, get_database_name(MyDatabaseId));
	}
	if (own_xact)
		CommitTransactionCommand();
	MemoryContextSwitchTo(caller_ctx);

	if (!OidIsValid(proc))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("walcast cannot stream database \"%s\": its encoding %s has no conversion to UTF8",
						dbname ? dbname : "?", pg_encoding_to_char(state->db_encoding)),
				 errdetail("Over the replication protocol walcast writes UTF-8 JSON, converted from the database "
						   "encoding."),
				 errhint("Read this database through pg_logical_slot_get_changes(), whose text stays in the "
						 "database encoding, or move the data to a database created with ENCODING 'UTF8'.")));
	state->conversion = OutputConversion::Convert;
}

int BeginObject(LogicalDecodingContext *ctx, bool last)
{
	OutputPluginPrepareWrite(ctx, last);
	return ctx->out->len;
}

bool EndObject(LogicalDecodingContext *ctx, PluginState *state, int start, bool last)
{
	return EndObjectWithin(ctx, state, start, last, state->opts.max_change_bytes);
}

bool EndObjectWithin(LogicalDecodingContext *ctx, PluginState *state, int start, bool last, size_t limit)
{
	StringInfo out = ctx->out;
	bool fits;
	// output_writer_private is set only by the SQL functions' writer (a tuplestore of text rows). An SQL query
	// sent over a replication connection runs in a walsender too, and its text must stay unconverted.
	if (state->conversion == OutputConversion::None || ctx->output_writer_private != nullptr)
		fits = static_cast<size_t>(out->len - start) <= limit;
	else if (state->conversion == OutputConversion::EscapeHighBytes)
		fits = EscapeHighBytes(out, start, limit);
	else
		fits = ConvertToUtf8(out, start, state, limit);
	if (!fits) {
		out->len = start;
		out->data[start] = '\0';
		return false;
	}
	OutputPluginWrite(ctx, last);
	return true;
}

} // namespace walcast
