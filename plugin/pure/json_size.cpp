#include "pure/json_size.hpp"

#include "pure/json_escape.hpp"

#include <array>

namespace walcast::json {

namespace {

// Bytes each input byte adds beyond itself, derived from the escaper's own rules so the two cannot disagree.
constexpr std::array<unsigned char, 256> ExtraBytes()
{
	std::array<unsigned char, 256> extra{};
	for (unsigned c = 0; c < 256; c++) {
		if (IsPlainByte(static_cast<unsigned char>(c)))
			extra[c] = 0;
		else if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t')
			extra[c] = 1;
		else
			extra[c] = kMaxEscapedLen - 1;
	}
	return extra;
}

constexpr std::array<unsigned char, 256> kExtra = ExtraBytes();

} // namespace

size_t QuotedLength(const char *s, size_t len)
{
	size_t total = len + 2;
	const unsigned char *p = reinterpret_cast<const unsigned char *>(s);
	for (size_t i = 0; i < len; i++)
		total += kExtra[p[i]];
	return total;
}

} // namespace walcast::json
