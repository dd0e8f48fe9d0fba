#include "channels/typed_value.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include <boost/json/serialize.hpp>

namespace walcast::channels {

namespace json = boost::json;

namespace {

std::string Lower(std::string_view text) {
	std::string out(text);
	for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	return out;
}

std::string_view Trim(std::string_view text) {
	while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
	while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
	return text;
}

int Sign(int v) { return (v > 0) - (v < 0); }

std::string NormalizeTimestamp(std::string text) {
	std::replace(text.begin(), text.end(), ' ', 'T');
	return text;
}

}  // namespace

TypeClass ClassifyType(std::string_view pg_type) {
	static constexpr std::string_view kNumeric[] = {"int2", "int4", "int8", "float4", "float8", "numeric", "oid",
	                                                "smallint", "integer", "bigint", "real", "double precision"};
	static constexpr std::string_view kTimestamp[] = {"timestamp", "timestamptz", "date", "time", "timetz"};
	for (auto t : kNumeric)
		if (pg_type == t) return TypeClass::Numeric;
	for (auto t : kTimestamp)
		if (pg_type == t) return TypeClass::Timestamp;
	if (pg_type == "bool" || pg_type == "boolean") return TypeClass::Boolean;
	if (pg_type == "uuid") return TypeClass::Uuid;
	return TypeClass::Text;
}

TypeClass ClassifyJson(const json::value& value) {
	if (value.is_number()) return TypeClass::Numeric;
	if (value.is_bool()) return TypeClass::Boolean;
	return TypeClass::Text;
}

std::optional<Decimal> ParseDecimal(std::string_view text) {
	text = Trim(text);
	Decimal d;
	// Words (NaN, Infinity) only when a letter leads; plain numbers skip the lower-casing copy.
	bool word = !text.empty() && (std::isalpha(static_cast<unsigned char>(text[0])) ||
	                              (text.size() > 1 && (text[0] == '+' || text[0] == '-') &&
	                               std::isalpha(static_cast<unsigned char>(text[1]))));
	auto lower = word ? Lower(text) : std::string();
	if (!word) {
	} else if (lower == "nan") {
		d.kind = Decimal::Kind::NaN;
		return d;
	}
	if (lower == "infinity" || lower == "+infinity" || lower == "inf" || lower == "+inf") {
		d.kind = Decimal::Kind::PosInfinity;
		return d;
	}
	if (lower == "-infinity" || lower == "-inf") {
		d.kind = Decimal::Kind::NegInfinity;
		return d;
	}
	if (word) return std::nullopt;
	std::size_t i = 0;
	if (i < text.size() && (text[i] == '+' || text[i] == '-')) d.negative = text[i++] == '-';
	std::string digits;
	long point = -1;  // digits before the decimal point
	bool any_digit = false;
	for (; i < text.size(); ++i) {
		char c = text[i];
		if (c >= '0' && c <= '9') {
			digits.push_back(c);
			any_digit = true;
		} else if (c == '.' && point < 0) {
			point = static_cast<long>(digits.size());
		} else {
			break;
		}
	}
	if (!any_digit) return std::nullopt;
	if (point < 0) point = static_cast<long>(digits.size());
	long exp10 = 0;
	if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
		++i;
		bool exp_negative = false;
		if (i < text.size() && (text[i] == '+' || text[i] == '-')) exp_negative = text[i++] == '-';
		if (i == text.size()) return std::nullopt;
		long value = 0;
		for (; i < text.size(); ++i) {
			char c = text[i];
			if (c < '0' || c > '9') return std::nullopt;
			if (value < 100000000) value = value * 10 + (c - '0');
		}
		exp10 = exp_negative ? -value : value;
	}
	if (i != text.size()) return std::nullopt;
	// value = 0.<digits> x 10^point x 10^exp10; strip leading zeros (each lowers the exponent) and trailing zeros.
	std::size_t lead = 0;
	while (lead < digits.size() && digits[lead] == '0') ++lead;
	digits.erase(0, lead);
	point -= static_cast<long>(lead);
	while (!digits.empty() && digits.back() == '0') digits.pop_back();
	if (digits.empty()) {
		d.negative = false;
		d.exponent = 0;
		return d;
	}
	d.digits = std::move(digits);
	d.exponent = point + exp10;
	return d;
}

std::optional<Decimal> DecimalFromJson(const json::value& value) {
	switch (value.kind()) {
		case json::kind::int64:
		case json::kind::uint64: {
			char buf[32];
			auto [end, ec] = value.is_int64() ? std::to_chars(buf, buf + sizeof buf, value.get_int64())
			                                  : std::to_chars(buf, buf + sizeof buf, value.get_uint64());
			if (ec != std::errc{}) return std::nullopt;
			return ParseDecimal(std::string_view(buf, static_cast<std::size_t>(end - buf)));
		}
		case json::kind::double_: {
			double v = value.get_double();
			if (std::isnan(v)) return ParseDecimal("NaN");
			if (std::isinf(v)) return ParseDecimal(v > 0 ? "Infinity" : "-Infinity");
			// Shortest text that round-trips, so 0.1 stays "0.1" and compares equal to the literal 0.1.
			char buf[64];
			auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
			if (ec != std::errc{}) return std::nullopt;
			return ParseDecimal(std::string_view(buf, static_cast<std::size_t>(end - buf)));
		}
		case json::kind::string: return ParseDecimal(value.get_string());
		default: return std::nullopt;
	}
}

int CompareDecimal(const Decimal& a, const Decimal& b) {
	auto rank = [](const Decimal& d) {
		switch (d.kind) {
			case Decimal::Kind::NegInfinity: return 0;
			case Decimal::Kind::Finite: return 1;
			case Decimal::Kind::PosInfinity: return 2;
			case Decimal::Kind::NaN: return 3;
		}
		return 1;
	};
	if (rank(a) != rank(b) || rank(a) != 1) return Sign(rank(a) - rank(b));
	auto sign = [](const Decimal& d) { return d.digits.empty() ? 0 : (d.negative ? -1 : 1); };
	int sa = sign(a), sb = sign(b);
	if (sa != sb) return Sign(sa - sb);
	if (sa == 0) return 0;
	int magnitude;
	if (a.exponent != b.exponent) {
		magnitude = a.exponent > b.exponent ? 1 : -1;
	} else {
		// Same exponent: digit strings compare lexicographically (no trailing zeros, so a prefix is smaller).
		magnitude = Sign(a.digits.compare(b.digits));
	}
	return sa > 0 ? magnitude : -magnitude;
}

std::optional<bool> ParseBool(std::string_view text) {
	auto t = Lower(Trim(text));
	if (t == "t" || t == "true" || t == "yes" || t == "y" || t == "on" || t == "1") return true;
	if (t == "f" || t == "false" || t == "no" || t == "n" || t == "off" || t == "0") return false;
	return std::nullopt;
}

std::string RenderText(const json::value& value) {
	if (auto* s = value.if_string()) return std::string(*s);
	return json::serialize(value);
}

Literal MakeLiteral(std::string text) {
	Literal literal;
	literal.number = ParseDecimal(text);
	literal.boolean = ParseBool(text);
	literal.text = std::move(text);
	return literal;
}

std::optional<int> CompareTyped(TypeClass type, const json::value& row_value, const Literal& literal) {
	if (row_value.is_null()) return std::nullopt;
	switch (type) {
		case TypeClass::Numeric: {
			if (!literal.number) return std::nullopt;
			auto a = DecimalFromJson(row_value);
			if (!a) return std::nullopt;
			return CompareDecimal(*a, *literal.number);
		}
		case TypeClass::Boolean: {
			std::optional<bool> a;
			if (auto* b = row_value.if_bool()) a = *b;
			else if (auto* s = row_value.if_string()) a = ParseBool(*s);
			if (!a || !literal.boolean) return std::nullopt;
			return static_cast<int>(*a) - static_cast<int>(*literal.boolean);
		}
		case TypeClass::Timestamp:
			return Sign(NormalizeTimestamp(RenderText(row_value)).compare(NormalizeTimestamp(literal.text)));
		case TypeClass::Uuid: return Sign(Lower(RenderText(row_value)).compare(Lower(literal.text)));
		case TypeClass::Text: {
			// Strings compare in place; other JSON values as their text.
			if (auto* s = row_value.if_string()) return Sign(std::string_view(*s).compare(literal.text));
			return Sign(RenderText(row_value).compare(literal.text));
		}
	}
	return std::nullopt;
}

std::optional<int> CompareTyped(TypeClass type, const json::value& row_value, std::string_view literal) {
	return CompareTyped(type, row_value, MakeLiteral(std::string(literal)));
}

bool LiteralFits(TypeClass type, std::string_view literal) {
	switch (type) {
		case TypeClass::Numeric: return ParseDecimal(literal).has_value();
		case TypeClass::Boolean: return ParseBool(literal).has_value();
		default: return true;
	}
}

}  // namespace walcast::channels
