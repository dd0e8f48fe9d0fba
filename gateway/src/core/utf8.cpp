#include "core/utf8.hpp"

namespace walcast {

bool IsValidUtf8(std::string_view text) {
	const auto* p = reinterpret_cast<const unsigned char*>(text.data());
	const auto* const end = p + text.size();
	while (p < end) {
		const unsigned char c = *p;
		if (c < 0x80) {
			++p;
			continue;
		}
		// The lead byte gives the length and the range the second byte must fall in (Table 3-7 of the
		// Unicode standard), which rules out overlong forms, surrogates and code points past U+10FFFF.
		std::size_t len;
		unsigned char lo = 0x80, hi = 0xBF;
		if (c >= 0xC2 && c <= 0xDF) len = 2;
		else if (c == 0xE0) len = 3, lo = 0xA0;
		else if (c == 0xED) len = 3, hi = 0x9F;
		else if (c >= 0xE1 && c <= 0xEF) len = 3;
		else if (c == 0xF0) len = 4, lo = 0x90;
		else if (c >= 0xF1 && c <= 0xF3) len = 4;
		else if (c == 0xF4) len = 4, hi = 0x8F;
		else return false;
		if (static_cast<std::size_t>(end - p) < len) return false;
		if (p[1] < lo || p[1] > hi) return false;
		for (std::size_t i = 2; i < len; ++i)
			if (p[i] < 0x80 || p[i] > 0xBF) return false;
		p += len;
	}
	return true;
}

}  // namespace walcast
