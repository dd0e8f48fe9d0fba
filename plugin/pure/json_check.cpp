#include "pure/json_check.hpp"

#include <cstdint>
#include <cstring>

namespace walcast::json {

namespace {

using Byte = unsigned char;

bool IsWhitespace(Byte c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'; // RFC 8259 whitespace; \f and \v are not
}

bool IsDigit(Byte c)
{
	return c >= '0' && c <= '9';
}

// The value of four hex digits at p, or -1.
long Hex4(const Byte *p)
{
	long v = 0;
	for (int i = 0; i < 4; i++) {
		Byte c = p[i];
		int d = IsDigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

// A string whose opening quote is at *p; on acceptance *p is just past the closing quote.
Verdict ScanString(const Byte *&p, const Byte *end, bool allow_non_ascii_escapes)
{
	p++;
	for (;;) {
		while (p < end && *p >= 0x20 && *p != '"' && *p != '\\')
			p++;
		if (p == end || *p < 0x20)
			return Verdict::NotJson; // unterminated, or a raw control character
		if (*p == '"') {
			p++;
			return Verdict::Accepted;
		}
		// A backslash escape.
		if (end - p < 2)
			return Verdict::NotJson;
		Byte kind = p[1];
		if (kind != 'u') {
			if (!std::strchr("\"\\/bfnrt", kind) || kind == '\0')
				return Verdict::NotJson;
			p += 2;
			continue;
		}
		if (end - p < 6)
			return Verdict::NotJson;
		long code = Hex4(p + 2);
		if (code < 0)
			return Verdict::NotJson;
		p += 6;
		if (code == 0)
			return Verdict::NulEscape;
		if (code >= 0xDC00 && code <= 0xDFFF)
			return Verdict::LoneSurrogate; // a low half with no high half before it
		if (code >= 0xD800 && code <= 0xDBFF) {
			if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
				return Verdict::LoneSurrogate;
			long low = Hex4(p + 2);
			if (low < 0)
				return Verdict::NotJson;
			if (low < 0xDC00 || low > 0xDFFF)
				return Verdict::LoneSurrogate;
			p += 6;
		}
		if (code > 0x7F && !allow_non_ascii_escapes)
			return Verdict::NonAsciiEscape;
	}
}

// A number starting at *p ('-' or a digit); on acceptance *p is just past it. The byte after it is checked by
// the caller's grammar, which is what rejects "01" or "1x".
Verdict ScanNumber(const Byte *&p, const Byte *end)
{
	if (*p == '-')
		p++;
	long int_digits = 0;
	if (p < end && *p == '0') {
		p++;
		int_digits = 1;
	} else if (p < end && IsDigit(*p)) {
		while (p < end && IsDigit(*p)) {
			p++;
			int_digits++;
		}
	} else {
		return Verdict::NotJson;
	}
	long frac_digits = 0;
	if (p < end && *p == '.') {
		p++;
		while (p < end && IsDigit(*p)) {
			p++;
			frac_digits++;
		}
		if (frac_digits == 0)
			return Verdict::NotJson;
	}
	long exponent = 0;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		bool negative = false;
		if (p < end && (*p == '+' || *p == '-')) {
			negative = *p == '-';
			p++;
		}
		long exp_digits = 0;
		while (p < end && IsDigit(*p)) {
			if (exponent <= kMaxNumberExponent) // saturate: anything above the bound is refused anyway
				exponent = exponent * 10 + (*p - '0');
			p++;
			exp_digits++;
		}
		if (exp_digits == 0)
			return Verdict::NotJson;
		if (negative)
			exponent = -exponent;
	}
	// Digit counts are bounded by the input length (under 1 GB), so these sums cannot overflow a long.
	if (int_digits + frac_digits > kMaxNumberDigits || exponent > kMaxNumberExponent ||
		exponent < -kMaxNumberExponent || int_digits + exponent > kMaxNumberMagnitude)
		return Verdict::NumberOutOfRange;
	return Verdict::Accepted;
}

bool ScanLiteral(const Byte *&p, const Byte *end, const char *word, size_t n)
{
	if (static_cast<size_t>(end - p) < n || std::memcmp(p, word, n) != 0)
		return false;
	p += n;
	return true;
}

// What the grammar allows next.
enum class Want {
	Value,        // any value
	ValueOrClose, // just after '[': a value or ']'
	KeyOrClose,   // just after '{': a member name or '}'
	Key,          // after ',' inside an object
	Colon,        // after a member name
	CommaOrClose, // after a value inside a container
	End,          // after the top-level value: only whitespace
};

} // namespace

Verdict CheckJson(const char *s, size_t len, const CheckLimits &limits)
{
	const size_t max_depth = limits.max_depth < kMaxCheckDepth ? limits.max_depth : kMaxCheckDepth;
	// Bit i says whether the container at nesting level i+1 is an object (set) or an array (clear).
	uint64_t is_object[(kMaxCheckDepth + 63) / 64];
	size_t depth = 0;
	auto top_is_object = [&] { return (is_object[(depth - 1) / 64] >> ((depth - 1) % 64)) & 1; };

	const Byte *p = reinterpret_cast<const Byte *>(s);
	const Byte *const end = p + len;
	Want want = Want::Value;
	for (;;) {
		while (p < end && IsWhitespace(*p))
			p++;
		if (p == end)
			return want == Want::End ? Verdict::Accepted : Verdict::NotJson;
		const Byte c = *p;
		bool close = false;
		switch (want) {
		case Want::End:
			return Verdict::NotJson;
		case Want::Colon:
			if (c != ':')
				return Verdict::NotJson;
			p++;
			want = Want::Value;
			continue;
		case Want::CommaOrClose:
			if (c == ',') {
				p++;
				want = top_is_object() ? Want::Key : Want::Value;
				continue;
			}
			if (c != (top_is_object() ? '}' : ']'))
				return Verdict::NotJson;
			close = true;
			break;
		case Want::KeyOrClose:
			if (c == '}') {
				close = true;
				break;
			}
			[[fallthrough]];
		case Want::Key: {
			if (c != '"')
				return Verdict::NotJson;
			Verdict v = ScanString(p, end, limits.allow_non_ascii_escapes);
			if (v != Verdict::Accepted)
				return v;
			want = Want::Colon;
			continue;
		}
		case Want::ValueOrClose:
			if (c == ']') {
				close = true;
				break;
			}
			[[fallthrough]];
		case Want::Value:
			break;
		}
		if (close) {
			p++;
			depth--;
			want = depth ? Want::CommaOrClose : Want::End;
			continue;
		}

		// A value.
		if (c == '{' || c == '[') {
			if (depth >= max_depth)
				return Verdict::TooDeep;
			const uint64_t bit = uint64_t{1} << (depth % 64);
			if (c == '{')
				is_object[depth / 64] |= bit;
			else
				is_object[depth / 64] &= ~bit;
			depth++;
			p++;
			want = c == '{' ? Want::KeyOrClose : Want::ValueOrClose;
			continue;
		}
		Verdict v;
		if (c == '"')
			v = ScanString(p, end, limits.allow_non_ascii_escapes);
		else if (c == '-' || IsDigit(c))
			v = ScanNumber(p, end);
		else if (ScanLiteral(p, end, "true", 4) || ScanLiteral(p, end, "false", 5) || ScanLiteral(p, end, "null", 4))
			v = Verdict::Accepted;
		else
			v = Verdict::NotJson;
		if (v != Verdict::Accepted)
			return v;
		want = depth ? Want::CommaOrClose : Want::End;
	}
}

const char *VerdictText(Verdict verdict)
{
	switch (verdict) {
	case Verdict::Accepted: return "acceptable JSON";
	case Verdict::NotJson: return "not JSON";
	case Verdict::TooDeep: return "nested too deeply";
	case Verdict::NulEscape: return "contains \\u0000";
	case Verdict::LoneSurrogate: return "contains an unpaired surrogate escape";
	case Verdict::NumberOutOfRange: return "contains a number out of range";
	case Verdict::NonAsciiEscape: return "contains a \\u escape above 007F in a database that is not UTF-8";
	}
	return "?";
}

} // namespace walcast::json
