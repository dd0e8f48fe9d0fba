// One column value as JSON, rendered the way to_jsonb() renders it.
#pragma once

#include "pg.hpp"
#include "relcache.hpp"

namespace walcast {

// An UPDATE's new tuple carries a pointer into the TOAST table for a large value the statement did not change;
// decoding cannot read it. Such a value must never be detoasted or rendered.
inline bool IsUnchangedToast(const ColumnInfo *col, Datum value, bool isnull)
{
	return col->is_varlena && !isnull && VARATT_IS_EXTERNAL_ONDISK(DatumGetPointer(value));
}

// Appends the JSON for a non-null value of `col`.
void AppendValue(StringInfo out, const ColumnInfo *col, Datum value);

} // namespace walcast
