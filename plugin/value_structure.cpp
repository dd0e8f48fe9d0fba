// Values made of other values: arrays and composites written as JSON structure (as to_jsonb does), multiranges
// written range by range, and the output-function text of what is nested too deeply for structure.
#include "json_out.hpp"
#include "value_writers.hpp"

extern "C" {
#include "utils/array.h"
#include "utils/arrayaccess.h"
#include "utils/multirangetypes.h"
#include "utils/rangetypes.h"
}

namespace walcast {

namespace {

// The deepest container nesting (arrays, composites, ranges, multiranges) whose output function text is built
// past kMaxNestingDepth, or for a range over a container. record_out, array_out and range_out call each other
// once per level and call check_stack_depth() (an ERROR that would stop the slot) and double every quote and
// backslash at each level, so the text of a value nested n levels can be 2^n times its size. Eight levels keep
// both the recursion and that growth small; anything deeper is treated as too large.
constexpr int kMaxOutputNesting = 8;

// Output-function text per stored byte assumed for container punctuation: the comma and "NULL" an array writes
// for one bit of its null bitmap, the commas of a composite's null attributes.
constexpr uint32 kContainerTextPerByte = 64;

// Renderers of a composite type's attributes, resolved for the first value of the type and kept for the rest of
// the array it is in. `id` is the type cache's identifier of the tuple descriptor they were resolved for.
struct CompositeLayout {
	uint64 id;
	int natts;
	TypeRenderer *atts;
};

void AppendRepeated(StringInfo out, char c, int n)
{
	for (int i = 0; i < n; i++)
		appendStringInfoChar(out, c);
}

bool WriteCompositeWith(StringInfo out, const ChangeBudget &b, Datum value, int depth, CompositeLayout *layout)
{
	HeapTupleHeader td = DatumGetHeapTupleHeader(value);
	Oid type = HeapTupleHeaderGetTypeId(td);
	int32 typmod = HeapTupleHeaderGetTypMod(td);
	TupleDesc desc = lookup_rowtype_tupdesc(type, typmod);
	uint64 id = assign_record_type_identifier(type, typmod);
	if (layout->atts == nullptr || layout->id != id || layout->natts != desc->natts) {
		layout->id = id;
		layout->natts = desc->natts;
		layout->atts = static_cast<TypeRenderer *>(palloc0(sizeof(TypeRenderer) * Max(desc->natts, 1)));
		for (int i = 0; i < desc->natts; i++) {
			Form_pg_attribute att = TupleDescAttr(desc, i);
			if (!att->attisdropped)
				ResolveRenderer(att->atttypid, &layout->atts[i], CurrentMemoryContext);
		}
	}

	HeapTupleData tuple;
	tuple.t_len = HeapTupleHeaderGetDatumLength(td);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = td;
	Datum *values = static_cast<Datum *>(palloc(sizeof(Datum) * Max(desc->natts, 1)));
	bool *nulls = static_cast<bool *>(palloc(sizeof(bool) * Max(desc->natts, 1)));
	heap_deform_tuple(&tuple, desc, values, nulls);

	bool ok = true;
	bool first = true;
	appendStringInfoChar(out, '{');
	for (int i = 0; i < desc->natts && ok; i++) {
		Form_pg_attribute att = TupleDescAttr(desc, i);
		if (att->attisdropped)
			continue;
		// What is written so far fits: the key and a small value add at most a few hundred bytes.
		if (!b.Fits(out, 0)) {
			ok = false;
			break;
		}
		if (!first)
			appendStringInfoChar(out, ',');
		first = false;
		AppendJsonString(out, NameStr(att->attname)); // at most 63 bytes, escaped
		appendStringInfoChar(out, ':');
		if (nulls[i])
			AppendLiteral(out, "null");
		else
			ok = WriteValue(out, b, &layout->atts[i], values[i], depth + 1);
	}
	if (ok)
		appendStringInfoChar(out, '}');
	ReleaseTupleDesc(desc);
	pfree(values);
	pfree(nulls);
	return ok;
}

// The static nesting of a type and the most output text per stored byte of anything in it, for
// WriteNestedOutput. Bounded twice: never more than kMaxOutputNesting levels down (so this recursion is
// bounded too), and each type is looked at once (`seen`), however often it recurs in a wide type.
struct Nesting {
	int levels;
	uint32 per_byte;
};

struct SeenType {
	Oid type; // hash key
	Nesting nesting;
};

bool NestingOf(Oid type, int levels_left, HTAB *seen, Nesting *result)
{
	type = getBaseType(type);
	if (auto *known = static_cast<SeenType *>(hash_search(seen, &type, HASH_FIND, nullptr))) {
		*result = known->nesting;
		return true;
	}
	TypeCacheEntry *tc = lookup_type_cache(type, 0);
	TypeShape shape = ShapeOf(type, tc);
	Nesting n{0, kContainerTextPerByte};
	if (!shape.Container()) {
		if (type == TSQUERYOID)
			return false; // its own output recurses per operator: no bound from the type alone
		n.per_byte = Max(n.per_byte, LeafBound(type, tc->typlen).per_byte);
	} else {
		if (levels_left == 0)
			return false;
		Nesting child{0, 0};
		bool ok = true;
		auto visit = [&](Oid t) {
			Nesting c;
			if (!ok || !NestingOf(t, levels_left - 1, seen, &c)) {
				ok = false;
				return;
			}
			child.levels = Max(child.levels, c.levels);
			child.per_byte = Max(child.per_byte, c.per_byte);
		};
		if (shape.array) {
			if (!OidIsValid(tc->typelem))
				return false; // a pseudo-type: nothing to measure by
			visit(tc->typelem);
		} else if (shape.composite) {
			if (type == RECORDOID)
				return false;
			TupleDesc desc = lookup_rowtype_tupdesc(type, -1);
			for (int i = 0; i < desc->natts; i++)
				if (!TupleDescAttr(desc, i)->attisdropped)
					visit(TupleDescAttr(desc, i)->atttypid);
			ReleaseTupleDesc(desc);
		} else if (shape.range) {
			visit(get_range_subtype(type));
		} else {
			visit(get_multirange_range(type));
		}
		if (!ok)
			return false;
		n.levels = child.levels + 1;
		n.per_byte = Max(n.per_byte, child.per_byte);
	}
	auto *entry = static_cast<SeenType *>(hash_search(seen, &type, HASH_ENTER, nullptr));
	entry->nesting = n;
	*result = n;
	return true;
}

} // namespace

bool WriteArray(StringInfo out, const ChangeBudget &b, const TypeRenderer *r, Datum value, int depth)
{
	ArrayType *array = DatumGetArrayTypeP(value);
	const int ndim = ARR_NDIM(array);
	const int nitems = ArrayGetNItems(ndim, ARR_DIMS(array));
	if (nitems <= 0) {
		AppendLiteral(out, "[]");
		return true;
	}
	const TypeRenderer *element = r->element;
	if (element == nullptr || element->declared != ARR_ELEMTYPE(array)) {
		auto *resolved = static_cast<TypeRenderer *>(palloc(sizeof(TypeRenderer)));
		ResolveRenderer(ARR_ELEMTYPE(array), resolved, CurrentMemoryContext);
		element = resolved;
	}
	CompositeLayout layout{};

	// Dimensions nest like to_jsonb's: [[1,2],[3,4]]. idx is the current element's position in each dimension;
	// moving to the next element closes and reopens one bracket per dimension that wraps around.
	int dims[MAXDIM];
	int idx[MAXDIM];
	for (int d = 0; d < ndim; d++) {
		dims[d] = ARR_DIMS(array)[d];
		idx[d] = 0;
	}
	array_iter it;
	array_iter_setup(&it, reinterpret_cast<AnyArrayType *>(array));
	AppendRepeated(out, '[', ndim);
	for (int i = 0; i < nitems; i++) {
		// What is written so far fits: brackets and a small element add at most a few dozen bytes.
		if (!b.Fits(out, 0))
			return false;
		if (i > 0) {
			int d = ndim - 1;
			int wraps = 0;
			while (++idx[d] == dims[d] && d > 0) {
				idx[d] = 0;
				d--;
				wraps++;
			}
			AppendRepeated(out, ']', wraps);
			appendStringInfoChar(out, ',');
			AppendRepeated(out, '[', wraps);
		}
		bool isnull;
		Datum item = array_iter_next(&it, &isnull, i, element->typlen, element->typbyval, element->typalign);
		bool ok = true;
		if (isnull)
			AppendLiteral(out, "null");
		else if (element->kind == ValueKind::Composite && depth + 1 < kMaxNestingDepth)
			ok = WriteCompositeWith(out, b, item, depth + 1, &layout);
		else
			ok = WriteValue(out, b, element, item, depth + 1);
		if (!ok)
			return false;
	}
	AppendRepeated(out, ']', ndim);
	if (reinterpret_cast<Pointer>(array) != DatumGetPointer(value))
		pfree(array);
	return true;
}

bool WriteComposite(StringInfo out, const ChangeBudget &b, const TypeRenderer *, Datum value, int depth)
{
	CompositeLayout layout{};
	return WriteCompositeWith(out, b, value, depth, &layout);
}

// multirange_out's text - "{" and each range's text joined by "," and "}" - built here one range at a time, so
// each range's output function call is bounded by that range's size, and the whole by the budget.
bool WriteMultirange(StringInfo out, const ChangeBudget &b, const TypeRenderer *r, Datum value)
{
	MultirangeType *multirange = DatumGetMultirangeTypeP(value);
	TypeCacheEntry *rangetyp = lookup_type_cache(r->element_type, TYPECACHE_RANGE_INFO);
	const TypeRenderer *range = r->element;
	StringInfoData text;
	initStringInfo(&text);
	appendStringInfoChar(&text, '{');
	for (uint32 i = 0; i < multirange->rangeCount; i++) {
		Datum one = RangeTypePGetDatum(multirange_get_range(rangetyp, multirange, i));
		char *piece = range->kind == ValueKind::NestedOutput ? NestedOutputText(range, one) : BoundedOutput(range, one);
		if (piece == nullptr)
			return false;
		size_t len = strlen(piece);
		// its JSON string is at least as long as the text itself
		if (!b.Fits(out, static_cast<size_t>(text.len) + len + 3))
			return false;
		if (i > 0)
			appendStringInfoChar(&text, ',');
		appendBinaryStringInfo(&text, piece, static_cast<int>(len));
		pfree(piece);
	}
	appendStringInfoChar(&text, '}');
	bool ok = WriteEscaped(out, b, text.data, text.len);
	pfree(text.data);
	return ok;
}

char *NestedOutputText(const TypeRenderer *r, Datum value)
{
	HASHCTL ctl;
	memset(&ctl, 0, sizeof ctl);
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(SeenType);
	ctl.hcxt = CurrentMemoryContext;
	HTAB *seen = hash_create("walcast nesting", 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	Nesting nesting;
	bool known = NestingOf(r->type, kMaxOutputNesting, seen, &nesting);
	hash_destroy(seen);
	if (!known)
		return nullptr;
	// Every level may double the text beneath it and add its own quotes and punctuation.
	size_t bound = (StoredSize(value, r->typlen) * nesting.per_byte + 1024) << (nesting.levels + 1);
	if (bound > kMaxOutputFunctionText)
		return nullptr;
	if (r->kind == ValueKind::NestedOutput)
		return OutputFunctionCall(const_cast<FmgrInfo *>(&r->output), value);
	// an array or composite past kMaxNestingDepth: its output function is looked up only now, as this is rare
	Oid output_fn;
	bool varlena;
	getTypeOutputInfo(r->type, &output_fn, &varlena);
	FmgrInfo output;
	fmgr_info(output_fn, &output);
	return OutputFunctionCall(&output, value);
}

bool WriteNestedOutput(StringInfo out, const ChangeBudget &b, const TypeRenderer *r, Datum value)
{
	char *text = NestedOutputText(r, value);
	if (!text)
		return false;
	bool ok = WriteEscaped(out, b, text, strlen(text));
	pfree(text);
	return ok;
}

} // namespace walcast
