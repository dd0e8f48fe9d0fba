// JSON string literals, written byte-for-byte the way PostgreSQL's escape_json() writes them, so what the
// plugin emits for text is identical to what to_jsonb()/jsonb_out produce for the same value.
//
// Postgres-free on purpose: the same template serves the backend (with a StringInfo sink) and the unit tests
// (with a std::string sink). A sink needs Reserve(n), which makes room for n more bytes and returns where they
// go, and Commit(n), which keeps the first n of them.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace walcast::json {

// True for bytes that escape_json() copies through unchanged.
constexpr bool IsPlainByte(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\';
}

// An escaped byte is at most six bytes (\u00XX).
constexpr size_t kMaxEscapedLen = 6;

// Input is escaped in chunks of this many bytes, each written into space reserved once for its worst case.
// Reserving for the whole value instead could ask for six times a huge value up front; a chunk keeps the
// over-reservation small while the per-call cost is paid once per 4 KB, not once per escape.
constexpr size_t kQuoteChunk = 4096;

// Writes the escape sequence for a byte that is not plain; returns the end of what it wrote.
inline char *WriteEscape(char *w, unsigned char c)
{
	static const char kHex[] = "0123456789abcdef";
	w[0] = '\\';
	switch (c) {
	case '"': w[1] = '"'; return w + 2;
	case '\\': w[1] = '\\'; return w + 2;
	case '\b': w[1] = 'b'; return w + 2;
	case '\f': w[1] = 'f'; return w + 2;
	case '\n': w[1] = 'n'; return w + 2;
	case '\r': w[1] = 'r'; return w + 2;
	case '\t': w[1] = 't'; return w + 2;
	default:
		w[1] = 'u';
		w[2] = '0';
		w[3] = '0';
		w[4] = kHex[c >> 4];
		w[5] = kHex[c & 0xF];
		return w + 6;
	}
}

// Appends `len` bytes of `s` as a quoted JSON string. Runs of plain bytes are copied with one memcpy, which
// keeps multi-megabyte values cheap; non-ASCII bytes pass through, as PostgreSQL keeps UTF-8 as is.
template <typename Sink>
void AppendQuoted(Sink &sink, const char *s, size_t len)
{
	size_t done = 0;
	do {
		const size_t n = len - done < kQuoteChunk ? len - done : kQuoteChunk;
		const bool first = done == 0;
		const bool last = done + n == len;
		// Room for the worst case of this chunk plus the quotes it may carry.
		char *const start = sink.Reserve(n * kMaxEscapedLen + 2);
		char *w = start;
		if (first)
			*w++ = '"';
		const char *p = s + done;
		const char *const end = p + n;
		while (p < end) {
			const char *run = p;
			while (p < end && IsPlainByte(static_cast<unsigned char>(*p)))
				p++;
			if (p > run) {
				std::memcpy(w, run, static_cast<size_t>(p - run));
				w += p - run;
			}
			if (p < end)
				w = WriteEscape(w, static_cast<unsigned char>(*p++));
		}
		if (last)
			*w++ = '"';
		sink.Commit(static_cast<size_t>(w - start));
		done += n;
	} while (done < len);
}

// A sink over std::string, for tests and for code that runs outside the backend.
struct StringSink {
	std::string &out;
	size_t mark = 0;
	char *Reserve(size_t n)
	{
		mark = out.size();
		out.resize(mark + n);
		return &out[mark];
	}
	void Commit(size_t n) { out.resize(mark + n); }
};

// Convenience for tests: the quoted JSON form of `s`.
std::string Quoted(std::string_view s);

} // namespace walcast::json
