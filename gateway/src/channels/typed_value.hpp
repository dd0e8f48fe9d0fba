#pragma once
// Comparing a row value (typed JSON from the plugin) with a filter value (text from the client) the way
// PostgreSQL would after casting both to the column's type: numbers as exact decimals, booleans as
// booleans, everything else as text.

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace walcast::channels {

enum class TypeClass {
	Numeric,    // int2 int4 int8 float4 float8 numeric oid money-free numbers: compared as exact decimals
	Boolean,    // bool
	Timestamp,  // timestamp(tz), date, time(tz): text, with ' ' and 'T' treated alike
	Uuid,       // text, case-insensitive
	Text,       // everything else, compared as rendered text (byte order)
};

// The class for a pg_type.typname as the change's `columns` array gives it.
TypeClass ClassifyType(std::string_view pg_type);
// The class to use when the change does not name the column's type.
TypeClass ClassifyJson(const boost::json::value& value);

// An exact decimal (or one of the special float values). Finite values are 0.<digits> x 10^exponent,
// with neither leading nor trailing zeros in digits; zero has empty digits.
struct Decimal {
	enum class Kind { NegInfinity, Finite, PosInfinity, NaN } kind = Kind::Finite;
	bool negative = false;
	std::string digits;
	long exponent = 0;
};

std::optional<Decimal> ParseDecimal(std::string_view text);
std::optional<Decimal> DecimalFromJson(const boost::json::value& value);
// <0, 0, >0 in PostgreSQL numeric order (NaN above everything and equal to itself).
int CompareDecimal(const Decimal& a, const Decimal& b);

// PostgreSQL boolin spellings: t/f, true/false, yes/no, on/off, 1/0 (case-insensitive).
std::optional<bool> ParseBool(std::string_view text);

// A filter value, with its number and boolean readings worked out once when the filter is parsed rather
// than for every row.
struct Literal {
	std::string text;
	std::optional<Decimal> number;
	std::optional<bool> boolean;
};
Literal MakeLiteral(std::string text);

// Three-valued comparison of a row value with a filter literal under a type class: nullopt when the row
// value is NULL or either side does not convert (SQL would not select the row).
std::optional<int> CompareTyped(TypeClass type, const boost::json::value& row_value, const Literal& literal);
std::optional<int> CompareTyped(TypeClass type, const boost::json::value& row_value, std::string_view literal);

// The row value as PostgreSQL would print it for a text comparison (strings unquoted, the rest as JSON).
std::string RenderText(const boost::json::value& value);

// Whether a literal converts to the type class (so bad filter values are reported at subscribe time).
bool LiteralFits(TypeClass type, std::string_view literal);

}  // namespace walcast::channels
