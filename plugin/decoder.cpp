// What each callback writes. Every object is written whole with one OutputPluginPrepareWrite/OutputPluginWrite
// pair, so a transaction of any size decodes in constant plugin memory.
#include "decoder.hpp"

#include "json_out.hpp"
#include "publications.hpp"
#include "pure/format.hpp"
#include "relcache.hpp"
#include "state.hpp"
#include "values.hpp"

extern "C" {
#include "common/jsonapi.h"
#include "mb/pg_wchar.h"
}

namespace walcast {

namespace {

// PG15 leaves it to the plugin to keep the walsender alive through long runs of filtered-out changes.
constexpr int kChangesPerProgressUpdate = 100;

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

PluginState *StateOf(LogicalDecodingContext *ctx)
{
	return static_cast<PluginState *>(ctx->output_plugin_private);
}

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
	OutputPluginPrepareWrite(ctx, last);
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
	OutputPluginWrite(ctx, last);
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

void AppendHead(StringInfo out, PluginState *state, const RelInfo *info, ObjectType type, ReorderBufferTXN *txn)
{
	AppendLiteral(out, "{\"schema\":");
	appendBinaryStringInfo(out, info->schema_json, info->schema_json_len);
	AppendLiteral(out, ",\"table\":");
	appendBinaryStringInfo(out, info->table_json, info->table_json_len);
	AppendLiteral(out, ",\"type\":\"");
	appendBinaryStringInfo(out, type.name, type.len);
	AppendLiteral(out, "\",\"commit_timestamp\":");
	AppendTimestamp(out, state, txn->xact_time.commit_time);
	if (state->opts.include_columns) {
		AppendLiteral(out, ",\"columns\":");
		appendBinaryStringInfo(out, info->columns_json, info->columns_json_len);
	}
}

void AppendTail(StringInfo out, const PluginState *state, const RelInfo *info, ReorderBufferTXN *txn,
				XLogRecPtr lsn)
{
	if (state->opts.include_pk) {
		AppendLiteral(out, ",\"pk\":");
		appendBinaryStringInfo(out, info->pk_json, info->pk_json_len);
	}
	if (state->opts.include_lsn) {
		AppendLiteral(out, ",\"lsn\":");
		AppendLsn(out, lsn);
	}
	if (state->opts.include_xid) {
		AppendLiteral(out, ",\"xid\":");
		AppendXid(out, txn->xid);
	}
	appendStringInfoChar(out, '}');
}

struct Tuple {
	Datum *values;
	bool *nulls;
};

bool Deform(HeapTuple tuple, TupleDesc desc, Tuple *out)
{
	if (!tuple)
		return false;
	out->values = static_cast<Datum *>(palloc(sizeof(Datum) * desc->natts));
	out->nulls = static_cast<bool *>(palloc(sizeof(bool) * desc->natts));
	heap_deform_tuple(tuple, desc, out->values, out->nulls);
	return true;
}

void AppendMember(StringInfo out, bool *first, const ColumnInfo *col, Datum value, bool isnull)
{
	if (!*first)
		appendStringInfoChar(out, ',');
	*first = false;
	appendBinaryStringInfo(out, col->name_json, col->name_json_len);
	appendStringInfoChar(out, ':');
	if (isnull)
		appendBinaryStringInfo(out, "null", 4);
	else
		AppendValue(out, col, value);
}

// The new row. An unchanged TOAST value is taken from the old row when the replica identity logged it there,
// and otherwise left out and named in `unchanged` - never rendered as a wrong value or a fake null.
void AppendRecord(StringInfo out, const RelInfo *info, const Tuple &row, const Tuple *old, StringInfo unchanged)
{
	appendStringInfoChar(out, '{');
	bool first = true;
	for (int i = 0; i < info->ncols; i++) {
		const ColumnInfo *col = &info->cols[i];
		Datum value = row.values[col->attidx];
		bool isnull = row.nulls[col->attidx];
		if (IsUnchangedToast(col, value, isnull)) {
			bool old_has_it = old && col->in_identity && !old->nulls[col->attidx] &&
							  !IsUnchangedToast(col, old->values[col->attidx], false);
			if (!old_has_it) {
				appendStringInfoChar(unchanged, unchanged->len == 0 ? '[' : ',');
				appendBinaryStringInfo(unchanged, col->name_json, col->name_json_len);
				continue;
			}
			value = old->values[col->attidx];
		}
		AppendMember(out, &first, col, value, isnull);
	}
	appendStringInfoChar(out, '}');
}

// The replica identity of the old row: the key (or index) columns, or every column with FULL. When an UPDATE
// did not change the key, PostgreSQL logs no old row and the key is read from the new row.
void AppendOldRecord(StringInfo out, const RelInfo *info, const Tuple *source)
{
	appendStringInfoChar(out, '{');
	bool first = true;
	for (int i = 0; source && i < info->ncols; i++) {
		const ColumnInfo *col = &info->cols[i];
		if (!col->in_identity)
			continue;
		Datum value = source->values[col->attidx];
		bool isnull = source->nulls[col->attidx];
		if (IsUnchangedToast(col, value, isnull))
			continue;
		AppendMember(out, &first, col, value, isnull);
	}
	appendStringInfoChar(out, '}');
}

bool EmitChange(LogicalDecodingContext *ctx, PluginState *state, ReorderBufferTXN *txn, Relation rel,
				ReorderBufferChange *change)
{
	RelInfo *info = GetRelInfo(state, rel);
	ObjectType type;
	bool published;
	switch (change->action) {
	case REORDER_BUFFER_CHANGE_INSERT:
		type = Type("INSERT");
		published = info->pub_insert;
		break;
	case REORDER_BUFFER_CHANGE_UPDATE:
		type = Type("UPDATE");
		published = info->pub_update;
		break;
	case REORDER_BUFFER_CHANGE_DELETE:
		type = Type("DELETE");
		published = info->pub_delete;
		break;
	default:
		return false;
	}
	if (!published)
		return false;

	TupleDesc desc = RelationGetDescr(rel);
	ReorderBufferTupleBuf *newbuf = change->data.tp.newtuple;
	ReorderBufferTupleBuf *oldbuf = change->data.tp.oldtuple;
	Tuple row, old;
	bool has_row = Deform(newbuf ? &newbuf->tuple : nullptr, desc, &row);
	bool has_old = Deform(oldbuf ? &oldbuf->tuple : nullptr, desc, &old);
	bool is_insert = change->action == REORDER_BUFFER_CHANGE_INSERT;
	bool is_delete = change->action == REORDER_BUFFER_CHANGE_DELETE;
	if (!is_delete && !has_row)
		return false; // PostgreSQL always logs the new row of an INSERT or UPDATE; nothing sensible to emit

	StringInfoData unchanged;
	initStringInfo(&unchanged);

	EnsureBegin(ctx, state, txn);
	OutputPluginPrepareWrite(ctx, true);
	StringInfo out = ctx->out;
	AppendHead(out, state, info, type, txn);
	if (!is_delete) {
		AppendLiteral(out, ",\"record\":");
		AppendRecord(out, info, row, has_old ? &old : nullptr, &unchanged);
	}
	if (!is_insert) {
		AppendLiteral(out, ",\"old_record\":");
		const Tuple *source = has_old ? &old : (!is_delete && !info->identity_error ? &row : nullptr);
		AppendOldRecord(out, info, source);
	}
	AppendLiteral(out, ",\"errors\":");
	if (!is_insert && info->identity_error) {
		appendStringInfoChar(out, '[');
		AppendJsonString(out, info->identity_error);
		appendStringInfoChar(out, ']');
	} else {
		AppendLiteral(out, "null");
	}
	if (unchanged.len > 0) {
		AppendLiteral(out, ",\"unchanged_toast\":");
		appendBinaryStringInfo(out, unchanged.data, unchanged.len);
		appendStringInfoChar(out, ']');
	}
	AppendTail(out, state, info, txn, change->lsn);
	OutputPluginWrite(ctx, true);
	return true;
}

bool EmitTruncate(LogicalDecodingContext *ctx, PluginState *state, ReorderBufferTXN *txn, Relation rel,
				  XLogRecPtr lsn)
{
	if (!state->opts.include_truncate)
		return false;
	RelInfo *info = GetRelInfo(state, rel);
	if (!info->pub_truncate)
		return false;
	EnsureBegin(ctx, state, txn);
	OutputPluginPrepareWrite(ctx, true);
	StringInfo out = ctx->out;
	AppendHead(out, state, info, Type("TRUNCATE"), txn);
	AppendLiteral(out, ",\"errors\":null");
	AppendTail(out, state, info, txn, lsn);
	OutputPluginWrite(ctx, true);
	return true;
}

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

} // namespace

void Startup_Cpp(LogicalDecodingContext *ctx, OutputPluginOptions *opt, bool is_init)
{
	auto *state = static_cast<PluginState *>(MemoryContextAllocZero(ctx->context, sizeof(PluginState)));
	state->opts = DecodingOptions{};
	state->change_ctx = AllocSetContextCreate(ctx->context, "walcast change", ALLOCSET_DEFAULT_SIZES);
	state->cache_ctx = AllocSetContextCreate(ctx->context, "walcast cache", ALLOCSET_DEFAULT_SIZES);
	state->pubs_ctx = AllocSetContextCreate(state->cache_ctx, "walcast publications", ALLOCSET_SMALL_SIZES);
	ctx->output_plugin_private = state;

	opt->output_type = OUTPUT_PLUGIN_TEXTUAL_OUTPUT;
	opt->receive_rewrites = false;

	ListCell *lc;
	foreach (lc, ctx->output_plugin_options) {
		DefElem *elem = static_cast<DefElem *>(lfirst(lc));
		const char *value = elem->arg ? strVal(elem->arg) : nullptr;
		char error[kErrorBufSize];
		if (!ApplyOption(state->opts, elem->defname, value, error))
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s", error)));
	}
	if (!is_init)
		SetUpPublicationFilter(state);
	InitRelationCache(state);
}

void Shutdown_Cpp(LogicalDecodingContext *ctx)
{
	// All memory belongs to ctx->context; deleting the cache context also detaches the invalidation callbacks.
	PluginState *state = StateOf(ctx);
	if (!state)
		return;
	MemoryContextDelete(state->cache_ctx);
	state->relations = nullptr;
}

void Begin_Cpp(LogicalDecodingContext *ctx, ReorderBufferTXN *)
{
	PluginState *state = StateOf(ctx);
	state->begin_sent = false;
	state->timestamp_valid = false;
}

void Commit_Cpp(LogicalDecodingContext *ctx, ReorderBufferTXN *txn, XLogRecPtr)
{
	PluginState *state = StateOf(ctx);
	bool skipped = !state->begin_sent;
	if (state->opts.include_transaction && state->begin_sent)
		WriteTransactionMarker(ctx, txn, Type("COMMIT"), true);
	state->begin_sent = false;
	state->changes_since_progress = 0;
	OutputPluginUpdateProgress(ctx, skipped);
}

void Change_Cpp(LogicalDecodingContext *ctx, ReorderBufferTXN *txn, Relation relation, ReorderBufferChange *change)
{
	PluginState *state = StateOf(ctx);
	MemoryContext caller = MemoryContextSwitchTo(state->change_ctx);
	if (!EmitChange(ctx, state, txn, relation, change))
		NoteSkippedChange(ctx, state);
	MemoryContextSwitchTo(caller);
	MemoryContextReset(state->change_ctx);
}

void Truncate_Cpp(LogicalDecodingContext *ctx, ReorderBufferTXN *txn, int nrelations, Relation relations[],
				  ReorderBufferChange *change)
{
	PluginState *state = StateOf(ctx);
	MemoryContext caller = MemoryContextSwitchTo(state->change_ctx);
	for (int i = 0; i < nrelations; i++)
		if (!EmitTruncate(ctx, state, txn, relations[i], change->lsn))
			NoteSkippedChange(ctx, state);
	MemoryContextSwitchTo(caller);
	MemoryContextReset(state->change_ctx);
}

void Message_Cpp(LogicalDecodingContext *ctx, ReorderBufferTXN *txn, XLogRecPtr lsn, bool transactional,
				 const char *prefix, Size size, const char *message)
{
	PluginState *state = StateOf(ctx);
	MemoryContext caller = MemoryContextSwitchTo(state->change_ctx);
	if (!EmitMessage(ctx, state, txn, lsn, transactional, prefix, size, message) && transactional)
		NoteSkippedChange(ctx, state);
	MemoryContextSwitchTo(caller);
	MemoryContextReset(state->change_ctx);
}

} // namespace walcast
