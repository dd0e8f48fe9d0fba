#include "row_filter.hpp"

#include "boundary.hpp"

extern "C" {
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "nodes/nodeFuncs.h"
}

namespace walcast {

namespace {

// Arguments and result of one guarded call; plain data, as CallCatchingError requires.
struct PrepareCall {
	List *quals;
	ExprState *result;
};

struct EvalCall {
	ExprState *expr;
	ExprContext *econtext;
	bool matched;
};

// The stored expressions of several publications, OR-ed. Not constant-folded (pgoutput folds them with
// ExecPrepareExpr): folding would evaluate a constant part that raises here, once, for the whole entry, where
// evaluating per row keeps every row the rest of the filter decides.
void Prepare(void *arg)
{
	auto *call = static_cast<PrepareCall *>(arg);
	List *nodes = NIL;
	ListCell *lc;
	foreach (lc, call->quals)
		nodes = lappend(nodes, stringToNode(static_cast<char *>(lfirst(lc))));
	Expr *expr = list_length(nodes) == 1 ? static_cast<Expr *>(linitial(nodes)) : make_orclause(nodes);
	fix_opfuncids(reinterpret_cast<Node *>(expr));
	call->result = ExecInitExpr(expr, nullptr);
}

void Evaluate(void *arg)
{
	auto *call = static_cast<EvalCall *>(arg);
	bool isnull;
	Datum value = ExecEvalExprSwitchContext(call->expr, call->econtext, &isnull);
	call->matched = !isnull && DatumGetBool(value); // NULL counts as false, as in WHERE
}

// One WARNING for the first failure of an entry and then at 10, 100, 1000, ... failures, so a filter that
// fails on every row of a large table cannot flood the server log.
bool ShouldLog(uint64 failures)
{
	while (failures >= 10 && failures % 10 == 0)
		failures /= 10;
	return failures == 1;
}

bool Matches(RowFilter *filter, int action, const Datum *values, const bool *nulls)
{
	if (filter->broken[action])
		return false;
	TupleTableSlot *slot = filter->slot;
	int natts = slot->tts_tupleDescriptor->natts;
	ExecClearTuple(slot);
	memcpy(slot->tts_values, values, sizeof(Datum) * natts);
	memcpy(slot->tts_isnull, nulls, sizeof(bool) * natts);
	ExecStoreVirtualTuple(slot);

	ResetPerTupleExprContext(filter->estate);
	ExprContext *econtext = GetPerTupleExprContext(filter->estate);
	econtext->ecxt_scantuple = slot;
	EvalCall call{filter->expr[action], econtext, false};
	CaughtError error;
	if (CallCatchingError(Evaluate, &call, &error))
		return call.matched;

	filter->failures++;
	if (ShouldLog(filter->failures))
		ereport(WARNING,
				(errcode(error.sqlerrcode),
				 errmsg("walcast: row filter of publication %s on table %s failed: %s", filter->pubs[action],
						filter->relname, error.message),
				 errdetail("The row is treated as not matching the filter and is not emitted (%llu such rows "
						   "since the filter was loaded).",
						   static_cast<unsigned long long>(filter->failures))));
	return false;
}

} // namespace

RowFilter *BuildRowFilter(const RowFilterSource &source, TupleDesc desc, const char *relname)
{
	bool any = false;
	for (int i = 0; i < kFilterActionCount; i++)
		any |= source.quals[i] != NIL;
	if (!any)
		return nullptr;

	auto *filter = static_cast<RowFilter *>(palloc0(sizeof(RowFilter)));
	filter->relname = pstrdup(relname);
	filter->estate = CreateExecutorState();
	filter->slot = MakeSingleTupleTableSlot(CreateTupleDescCopy(desc), &TTSOpsVirtual);
	for (int i = 0; i < kFilterActionCount; i++) {
		if (source.quals[i] == NIL)
			continue;
		filter->pubs[i] = pstrdup(source.pubs[i]);
		MemoryContext caller = MemoryContextSwitchTo(filter->estate->es_query_cxt);
		PrepareCall call{source.quals[i], nullptr};
		CaughtError error;
		bool ok = CallCatchingError(Prepare, &call, &error);
		MemoryContextSwitchTo(caller);
		if (ok) {
			filter->expr[i] = call.result;
			continue;
		}
		filter->broken[i] = true;
		ereport(WARNING, (errcode(error.sqlerrcode),
						  errmsg("walcast: row filter of publication %s on table %s cannot be prepared: %s",
								 filter->pubs[i], relname, error.message),
						  errdetail("No row of the table passes that filter until it is changed.")));
	}
	return filter;
}

void FreeRowFilter(RowFilter *filter)
{
	if (!filter)
		return;
	ExecDropSingleTupleTableSlot(filter->slot);
	FreeExecutorState(filter->estate);
}

bool ApplyRowFilter(RowFilter *filter, ReorderBufferChangeType *action, Datum *new_values, bool *new_nulls,
					bool has_new, const Datum *old_values, const bool *old_nulls, bool has_old)
{
	int which;
	switch (*action) {
	case REORDER_BUFFER_CHANGE_INSERT: which = kFilterInsert; break;
	case REORDER_BUFFER_CHANGE_UPDATE: which = kFilterUpdate; break;
	case REORDER_BUFFER_CHANGE_DELETE: which = kFilterDelete; break;
	default: return false;
	}
	if (!filter->expr[which] && !filter->broken[which])
		return true;

	// One row image: an INSERT, a DELETE, or an UPDATE that did not log its old row (key unchanged). An UPDATE
	// judged on its new row alone is never transformed. A change with no row at all cannot be judged and is
	// not emitted.
	if (!has_new || !has_old) {
		if (has_new)
			return Matches(filter, which, new_values, new_nulls);
		if (has_old)
			return Matches(filter, which, old_values, old_nulls);
		return false;
	}

	// An unchanged TOASTed replica identity value is logged in the old row only; the new row holds a pointer
	// decoding cannot follow. Judge (and, turned INSERT, emit) the new row with the old row's value.
	TupleDesc desc = filter->slot->tts_tupleDescriptor;
	for (int i = 0; i < desc->natts; i++) {
		if (new_nulls[i] || old_nulls[i] || TupleDescAttr(desc, i)->attlen != -1)
			continue;
		if (VARATT_IS_EXTERNAL_ONDISK(DatumGetPointer(new_values[i])) &&
			!VARATT_IS_EXTERNAL_ONDISK(DatumGetPointer(old_values[i])))
			new_values[i] = old_values[i];
	}

	bool old_matched = Matches(filter, which, old_values, old_nulls);
	bool new_matched = Matches(filter, which, new_values, new_nulls);
	if (!old_matched && !new_matched)
		return false;
	if (!old_matched)
		*action = REORDER_BUFFER_CHANGE_INSERT; // the row enters the filtered set
	else if (!new_matched)
		*action = REORDER_BUFFER_CHANGE_DELETE; // the row leaves it: the old row (identity) is emitted
	return true;
}

} // namespace walcast
