// One column value as JSON, rendered the way to_jsonb() renders it - from the type's structure and output
// function alone, so no user-defined code runs (see value_renderer.hpp) - and held to the change's budget.
#pragma once

#include "change_size.hpp"
#include "pg.hpp"
#include "relcache.hpp"

namespace walcast {

// An UPDATE's new tuple carries a pointer into the TOAST table for a large value the statement did not change;
// decoding cannot read it. Such a value must never be detoasted or rendered.
inline bool IsUnchangedToast(const ColumnInfo *col, Datum value, bool isnull)
{
	return col->is_varlena && !isnull && VARATT_IS_EXTERNAL_ONDISK(DatumGetPointer(value));
}

// Sets up how values of a column of `type` are rendered, with everything that can be looked up ahead (output
// function, an array's element renderer) allocated in `mcxt`.
void ResolveColumnRenderer(Oid type, TypeRenderer *r, MemoryContext mcxt);

// Appends the JSON for a non-null value of `col`. Returns false when the value cannot be written within
// `budget`; the buffer may then hold part of it, and the caller writes the change's 413 form instead.
bool AppendValue(StringInfo out, const ChangeBudget &budget, const ColumnInfo *col, Datum value);

} // namespace walcast
