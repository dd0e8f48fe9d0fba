// gateway/src/channels/like_pattern: the bit-parallel LIKE/ILIKE matcher used by postgres_changes filters. It must
// agree with a plain dynamic-programming matcher on every valid UTF-8 pattern and text (the values it sees come
// from JSON, so they are valid UTF-8).
//
// Input: byte 0 bit 0 picks ILIKE; the rest is "pattern \0 text" (pattern at most 300 bytes, text at most 512).
#include "channels/like_pattern.hpp"
#include "core/utf8.hpp"

#include "fuzz_check.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace {

enum class Kind { AnyRun, AnyChar, Byte };
struct Element {
	Kind kind;
	unsigned char byte;
};

unsigned char Fold(unsigned char c, bool ci) { return ci && c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c + 32) : c; }

std::size_t CharLen(unsigned char lead) { return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4; }

// The syntax of like_pattern.hpp, matched the slow obvious way: reachable[i][j] = the first i elements match the
// first j text bytes.
bool Reference(std::string_view pattern, std::string_view text, bool ci)
{
	std::vector<Element> elems;
	for (std::size_t i = 0; i < pattern.size(); i++) {
		const auto c = static_cast<unsigned char>(pattern[i]);
		if (c == '%' || c == '*') elems.push_back({Kind::AnyRun, 0});
		else if (c == '_') elems.push_back({Kind::AnyChar, 0});
		else if (c == '\\' && i + 1 < pattern.size()) elems.push_back({Kind::Byte, static_cast<unsigned char>(pattern[++i])});
		else elems.push_back({Kind::Byte, c});
	}
	const std::size_t n = text.size();
	std::vector<std::vector<bool>> reach(elems.size() + 1, std::vector<bool>(n + 1, false));
	reach[0][0] = true;
	for (std::size_t i = 0; i < elems.size(); i++) {
		for (std::size_t j = 0; j <= n; j++) {
			if (!reach[i][j]) continue;
			const Element &e = elems[i];
			if (e.kind == Kind::AnyRun) {
				for (std::size_t k = j; k <= n; k += (k < n ? CharLen(static_cast<unsigned char>(text[k])) : 1)) reach[i + 1][k] = true;
			} else if (e.kind == Kind::AnyChar) {
				if (j < n) reach[i + 1][j + CharLen(static_cast<unsigned char>(text[j]))] = true;
			} else if (j < n && Fold(static_cast<unsigned char>(text[j]), ci) == Fold(e.byte, ci)) {
				reach[i + 1][j + 1] = true;
			}
		}
	}
	return reach[elems.size()][n];
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1) return 0;
	const bool ci = data[0] & 1;
	const std::string_view rest(reinterpret_cast<const char *>(data + 1), size - 1);
	const std::size_t cut = rest.find('\0');
	if (cut == std::string_view::npos) return 0;
	const std::string_view pattern = rest.substr(0, cut), text = rest.substr(cut + 1);
	if (pattern.size() > 300 || text.size() > 512) return 0;
	if (!walcast::IsValidUtf8(pattern) || !walcast::IsValidUtf8(text)) return 0;
	const walcast::channels::LikePattern compiled(pattern, ci);
	FUZZ_CHECK(compiled.Matches(text) == Reference(pattern, text, ci));
	return 0;
}
