// A jsonb value written from its binary form, in exactly the text jsonb_out (JsonbToCString) writes:
// ", " between items, ": " after keys, strings escaped as escape_json does, numbers as numeric_out writes them.
//
// Not JsonbToCString itself, because it appends to its buffer with no limit, and a jsonb's text has no bound
// in its stored size: a number such as 1e131071 takes 5 bytes and prints as 131,072 digits, so a 100 KB jsonb
// can print as gigabytes and raise an ERROR on PostgreSQL's 1 GB limit. Here every string and number is
// measured against the change's budget before it is written. JsonbIteratorNext keeps its own stack of open
// containers, so nesting of any depth costs no recursion.
#include "json_out.hpp"
#include "value_writers.hpp"

namespace walcast {

namespace {

bool WriteScalar(StringInfo out, const ChangeBudget &b, const JsonbValue &v)
{
	switch (v.type) {
	case jbvNull:
		AppendLiteral(out, "null");
		return true;
	case jbvBool:
		AppendLiteral(out, v.val.boolean ? "true" : "false");
		return true;
	case jbvString:
		return WriteEscaped(out, b, v.val.string.val, static_cast<size_t>(v.val.string.len));
	case jbvNumeric: {
		char *text = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v.val.numeric)));
		size_t len = strlen(text);
		if (!b.Fits(out, len))
			return false;
		appendBinaryStringInfo(out, text, static_cast<int>(len));
		pfree(text);
		return true;
	}
	default:
		// jbvBinary and the other in-memory-only types never come out of an iterator over stored jsonb
		elog(ERROR, "walcast: unexpected jsonb value type %d", static_cast<int>(v.type));
		return false;
	}
}

} // namespace

bool WriteJsonb(StringInfo out, const ChangeBudget &b, Datum value)
{
	Jsonb *jb = DatumGetJsonbP(value);
	JsonbIterator *it = JsonbIteratorInit(&jb->root);
	JsonbValue v;
	JsonbIteratorToken token;
	bool first = true;      // nothing written yet at this level, so no ", " before the next item
	bool raw_scalar = false; // a scalar stored as a one-element pseudo-array: written without brackets
	while ((token = JsonbIteratorNext(&it, &v, false)) != WJB_DONE) {
		if (!b.Fits(out, 0))
			return false;
		switch (token) {
		case WJB_BEGIN_ARRAY:
			if (!first)
				AppendLiteral(out, ", ");
			if (v.val.array.rawScalar)
				raw_scalar = true;
			else
				appendStringInfoChar(out, '[');
			first = true;
			break;
		case WJB_BEGIN_OBJECT:
			if (!first)
				AppendLiteral(out, ", ");
			appendStringInfoChar(out, '{');
			first = true;
			break;
		case WJB_KEY:
			if (!first)
				AppendLiteral(out, ", ");
			if (!WriteScalar(out, b, v))
				return false;
			AppendLiteral(out, ": ");
			first = true; // the value follows with no separator, whether a scalar or a container
			break;
		case WJB_VALUE:
			if (!WriteScalar(out, b, v))
				return false;
			first = false;
			break;
		case WJB_ELEM:
			if (!first)
				AppendLiteral(out, ", ");
			if (!WriteScalar(out, b, v))
				return false;
			first = false;
			break;
		case WJB_END_ARRAY:
			if (!raw_scalar)
				appendStringInfoChar(out, ']');
			first = false;
			break;
		case WJB_END_OBJECT:
			appendStringInfoChar(out, '}');
			first = false;
			break;
		case WJB_DONE:
			break;
		}
	}
	if (reinterpret_cast<Pointer>(jb) != DatumGetPointer(value))
		pfree(jb);
	return true;
}

} // namespace walcast
