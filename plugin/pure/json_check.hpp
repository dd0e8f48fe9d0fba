// Decides whether a logical message's content may be embedded in the output as JSON, without recursion.
//
// PostgreSQL's own parser (pg_parse_json) recurses once per nesting level, so `repeat('[', 200000)` sent by any
// role through pg_logical_emit_message made it raise "stack depth limit exceeded" on every retry, wedging the
// slot. This checker keeps one bit per open container instead of a stack frame, and stops at a depth bound.
//
// It accepts only RFC 8259 JSON that every consumer of the output takes without error or loss of validity:
// PostgreSQL's jsonb (walcast.peek/get cast each row), the gateway's Boost.JSON parser, JavaScript and Python.
// Anything it refuses is still delivered, as a JSON string of the text.
#pragma once

#include <cstddef>

namespace walcast::json {

// The deepest nesting the checker can follow; the max-message-depth option is bounded by it.
constexpr size_t kMaxCheckDepth = 1000;

// Numbers: a conservative rule every consumer honours (see IsAcceptableNumber in json_check.cpp).
//  - at most kMaxNumberDigits digits before the exponent (Python refuses integers of more than 4300 digits);
//  - an exponent of at most kMaxNumberExponent in magnitude (numeric keeps at most 16383 digits after the
//    point, so "0e-20000" is valid JSON that jsonb refuses);
//  - digits before the decimal point plus the exponent at most kMaxNumberMagnitude, so the value is below
//    1e308 and stays finite as an IEEE double (Boost.JSON turns 1e309 into an infinity that it then writes out
//    as the invalid token `Infinity`).
constexpr long kMaxNumberDigits = 1000;
constexpr long kMaxNumberExponent = 1000;
constexpr long kMaxNumberMagnitude = 308;

struct CheckLimits {
	size_t max_depth;              // arrays/objects nested deeper than this are refused; clamped to kMaxCheckDepth
	bool allow_non_ascii_escapes;  // false when the database encoding is not UTF-8: jsonb there cannot take a
	                               // \u escape above 007F that the encoding lacks, so refuse them all
};

enum class Verdict {
	Accepted,
	NotJson,           // not RFC 8259 JSON at all (or empty)
	TooDeep,           // nesting beyond max_depth
	NulEscape,         // \u0000: valid JSON, refused by jsonb and by C string consumers
	LoneSurrogate,     // a \uD800-\uDFFF escape that is not a correctly ordered high/low pair
	NumberOutOfRange,  // a number outside the rule above
	NonAsciiEscape,    // a \u escape above 007F while allow_non_ascii_escapes is false
};

// Checks `len` bytes. Bytes >= 0x80 are accepted only inside strings and are not decoded: the caller has
// already verified the text in the database encoding (every PostgreSQL server encoding keeps bytes < 0x80
// for ASCII only, so they can never hide a quote or backslash). Uses no heap memory and no recursion.
Verdict CheckJson(const char *s, size_t len, const CheckLimits &limits);

// A short English phrase for logs and tests.
const char *VerdictText(Verdict verdict);

} // namespace walcast::json
