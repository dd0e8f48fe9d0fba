// QuotedLength must predict the escaper's output length exactly: a change is judged too large (or not) by it
// before the text is written, and an off-by-one would cut or pass an object at the max-change-bytes edge.
#include "pure/json_escape.hpp"
#include "pure/json_size.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

using walcast::json::Quoted;
using walcast::json::QuotedLength;

TEST(JsonSize, EveryByteAlone)
{
	for (int c = 0; c < 256; c++) {
		std::string s(1, static_cast<char>(c));
		EXPECT_EQ(QuotedLength(s.data(), s.size()), Quoted(s).size()) << c;
	}
}

TEST(JsonSize, EmptyAndKnownStrings)
{
	EXPECT_EQ(QuotedLength("", 0), 2u);
	EXPECT_EQ(QuotedLength("a\"b\\c\n\x01", 7), std::string("\"a\\\"b\\\\c\\n\\u0001\"").size());
}

TEST(JsonSize, RandomStringsAcrossEscapeChunks)
{
	std::mt19937 rng(7);
	for (int round = 0; round < 200; round++) {
		std::string s(rng() % 20000, '\0');
		for (auto &ch : s)
			ch = static_cast<char>(rng() % 4 == 0 ? rng() % 32 : rng() % 256);
		EXPECT_EQ(QuotedLength(s.data(), s.size()), Quoted(s).size());
	}
}
