// The escaper must write text exactly as PostgreSQL's escape_json does, since jsonb_out/to_jsonb use it.
#include "pure/json_escape.hpp"

#include <gtest/gtest.h>

#include <string>

using walcast::json::Quoted;

TEST(JsonEscape, PlainTextIsQuotedOnly)
{
	EXPECT_EQ(Quoted("hello"), "\"hello\"");
	EXPECT_EQ(Quoted(""), "\"\"");
}

TEST(JsonEscape, QuoteAndBackslashAreEscaped)
{
	EXPECT_EQ(Quoted("a\"b"), "\"a\\\"b\"");
	EXPECT_EQ(Quoted("a\\b"), "\"a\\\\b\"");
	EXPECT_EQ(Quoted("\\\""), "\"\\\\\\\"\"");
}

TEST(JsonEscape, NamedControlCharactersUseShortEscapes)
{
	EXPECT_EQ(Quoted("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"");
}

TEST(JsonEscape, OtherControlCharactersUseLowerCaseUnicodeEscapes)
{
	EXPECT_EQ(Quoted(std::string("\x01", 1)), "\"\\u0001\"");
	EXPECT_EQ(Quoted("\x1f"), "\"\\u001f\"");
	EXPECT_EQ(Quoted("\x1b[0m"), "\"\\u001b[0m\"");
}

TEST(JsonEscape, EmbeddedNulIsEscapedNotTruncated)
{
	EXPECT_EQ(Quoted(std::string("a\0b", 3)), "\"a\\u0000b\"");
}

TEST(JsonEscape, DeleteAndSlashPassThrough)
{
	// escape_json leaves 0x7f and '/' alone.
	EXPECT_EQ(Quoted("\x7f/"), "\"\x7f/\"");
}

TEST(JsonEscape, NonAsciiUtf8PassesThroughByteForByte)
{
	EXPECT_EQ(Quoted("caf\xc3\xa9 \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
}

TEST(JsonEscape, RunsAroundEscapesAreKept)
{
	EXPECT_EQ(Quoted("ab\ncd\"ef"), "\"ab\\ncd\\\"ef\"");
	EXPECT_EQ(Quoted("\n"), "\"\\n\"");
	EXPECT_EQ(Quoted("x\n"), "\"x\\n\"");
	EXPECT_EQ(Quoted("\nx"), "\"\\nx\"");
}

TEST(JsonEscape, LargeValueIsEscapedWhole)
{
	std::string big(1 << 20, 'x');
	big[12345] = '"';
	std::string out = Quoted(big);
	EXPECT_EQ(out.size(), big.size() + 3);
	EXPECT_EQ(out.substr(12345, 4), "x\\\"x");
}

TEST(JsonEscape, AppendsToExistingSink)
{
	std::string out = "{\"k\":";
	walcast::json::StringSink sink{out};
	walcast::json::AppendQuoted(sink, "v\t", 2);
	EXPECT_EQ(out, "{\"k\":\"v\\t\"");
}
