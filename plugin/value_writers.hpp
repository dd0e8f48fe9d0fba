// The value writers shared by values.cpp (scalars, dispatch), value_structure.cpp (arrays, composites,
// multiranges, nested output) and jsonb_text.cpp. Each returns false when what it would write does not fit the
// change's budget, having written at most a small piece beyond it.
#pragma once

#include "change_size.hpp"
#include "json_out.hpp"
#include "pg.hpp"
#include "value_renderer.hpp"

extern "C" {
#include "utils/typcache.h"
}

namespace walcast {

// Levels of array/composite nesting written as JSON structure. Each level is a few frames of this plugin's own
// recursion (a few hundred bytes of stack), so 32 levels stay far inside any stack PostgreSQL runs with -
// without calling check_stack_depth(), whose ERROR would stop the slot. Real schemas nest a handful of levels;
// a value nested deeper (it takes a chain of 32 types to build one) is written from that level on as its
// output function's text, as a JSON string, when that is safe (see WriteNestedOutput).
constexpr int kMaxNestingDepth = 32;

// What a type (with its domains looked through) is made of; the cache entry is lookup_type_cache(type, 0).
struct TypeShape {
	bool array;
	bool composite;
	bool range;
	bool multirange;
	bool Container() const { return array || composite || range || multirange; }
};
TypeShape ShapeOf(Oid type, const TypeCacheEntry *tc);

// The bound of the text a non-container type's output function writes (see LeafBound in values.cpp).
TextBound LeafBound(Oid type, int16 typlen);

// The most text an output function is asked to build. Half of PostgreSQL's 1 GB allocation limit: below it
// the function's own buffer (which may double past the text's length) always stays allocatable. Text this
// long is far beyond the largest max-change-bytes (256 MB) anyway: the bound only decides between "build it
// and measure it" and "too large", never what is written.
constexpr size_t kMaxOutputFunctionText = MaxAllocSize / 2;

// Fills `r` for values of `type`. Never recurses: an array's element type is left to be resolved per array.
void ResolveRenderer(Oid type, TypeRenderer *r, MemoryContext mcxt);

// A value of any kind at nesting `depth` (0 for a column).
bool WriteValue(StringInfo out, const ChangeBudget &b, const TypeRenderer *r, Datum value, int depth);

// `len` bytes as a JSON string, measured before anything is written: a worst-case bound first, an exact count
// of the escapes only when the bound does not fit (WriteEscapedMeasured).
bool WriteEscapedMeasured(StringInfo out, const ChangeBudget &b, const char *s, size_t len);
inline bool WriteEscaped(StringInfo out, const ChangeBudget &b, const char *s, size_t len)
{
	if (!b.Fits(out, len * json::kMaxEscapedLen + 2))
		return WriteEscapedMeasured(out, b, s, len);
	AppendJsonString(out, s, len);
	return true;
}

// Stored out of line or compressed: its size is known without reading it, but its bytes are not in memory.
inline bool IsToasted(const struct varlena *v)
{
	return VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v);
}

// The bytes a value takes stored (for a varlena, its size once detoasted), read without detoasting it.
size_t StoredSize(Datum value, int16 typlen);

// The output function's text for a value of a scalar kind (OutputString), or nullptr when the text's bound
// says PostgreSQL could not build it (over kMaxOutputFunctionText). Palloc'd.
char *BoundedOutput(const TypeRenderer *r, Datum value);

bool WriteArray(StringInfo out, const ChangeBudget &b, const TypeRenderer *r, Datum value, int depth);
bool WriteComposite(StringInfo out, const ChangeBudget &b, const TypeRenderer *r, Datum value, int depth);
bool WriteMultirange(StringInfo out, const ChangeBudget &b, const TypeRenderer *r, Datum value);
// A value of an array, composite or range-over-container type as its output function's text (a JSON string),
// when its remaining nesting and size show that text can be built safely; false (nullptr) otherwise.
char *NestedOutputText(const TypeRenderer *r, Datum value);
bool WriteNestedOutput(StringInfo out, const ChangeBudget &b, const TypeRenderer *r, Datum value);
bool WriteJsonb(StringInfo out, const ChangeBudget &b, Datum value);

} // namespace walcast
