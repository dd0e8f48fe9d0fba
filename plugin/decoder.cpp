// What each callback writes. Every object is written whole with one OutputPluginPrepareWrite/OutputPluginWrite
// pair, so a transaction of any size decodes in constant plugin memory.
#include "decoder.hpp"

#include "change_size.hpp"
#include "emit.hpp"
#include "encoding.hpp"
#include "json_out.hpp"
#include "messages.hpp"
#include "publications.hpp"
#include "relcache.hpp"
#include "row_filter.hpp"
#include "state.hpp"
#include "values.hpp"

namespace walcast {

namespace {

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

// The row in the layout of the relation the change is published as (publications.hpp).
pg_attribute_always_inline bool Deform(const RelInfo *info, Relation rel, ReorderBufferTupleBuf *buf, Tuple *out)
{
	return buf && DeformPublished(info, rel, &buf->tuple, &out->values, &out->nulls);
}

bool AppendMember(StringInfo out, const ChangeBudget &budget, bool *first, const ColumnInfo *col, Datum value,
				  bool isnull)
{
	const int skip = *first ? 1 : 0; // no comma before the first member
	*first = false;
	appendBinaryStringInfo(out, col->member_json + skip, col->member_json_len - skip);
	if (!isnull)
		return AppendValue(out, budget, col, value);
	appendBinaryStringInfo(out, "null", 4);
	return true;
}

// The new row. An unchanged TOAST value is taken from the old row when the replica identity logged it there,
// and otherwise left out and named in `unchanged` - never rendered as a wrong value or a fake null.
// False when the row does not fit the budget.
bool AppendRecord(StringInfo out, const ChangeBudget &budget, const RelInfo *info, const Tuple &row,
				  const Tuple *old, StringInfo unchanged)
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
		if (!AppendMember(out, budget, &first, col, value, isnull))
			return false;
	}
	appendStringInfoChar(out, '}');
	return true;
}

// The replica identity of the old row: the key (or index) columns, or every column with FULL. When an UPDATE
// did not change the key, PostgreSQL logs no old row and the key is read from the new row.
// False when it does not fit the budget.
bool AppendOldRecord(StringInfo out, const ChangeBudget &budget, const RelInfo *info, const Tuple *source)
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
		if (!AppendMember(out, budget, &first, col, value, isnull))
			return false;
	}
	appendStringInfoChar(out, '}');
	return true;
}

// "errors": the identity problem of an UPDATE/DELETE on a table that has none, and "Error 413" when the
// change was too large to write whole.
void AppendErrors(StringInfo out, const RelInfo *info, bool is_insert, bool too_large)
{
	const bool identity_error = !is_insert && info->identity_error;
	AppendLiteral(out, ",\"errors\":");
	if (!identity_error && !too_large) {
		AppendLiteral(out, "null");
		return;
	}
	appendStringInfoChar(out, '[');
	if (identity_error)
		AppendJsonString(out, info->identity_error);
	if (identity_error && too_large)
		appendStringInfoChar(out, ',');
	if (too_large)
		AppendLiteral(out, "\"Error 413: Payload Too Large\"");
	appendStringInfoChar(out, ']');
}

bool EmitChange(LogicalDecodingContext *ctx, PluginState *state, ReorderBufferTXN *txn, Relation rel,
				ReorderBufferChange *change)
{
	RelInfo *info = GetRelInfo(state, rel);
	ReorderBufferChangeType action = change->action;
	if (!ActionPublished(info, action))
		return false;

	Tuple row{}, old{};
	bool has_row = Deform(info, rel, change->data.tp.newtuple, &row);
	bool has_old = Deform(info, rel, change->data.tp.oldtuple, &old);
	if (action != REORDER_BUFFER_CHANGE_DELETE && !has_row)
		return false; // PostgreSQL always logs the new row of an INSERT or UPDATE; nothing sensible to emit
	// The row filter may drop the change, or turn an UPDATE into an INSERT (carrying the new row only) or a
	// DELETE (carrying the old row).
	if (info->filter &&
		!ApplyRowFilter(info->filter, &action, row.values, row.nulls, has_row, old.values, old.nulls, has_old))
		return false;
	ObjectType type;
	switch (action) {
	case REORDER_BUFFER_CHANGE_INSERT: type = Type("INSERT"); break;
	case REORDER_BUFFER_CHANGE_UPDATE: type = Type("UPDATE"); break;
	default: type = Type("DELETE"); break;
	}
	bool is_insert = action == REORDER_BUFFER_CHANGE_INSERT;
	bool is_delete = action == REORDER_BUFFER_CHANGE_DELETE;
	if (is_insert)
		has_old = false;

	StringInfoData unchanged;
	initStringInfo(&unchanged);

	EnsureBegin(ctx, state, txn);
	int start = BeginObject(ctx, true);
	StringInfo out = ctx->out;
	const ChangeBudget budget{out->len, state->opts.max_change_bytes};
	AppendHead(out, state, info, type, txn);
	bool fits = true;
	if (!is_delete) {
		AppendLiteral(out, ",\"record\":");
		fits = AppendRecord(out, budget, info, row, has_old ? &old : nullptr, &unchanged);
	}
	if (fits && !is_insert) {
		AppendLiteral(out, ",\"old_record\":");
		const Tuple *source = has_old ? &old : (!is_delete && !info->identity_error ? &row : nullptr);
		fits = AppendOldRecord(out, budget, info, source);
	}
	if (fits) {
		AppendErrors(out, info, is_insert, false);
		if (unchanged.len > 0) {
			AppendLiteral(out, ",\"unchanged_toast\":");
			appendBinaryStringInfo(out, unchanged.data, unchanged.len);
			appendStringInfoChar(out, ']');
		}
		AppendTail(out, state, info, txn, change->lsn);
	}
	// EndObject holds the whole object, converted to UTF-8 for the walsender, to max-change-bytes; when it does
	// not fit it writes nothing and leaves the buffer at `start`.
	if (fits && EndObject(ctx, state, start, true))
		return true;
	// Too large to write whole: the same object without its row images, never an ERROR. Its own size is that of
	// the relation's metadata, so it is written even if that alone passes a tiny limit.
	out->len = start;
	out->data[out->len] = '\0';
	AppendHead(out, state, info, type, txn);
	AppendErrors(out, info, is_insert, true);
	AppendTail(out, state, info, txn, change->lsn);
	EndObjectWithin(ctx, state, start, true, DecodingOptions::kMaxMaxChangeBytes);
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
	// A partition published as its ancestor (publish_via_partition_root) has its TRUNCATE left out, as pgoutput
	// leaves it out: truncating the ancestor is sent as the ancestor's, truncating the partition alone not at all.
	if (rel->rd_rel->relispartition && info->publish_as_relid != RelationGetRelid(rel))
		return false;
	EnsureBegin(ctx, state, txn);
	int start = BeginObject(ctx, true);
	StringInfo out = ctx->out;
	AppendHead(out, state, info, Type("TRUNCATE"), txn);
	AppendLiteral(out, ",\"errors\":null");
	AppendTail(out, state, info, txn, lsn);
	// A TRUNCATE object carries no row: its size is the relation's metadata, written whatever the limit.
	EndObjectWithin(ctx, state, start, true, DecodingOptions::kMaxMaxChangeBytes);
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
	SetUpOutputEncoding(ctx, state, is_init);
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
