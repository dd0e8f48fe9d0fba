// Each content form must write exactly the number of bytes its length function promised.
#include "pure/message_content.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

using namespace walcast;
using message::Form;

namespace {

std::string Write(Form form, const std::string &s)
{
	std::string out;
	json::StringSink sink{out};
	message::AppendContent(sink, form, s.data(), s.size());
	return out;
}

} // namespace

TEST(MessageContent, JsonFormIsOneLine)
{
	EXPECT_EQ(Write(Form::Json, "{\n\t\"a\" :\r\n [1]\n}"), "{  \"a\" :   [1] }");
	EXPECT_EQ(Write(Form::Json, ""), "");
}

TEST(MessageContent, TextFormIsTheQuotedString)
{
	EXPECT_EQ(Write(Form::Text, "a\"b\n"), "\"a\\\"b\\n\"");
	EXPECT_EQ(Write(Form::Text, ""), "\"\"");
}

TEST(MessageContent, HexFormIsByteaText)
{
	EXPECT_EQ(Write(Form::Hex, std::string("\x00\xff" "A", 3)), "\"\\\\x00ff41\"");
	EXPECT_EQ(Write(Form::Hex, ""), "\"\\\\x\"");
}

TEST(MessageContent, LengthsAreExact)
{
	std::mt19937 rng(9);
	for (int round = 0; round < 2000; round++) {
		std::string s(rng() % 300, '\0');
		for (auto &c : s)
			c = static_cast<char>(rng() % 4 == 0 ? rng() % 0x20 : rng() % 256);
		for (Form form : {Form::Json, Form::Text, Form::Hex})
			ASSERT_EQ(message::Length(form, s.data(), s.size()), Write(form, s).size());
	}
	// Bigger than one escaping chunk, all worst-case bytes.
	std::string controls(10000, '\x01');
	EXPECT_EQ(message::Length(Form::Text, controls.data(), controls.size()), 60002u);
	EXPECT_EQ(Write(Form::Text, controls).size(), 60002u);
}
