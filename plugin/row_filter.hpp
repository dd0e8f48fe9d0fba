// Row filters of publications (CREATE PUBLICATION ... FOR TABLE t WHERE (...)), applied to each change as
// pgoutput applies them: one filter per action, the filters of several publications OR-ed together, and an
// UPDATE whose old and new rows fall on different sides of the filter turned into an INSERT or a DELETE.
//
// The expressions are built once per relation entry and evaluated per row against a slot of the published row
// type. PostgreSQL admits only built-in immutable functions and operators into a row filter, so evaluating one
// runs no user code; it can still raise on the data (a division by zero). pgoutput then fails the change on
// every retry; here the error is caught, logged as a WARNING and the row counts as not matching - the filter
// may have been meant to hide it, so it is never emitted.
#pragma once

#include "pg.hpp"

extern "C" {
#include "nodes/execnodes.h"
}

namespace walcast {

// Index of an action's filter, as pgoutput numbers them.
enum FilterAction : int { kFilterInsert = 0, kFilterUpdate = 1, kFilterDelete = 2, kFilterActionCount = 3 };

// The row filter expressions each publication contributes, as stored in pg_publication_rel.prqual.
struct RowFilterSource {
	List *quals[kFilterActionCount];   // of char *: nodeToString text; NIL = no filter for the action
	const char *pubs[kFilterActionCount]; // the publications they come from, "a, b", for log lines
};

struct RowFilter {
	ExprState *expr[kFilterActionCount]; // nullptr: every row passes for that action
	bool broken[kFilterActionCount];     // the filter could not be prepared: no row passes
	const char *pubs[kFilterActionCount];
	const char *relname; // "schema.table" of the published relation, for log lines
	EState *estate;      // per entry; its per-tuple context is reset before each evaluation
	TupleTableSlot *slot; // virtual slot of the published row type
	uint64 failures;     // rows whose evaluation raised, for rate-limited WARNINGs
};

// Builds the filter in the current memory context, or returns nullptr when no action has one. `desc` is the
// row type the rows are evaluated in (the published relation's).
RowFilter *BuildRowFilter(const RowFilterSource &source, TupleDesc desc, const char *relname);

// Releases what BuildRowFilter made outside plain palloc memory.
void FreeRowFilter(RowFilter *filter);

// Decides whether a change passes `filter`, given its row images in the published row type (arrays of
// desc->natts). May turn an UPDATE into an INSERT (old row out, new row in) or a DELETE (old row in, new row
// out). Before an UPDATE is judged, unchanged TOASTed values of the new row that the old row carries (replica
// identity columns) are copied into `new_values`, as pgoutput does, so an UPDATE turned INSERT carries them.
bool ApplyRowFilter(RowFilter *filter, ReorderBufferChangeType *action, Datum *new_values, bool *new_nulls,
					bool has_new, const Datum *old_values, const bool *old_nulls, bool has_old);

} // namespace walcast
