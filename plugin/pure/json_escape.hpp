// JSON string literals, written byte-for-byte the way PostgreSQL's escape_json() writes them, so what the
// plugin emits for text is identical to what to_jsonb()/jsonb_out produce for the same value.
//
// Postgres-free on purpose: the same template serves the backend (with a StringInfo sink) and the unit tests
// (with a std::string sink). A sink needs Append(const char *, size_t) and Push(char).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace walcast::json {

// True for bytes that escape_json() copies through unchanged.
constexpr bool IsPlainByte(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\';
}

// Appends `len` bytes of `s` as a quoted JSON string. Runs of plain bytes are appended in one call, which keeps
// multi-megabyte values cheap; non-ASCII bytes pass through, as PostgreSQL keeps UTF-8 as is.
template <typename Sink>
void AppendQuoted(Sink &sink, const char *s, size_t len)
{
	static const char kHex[] = "0123456789abcdef";
	sink.Push('"');
	size_t run_start = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = static_cast<unsigned char>(s[i]);
		if (IsPlainByte(c))
			continue;
		if (i > run_start)
			sink.Append(s + run_start, i - run_start);
		run_start = i + 1;
		switch (c) {
		case '"': sink.Append("\\\"", 2); break;
		case '\\': sink.Append("\\\\", 2); break;
		case '\b': sink.Append("\\b", 2); break;
		case '\f': sink.Append("\\f", 2); break;
		case '\n': sink.Append("\\n", 2); break;
		case '\r': sink.Append("\\r", 2); break;
		case '\t': sink.Append("\\t", 2); break;
		default: {
			char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
			sink.Append(esc, sizeof esc);
		}
		}
	}
	if (len > run_start)
		sink.Append(s + run_start, len - run_start);
	sink.Push('"');
}

// A sink over std::string, for tests and for code that runs outside the backend.
struct StringSink {
	std::string &out;
	void Append(const char *s, size_t n) { out.append(s, n); }
	void Push(char c) { out.push_back(c); }
};

// Convenience for tests: the quoted JSON form of `s`.
std::string Quoted(std::string_view s);

} // namespace walcast::json
