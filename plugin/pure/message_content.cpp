#include "pure/message_content.hpp"

namespace walcast::message {

size_t QuotedLength(const char *s, size_t len)
{
	size_t n = 2;
	for (size_t i = 0; i < len; i++) {
		const unsigned char c = static_cast<unsigned char>(s[i]);
		if (json::IsPlainByte(c))
			n += 1;
		else if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t')
			n += 2;
		else
			n += json::kMaxEscapedLen;
	}
	return n;
}

} // namespace walcast::message
