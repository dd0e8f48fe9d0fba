// How a value of one type becomes JSON: decided once per type (per column when a relation is cached, per
// array for its elements, per composite value for its attributes) and then applied to every value.
//
// Only the type's own structure and its output function are used - never to_json()/to_jsonb(), because those
// call a user-defined `CAST (t AS json)`, which any role can create for a type it owns. The result equals
// to_jsonb(value) as jsonb wherever no such cast exists.
#pragma once

#include "pg.hpp"

namespace walcast {

enum class ValueKind : uint8 {
	Bool,
	Int2,
	Int4,
	Int8,
	FloatOrNumeric, // output function; NaN/Infinity become strings, as to_jsonb does
	Text,           // text, varchar, bpchar: the bytes themselves, escaped
	DateTime,       // date, timestamp, timestamptz: JsonEncodeDateTime, which to_jsonb uses
	Uuid,           // formatted directly, as uuid_out does
	Json,           // embedded as JSON text
	Jsonb,          // written from its binary form, as jsonb_out writes it
	OutputString,   // every other scalar (enums, ranges of scalars, base types): output function, as a JSON string
	Array,          // JSON array (nested per dimension), elements by their type's rules
	Composite,      // JSON object, attributes in order, each by its type's rules
	Multirange,     // its output text as a JSON string, written range by range
	NestedOutput,   // a range over an array/composite/range type: output function, after a nesting check
};

// An upper bound of the text an output function makes from a value stored in S bytes: S * per_byte + base.
// Used to keep every output function call far from PostgreSQL's 1 GB allocation limit (see values.cpp).
struct TextBound {
	uint32 per_byte;
	uint32 base;
};

struct TypeRenderer {
	ValueKind kind;
	Oid declared; // the type as declared, possibly a domain
	Oid type;     // the type with domains looked through, whose rules apply
	int16 typlen; // storage of `type`, to walk array elements and composite attributes
	bool typbyval;
	char typalign;
	TextBound bound;  // OutputString, NestedOutput
	FmgrInfo output;  // FloatOrNumeric, OutputString, NestedOutput
	Oid element_type; // Array: the element type; Multirange: the range type
	// Array: the element type's renderer when resolved ahead (a column's arrays), otherwise resolved per array.
	// Multirange: the range type's renderer, always resolved (a range resolves no further).
	const TypeRenderer *element;
};

} // namespace walcast
