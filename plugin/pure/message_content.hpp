// The three written forms of a logical message's content, with their exact sizes known before a byte is
// written, so a message too large for max-change-bytes is refused up front instead of failing an allocation
// halfway (a 1 GB message of control bytes would escape to 6 GB).
//
//  - Json: content that json::CheckJson accepts, copied as is except that raw \n, \r and \t (whitespace between
//    tokens: inside JSON strings they cannot occur raw) become spaces, so every object stays one line.
//  - Text: any other valid text, as a JSON string (escaped exactly as json::AppendQuoted escapes).
//  - Hex: bytes that are not valid in the database encoding, as the JSON string "\\x<hex>" (bytea's text form).
#pragma once

#include "pure/json_escape.hpp"

#include <cstddef>

namespace walcast::message {

enum class Form { Json, Text, Hex };

// Bytes json::AppendQuoted writes for `len` bytes of `s`, quotes included.
size_t QuotedLength(const char *s, size_t len);

// Bytes AppendHex writes for `len` bytes: the quotes, the escaped backslash, 'x' and two digits a byte.
constexpr size_t HexLength(size_t len)
{
	return 2 * len + 5;
}

template <typename Sink>
void AppendOneLine(Sink &sink, const char *s, size_t len)
{
	char *w = sink.Reserve(len);
	for (size_t i = 0; i < len; i++) {
		const char c = s[i];
		w[i] = (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
	}
	sink.Commit(len);
}

template <typename Sink>
void AppendHex(Sink &sink, const char *s, size_t len)
{
	static const char kHex[] = "0123456789abcdef";
	char *const start = sink.Reserve(HexLength(len));
	char *w = start;
	*w++ = '"';
	*w++ = '\\';
	*w++ = '\\';
	*w++ = 'x';
	for (size_t i = 0; i < len; i++) {
		const unsigned char c = static_cast<unsigned char>(s[i]);
		*w++ = kHex[c >> 4];
		*w++ = kHex[c & 0xF];
	}
	*w++ = '"';
	sink.Commit(static_cast<size_t>(w - start));
}

// Writes `s` in `form`; the caller has sized it with Length().
template <typename Sink>
void AppendContent(Sink &sink, Form form, const char *s, size_t len)
{
	switch (form) {
	case Form::Json: AppendOneLine(sink, s, len); return;
	case Form::Text: json::AppendQuoted(sink, s, len); return;
	case Form::Hex: AppendHex(sink, s, len); return;
	}
}

inline size_t Length(Form form, const char *s, size_t len)
{
	switch (form) {
	case Form::Json: return len;
	case Form::Text: return QuotedLength(s, len);
	case Form::Hex: return HexLength(len);
	}
	return 0;
}

} // namespace walcast::message
