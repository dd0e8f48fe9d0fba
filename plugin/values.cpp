// Scalars, and the choice of how each type is written. Containers are in value_structure.cpp, jsonb in
// jsonb_text.cpp.
//
// Sizes: every piece that can be large is measured against the change's budget before it is written (see
// change_size.hpp). Text is measured from its stored size first (no detoasting when even its unescaped bytes
// cannot fit), then by a worst-case bound, and only when that does not fit by an exact count of its escapes.
// An output function builds its text in its own buffer, which must stay below PostgreSQL's 1 GB allocation
// limit, so it is only called when a bound of that text, computed from the value's stored size, is below
// kMaxOutputFunctionText; a value whose bound is not counts as too large.
#include "values.hpp"

#include "json_out.hpp"
#include "pure/format.hpp"
#include "pure/json_size.hpp"
#include "value_writers.hpp"

extern "C" {
#include "access/detoast.h"
#include "common/jsonapi.h"
#include "tsearch/ts_type.h"
#include "utils/typcache.h"
#include "utils/uuid.h"
}

namespace walcast {

namespace {

// numeric_out writes up to 131072 digits before the point and 16383 after it, whatever the value's size: 1e131071
// is stored in 5 bytes. So a type whose values can hold numerics (numeric, jsonb, jsonpath) has no useful
// per-byte bound of its own; this one covers a numeric in the fewest bytes it can take.
constexpr uint32 kNumericTextPerByte = 30000;

void AppendInteger(StringInfo out, int64 v)
{
	char buf[MAXINT8LEN + 1];
	int len = pg_lltoa(v, buf);
	appendBinaryStringInfo(out, buf, len);
}

// to_jsonb writes a float or numeric as a JSON number when its text is one, and as a string otherwise
// (NaN, Infinity, -Infinity). A number goes through numeric on the way, which spells floats in exponent form
// (1e+100) and -0 out in plain digits; do the same for those, so the text is identical, not just equal.
// A numeric's text is at most about 147 KB, a float's a few hundred bytes: measured once made.
bool WriteNumberText(StringInfo out, const ChangeBudget &b, const char *text, bool is_float)
{
	int len = static_cast<int>(strlen(text));
	if (!IsValidJsonNumber(text, len))
		return WriteEscaped(out, b, text, len);
	if (is_float && (strpbrk(text, "eE") != nullptr || strcmp(text, "-0") == 0)) {
		Datum num = DirectFunctionCall3(numeric_in, CStringGetDatum(text), ObjectIdGetDatum(InvalidOid),
										Int32GetDatum(-1));
		text = DatumGetCString(DirectFunctionCall1(numeric_out, num));
		len = static_cast<int>(strlen(text));
	}
	if (!b.Fits(out, len))
		return false;
	appendBinaryStringInfo(out, text, len);
	return true;
}

bool WriteTextDatum(StringInfo out, const ChangeBudget &b, Datum value)
{
	struct varlena *v = reinterpret_cast<struct varlena *>(DatumGetPointer(value));
	// A TOASTed value whose bytes alone cannot fit is not even detoasted.
	if (IsToasted(v) && !b.Fits(out, StoredSize(value, -1) + 2))
		return false;
	v = pg_detoast_datum_packed(v);
	bool ok = WriteEscaped(out, b, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
	if (reinterpret_cast<Pointer>(v) != DatumGetPointer(value))
		pfree(v); // a detoasted copy of a possibly huge value: free it now, not at the end of the change
	return ok;
}

// A json value is embedded as it was written, except that line breaks and tabs become spaces: json_in
// accepts them only as whitespace between tokens, never raw inside strings, so this changes no value and
// keeps every emitted object on one line for line-oriented readers such as pg_recvlogical. Its length is
// exactly its stored length.
bool WriteJsonText(StringInfo out, const ChangeBudget &b, Datum value)
{
	if (!b.Fits(out, StoredSize(value, -1)))
		return false;
	struct varlena *v = pg_detoast_datum_packed(reinterpret_cast<struct varlena *>(DatumGetPointer(value)));
	const char *p = VARDATA_ANY(v);
	int len = static_cast<int>(VARSIZE_ANY_EXHDR(v));
	int start = out->len;
	appendBinaryStringInfo(out, p, len);
	for (int i = start; i < out->len; i++)
		if (out->data[i] == '\n' || out->data[i] == '\r' || out->data[i] == '\t')
			out->data[i] = ' ';
	if (reinterpret_cast<Pointer>(v) != DatumGetPointer(value))
		pfree(v);
	return true;
}

// tsqueryout prints the query's operator tree recursively, calling check_stack_depth() at each level, and a role
// can build a tree far deeper than the stack allows (`q && 'x'` in a loop; such a query fits in a tsquery[] or a
// composite, which are TOASTed): 17,000 levels raise "stack depth limit exceeded" (at the default 2 MB), on every
// retry. So a query with more operators than this is printed only once its depth is counted and found below it.
// 'a & b & c ...' nests one level per term, so this allows thousands of terms while using about a quarter of
// the default stack.
constexpr int32 kMaxTsqueryDepth = 4000;

bool TsqueryIsShallow(Datum value)
{
	TSQuery query = reinterpret_cast<TSQuery>(PG_DETOAST_DATUM(value));
	const int32 n = query->size;
	if (n <= kMaxTsqueryDepth)
		return true;
	// Operands follow their operator (the right one at i + 1, the left one at i + left), so each item's depth is
	// known once every later item's is: one pass from the end, no recursion.
	const QueryItem *items = GETQUERY(query);
	int32 *depth = static_cast<int32 *>(palloc(sizeof(int32) * n));
	bool shallow = true;
	for (int32 i = n - 1; i >= 0 && shallow; i--) {
		if (items[i].type != QI_OPR) {
			depth[i] = 1;
			continue;
		}
		const int64 right = i + 1;
		const int64 left = items[i].qoperator.oper == OP_NOT ? right : i + int64{items[i].qoperator.left};
		if (right >= n || left <= i || left >= n) {
			shallow = false; // not a well-formed tree: do not hand it to tsqueryout
			break;
		}
		depth[i] = Max(depth[right], depth[left]) + 1;
		shallow = depth[i] <= kMaxTsqueryDepth;
	}
	pfree(depth);
	return shallow;
}

bool WriteOutputString(StringInfo out, const ChangeBudget &b, const TypeRenderer *r, Datum value)
{
	if (r->type == TSQUERYOID && !TsqueryIsShallow(value))
		return false;
	// bytea's text has at least one character per byte: a value that cannot fit is not even detoasted.
	if (r->type == BYTEAOID && !b.Fits(out, StoredSize(value, -1) + 2))
		return false;
	char *text = BoundedOutput(r, value);
	if (!text)
		return false;
	bool ok = WriteEscaped(out, b, text, strlen(text));
	pfree(text);
	return ok;
}

ValueKind ScalarKind(Oid type)
{
	switch (type) {
	case BOOLOID: return ValueKind::Bool;
	case INT2OID: return ValueKind::Int2;
	case INT4OID: return ValueKind::Int4;
	case INT8OID: return ValueKind::Int8;
	case FLOAT4OID:
	case FLOAT8OID:
	case NUMERICOID: return ValueKind::FloatOrNumeric;
	case TEXTOID:
	case VARCHAROID:
	case BPCHAROID: return ValueKind::Text;
	case DATEOID:
	case TIMESTAMPOID:
	case TIMESTAMPTZOID: return ValueKind::DateTime;
	case UUIDOID: return ValueKind::Uuid;
	case JSONOID: return ValueKind::Json;
	case JSONBOID: return ValueKind::Jsonb;
	default: return ValueKind::OutputString;
	}
}

} // namespace

// How long an output function's text can be, per stored byte, for a type that is not a container. Built-in
// types are listed by what their output functions do; fixed-length ones write at most 64 characters per byte
// (aclitem, the widest, about 22). Other varlena types, including base types an extension (that is, a
// superuser) created, are assumed to stay within 8 per byte.
TextBound LeafBound(Oid type, int16 typlen)
{
	if (typlen > 0)
		return TextBound{64, 64};
	switch (type) {
	case TEXTOID:
	case VARCHAROID:
	case BPCHAROID:
	case JSONOID:
		return TextBound{1, 1024};
	case XMLOID:
		return TextBound{2, 1024};
	case BYTEAOID: // hex: 2 per byte; escape: at most 4 (\ooo)
	case TSVECTOROID:
	case TSQUERYOID:
	case PATHOID: // a 16-byte point is at most 51 characters
	case POLYGONOID:
		return TextBound{4, 1024};
	case BITOID:
	case VARBITOID:
		return TextBound{8, 1024};
	case NUMERICOID:
	case JSONBOID:
	case JSONPATHOID:
		return TextBound{kNumericTextPerByte, 1024};
	default:
		return TextBound{8, 1024};
	}
}

size_t StoredSize(Datum value, int16 typlen)
{
	if (typlen > 0)
		return static_cast<size_t>(typlen);
	if (typlen == -2)
		return strlen(DatumGetCString(value));
	struct varlena *v = reinterpret_cast<struct varlena *>(DatumGetPointer(value));
	if (IsToasted(v))
		return toast_raw_datum_size(value) - VARHDRSZ; // the size it detoasts to
	return VARSIZE_ANY_EXHDR(v);
}

bool WriteEscapedMeasured(StringInfo out, const ChangeBudget &b, const char *s, size_t len)
{
	if (!b.Fits(out, len + 2) || !b.Fits(out, json::QuotedLength(s, len)))
		return false;
	AppendJsonString(out, s, len);
	return true;
}

char *BoundedOutput(const TypeRenderer *r, Datum value)
{
	size_t bound = StoredSize(value, r->typlen) * r->bound.per_byte + r->bound.base;
	if (bound > kMaxOutputFunctionText)
		return nullptr;
	return OutputFunctionCall(const_cast<FmgrInfo *>(&r->output), value);
}

// `type` must have its domains looked through. get_element_type's test (a true array, not a fixed-length type
// such as point that merely has an element type), from the type cache instead of a catalog lookup.
TypeShape ShapeOf(Oid type, const TypeCacheEntry *tc)
{
	TypeShape s{};
	s.array = (OidIsValid(tc->typelem) && tc->typsubscript == F_ARRAY_SUBSCRIPT_HANDLER) || type == ANYARRAYOID ||
			  type == ANYCOMPATIBLEARRAYOID || type == RECORDARRAYOID;
	s.composite = !s.array && (tc->typtype == TYPTYPE_COMPOSITE || type == RECORDOID);
	s.range = tc->typtype == TYPTYPE_RANGE;
	s.multirange = tc->typtype == TYPTYPE_MULTIRANGE;
	return s;
}

void ResolveRenderer(Oid declared, TypeRenderer *r, MemoryContext mcxt)
{
	memset(r, 0, sizeof *r);
	r->declared = declared;
	r->type = getBaseType(declared);
	TypeCacheEntry *tc = lookup_type_cache(r->type, 0);
	r->typlen = tc->typlen;
	r->typbyval = tc->typbyval;
	r->typalign = tc->typalign;
	r->kind = ScalarKind(r->type);
	if (r->kind == ValueKind::OutputString) {
		TypeShape shape = ShapeOf(r->type, tc);
		if (shape.array) {
			r->kind = ValueKind::Array;
			r->element_type = tc->typelem; // InvalidOid for the pseudo-types: taken from each array
		} else if (shape.composite) {
			r->kind = ValueKind::Composite;
		} else if (shape.multirange) {
			r->kind = ValueKind::Multirange;
			r->element_type = get_multirange_range(r->type);
			auto *range = static_cast<TypeRenderer *>(MemoryContextAlloc(mcxt, sizeof(TypeRenderer)));
			ResolveRenderer(r->element_type, range, mcxt); // a range: resolves no further
			r->element = range;
		} else if (shape.range) {
			Oid subtype = getBaseType(get_range_subtype(r->type));
			TypeCacheEntry *sub = lookup_type_cache(subtype, 0);
			// Over a container, or a tsquery (whose output recurses, see TsqueryIsShallow): checked as nested.
			if (ShapeOf(subtype, sub).Container() || subtype == TSQUERYOID) {
				r->kind = ValueKind::NestedOutput;
			} else {
				// range_out writes two bounds, each quoted with its quotes and backslashes doubled.
				TextBound leaf = LeafBound(subtype, sub->typlen);
				r->bound = TextBound{4 * leaf.per_byte, 4 * leaf.base + 16};
			}
		} else {
			r->bound = LeafBound(r->type, r->typlen); // enums, base types, pseudo-types
		}
	}
	if (r->kind == ValueKind::FloatOrNumeric || r->kind == ValueKind::OutputString ||
		r->kind == ValueKind::NestedOutput) {
		Oid output_fn;
		bool varlena;
		getTypeOutputInfo(r->type, &output_fn, &varlena);
		fmgr_info_cxt(output_fn, &r->output, mcxt);
	}
}

void ResolveColumnRenderer(Oid type, TypeRenderer *r, MemoryContext mcxt)
{
	ResolveRenderer(type, r, mcxt);
	// A column's arrays all have the same element type: resolve it once here instead of once per array.
	if (r->kind == ValueKind::Array && OidIsValid(r->element_type)) {
		auto *element = static_cast<TypeRenderer *>(MemoryContextAlloc(mcxt, sizeof(TypeRenderer)));
		ResolveRenderer(r->element_type, element, mcxt);
		r->element = element;
	}
}

namespace {

// The small kinds write at most a few dozen bytes without asking the budget: a row has at most 1600 columns,
// and arrays and composites check the budget before each element (so their count is no way around it).
inline __attribute__((always_inline)) bool Dispatch(StringInfo out, const ChangeBudget &b, const TypeRenderer *r, Datum value, int depth)
{
	switch (r->kind) {
	case ValueKind::Bool:
		AppendLiteral(out, DatumGetBool(value) ? "true" : "false");
		return true;
	case ValueKind::Int2:
		AppendInteger(out, DatumGetInt16(value));
		return true;
	case ValueKind::Int4:
		AppendInteger(out, DatumGetInt32(value));
		return true;
	case ValueKind::Int8:
		AppendInteger(out, DatumGetInt64(value));
		return true;
	case ValueKind::FloatOrNumeric:
		return WriteNumberText(out, b, OutputFunctionCall(const_cast<FmgrInfo *>(&r->output), value),
							   r->type != NUMERICOID);
	case ValueKind::Text:
		return WriteTextDatum(out, b, value);
	case ValueKind::DateTime: {
		char buf[MAXDATELEN + 1];
		JsonEncodeDateTime(buf, value, r->type, nullptr);
		AppendJsonString(out, buf);
		return true;
	}
	case ValueKind::Uuid: {
		char buf[format::kUuidTextLen + 1];
		format::Uuid(DatumGetUUIDP(value)->data, buf);
		appendStringInfoChar(out, '"');
		appendBinaryStringInfo(out, buf, static_cast<int>(format::kUuidTextLen));
		appendStringInfoChar(out, '"');
		return true;
	}
	case ValueKind::Json:
		return WriteJsonText(out, b, value);
	case ValueKind::Jsonb:
		return WriteJsonb(out, b, value);
	case ValueKind::OutputString:
		return WriteOutputString(out, b, r, value);
	case ValueKind::Array:
		if (depth >= kMaxNestingDepth)
			return WriteNestedOutput(out, b, r, value);
		return WriteArray(out, b, r, value, depth);
	case ValueKind::Composite:
		if (depth >= kMaxNestingDepth)
			return WriteNestedOutput(out, b, r, value);
		return WriteComposite(out, b, r, value, depth);
	case ValueKind::Multirange:
		return WriteMultirange(out, b, r, value);
	case ValueKind::NestedOutput:
		return WriteNestedOutput(out, b, r, value);
	}
	return false;
}

} // namespace

bool WriteValue(StringInfo out, const ChangeBudget &b, const TypeRenderer *r, Datum value, int depth)
{
	return Dispatch(out, b, r, value, depth);
}

// The per-column entry point: the same dispatch, inlined here rather than called, as it runs for every value.
bool AppendValue(StringInfo out, const ChangeBudget &budget, const ColumnInfo *col, Datum value)
{
	return Dispatch(out, budget, &col->render, value, 0);
}

} // namespace walcast
