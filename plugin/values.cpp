#include "values.hpp"

#include "json_out.hpp"
#include "pure/format.hpp"

extern "C" {
#include "common/jsonapi.h"
#include "utils/uuid.h"
}

namespace walcast {

namespace {

void AppendInteger(StringInfo out, int64 v)
{
	char buf[MAXINT8LEN + 1];
	int len = pg_lltoa(v, buf);
	appendBinaryStringInfo(out, buf, len);
}

// to_jsonb writes a float or numeric as a JSON number when its text is one, and as a string otherwise
// (NaN, Infinity, -Infinity). A number goes through numeric on the way, which spells floats in exponent form
// (1e+100) and -0 out in plain digits; do the same for those, so the text is identical, not just equal.
void AppendNumberText(StringInfo out, const char *text, bool is_float)
{
	int len = static_cast<int>(strlen(text));
	if (!IsValidJsonNumber(text, len)) {
		AppendJsonString(out, text, len);
		return;
	}
	if (is_float && (strpbrk(text, "eE") != nullptr || strcmp(text, "-0") == 0)) {
		Datum num = DirectFunctionCall3(numeric_in, CStringGetDatum(text), ObjectIdGetDatum(InvalidOid),
										Int32GetDatum(-1));
		appendStringInfoString(out, DatumGetCString(DirectFunctionCall1(numeric_out, num)));
		return;
	}
	appendBinaryStringInfo(out, text, len);
}

void AppendTextDatum(StringInfo out, Datum value)
{
	struct varlena *v = pg_detoast_datum_packed(reinterpret_cast<struct varlena *>(DatumGetPointer(value)));
	AppendJsonString(out, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
	if (reinterpret_cast<Pointer>(v) != DatumGetPointer(value))
		pfree(v); // a detoasted copy of a possibly huge value: free it now, not at the end of the change
}

// A json value is embedded as it was written, except that line breaks and tabs become spaces: json_in
// accepts them only as whitespace between tokens, never raw inside strings, so this changes no value and
// keeps every emitted object on one line for line-oriented readers such as pg_recvlogical.
void AppendJsonText(StringInfo out, Datum value)
{
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
}

void AppendJsonb(StringInfo out, Jsonb *jb)
{
	JsonbToCString(out, &jb->root, static_cast<int>(VARSIZE(jb)));
}

} // namespace

void AppendValue(StringInfo out, const ColumnInfo *col, Datum value)
{
	switch (col->kind) {
	case ValueKind::Bool:
		AppendLiteral(out, DatumGetBool(value) ? "true" : "false");
		return;
	case ValueKind::Int2:
		AppendInteger(out, DatumGetInt16(value));
		return;
	case ValueKind::Int4:
		AppendInteger(out, DatumGetInt32(value));
		return;
	case ValueKind::Int8:
		AppendInteger(out, DatumGetInt64(value));
		return;
	case ValueKind::FloatOrNumeric:
		AppendNumberText(out, OutputFunctionCall(const_cast<FmgrInfo *>(&col->output), value),
						 col->base_type != NUMERICOID);
		return;
	case ValueKind::Text:
		AppendTextDatum(out, value);
		return;
	case ValueKind::DateTime: {
		char buf[MAXDATELEN + 1];
		JsonEncodeDateTime(buf, value, col->base_type, nullptr);
		AppendJsonString(out, buf);
		return;
	}
	case ValueKind::Uuid: {
		char buf[format::kUuidTextLen + 1];
		format::Uuid(DatumGetUUIDP(value)->data, buf);
		appendStringInfoChar(out, '"');
		appendBinaryStringInfo(out, buf, static_cast<int>(format::kUuidTextLen));
		appendStringInfoChar(out, '"');
		return;
	}
	case ValueKind::Json:
		AppendJsonText(out, value);
		return;
	case ValueKind::Jsonb:
		AppendJsonb(out, DatumGetJsonbP(value));
		return;
	case ValueKind::OutputString:
		AppendJsonString(out, OutputFunctionCall(const_cast<FmgrInfo *>(&col->output), value));
		return;
	case ValueKind::ToJson:
		// to_json, not to_jsonb: the two agree on every value as jsonb (to_jsonb only re-parses embedded json
		// and sorts keys), but to_jsonb raises an ERROR for a json value containing \u0000 inside an array or
		// composite, and one such row would stop the slot for good.
		AppendJsonText(out, FunctionCall1(const_cast<FmgrInfo *>(&col->to_json), value));
		return;
	}
}

} // namespace walcast
