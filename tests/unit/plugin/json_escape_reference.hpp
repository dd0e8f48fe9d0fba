#pragma once
// PostgreSQL's escape_json() rules written the plainest way, one byte at a time: the reference the plugin's
// chunked escaper (plugin/pure/json_escape) is checked against, by its unit tests and by its fuzz target.

#include <string>
#include <string_view>

namespace walcast::testing {

inline std::string ReferenceQuotedJson(std::string_view s)
{
	static const char kHex[] = "0123456789abcdef";
	std::string out = "\"";
	for (unsigned char c : s) {
		switch (c) {
		case '"': out += "\\\""; break;
		case '\\': out += "\\\\"; break;
		case '\b': out += "\\b"; break;
		case '\f': out += "\\f"; break;
		case '\n': out += "\\n"; break;
		case '\r': out += "\\r"; break;
		case '\t': out += "\\t"; break;
		default:
			if (c < 0x20) {
				out += "\\u00";
				out += kHex[c >> 4];
				out += kHex[c & 0xF];
			} else {
				out += static_cast<char>(c);
			}
		}
	}
	return out + "\"";
}

} // namespace walcast::testing
