// The escaper must write text exactly as PostgreSQL's escape_json does, since jsonb_out/to_jsonb use it.
#include "pure/json_escape.hpp"

#include "json_escape_reference.hpp"

#include <gtest/gtest.h>

#include <random>
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

using walcast::testing::ReferenceQuotedJson;

TEST(JsonEscape, EscapesAroundChunkBoundaries)
{
	using walcast::json::kQuoteChunk;
	for (size_t len : {kQuoteChunk - 1, kQuoteChunk, kQuoteChunk + 1, 2 * kQuoteChunk, 2 * kQuoteChunk + 3}) {
		for (size_t at : {size_t{0}, kQuoteChunk - 1, kQuoteChunk, kQuoteChunk + 1, len - 1}) {
			if (at >= len)
				continue;
			std::string s(len, 'a');
			s[at] = '\x01';
			EXPECT_EQ(Quoted(s), ReferenceQuotedJson(s)) << "len " << len << ", escape at " << at;
		}
	}
}

TEST(JsonEscape, ValueOfOnlyWorstCaseEscapesSpanningChunks)
{
	std::string s(3 * walcast::json::kQuoteChunk + 7, '\x1f');
	std::string out = Quoted(s);
	EXPECT_EQ(out.size(), s.size() * 6 + 2);
	EXPECT_EQ(out, ReferenceQuotedJson(s));
}

TEST(JsonEscape, MatchesByteAtATimeReferenceOnRandomInput)
{
	std::mt19937 rng(7);
	// Bytes drawn mostly from the ones that need escaping, so runs and escapes alternate at every offset.
	const std::string alphabet = std::string("\0\x01\x1f\"\\\b\f\n\r\t/\x7f\xc3\xa9", 14) + "abc xyz";
	for (int round = 0; round < 300; round++) {
		size_t len = rng() % (round < 250 ? 64 : 3 * walcast::json::kQuoteChunk);
		std::string s;
		for (size_t i = 0; i < len; i++)
			s += alphabet[rng() % alphabet.size()];
		ASSERT_EQ(Quoted(s), ReferenceQuotedJson(s)) << "round " << round;
	}
}
