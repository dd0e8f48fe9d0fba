// The message checker must accept exactly the JSON every consumer takes, and must never recurse.
#include "pure/json_check.hpp"

#include <gtest/gtest.h>

#include <string>

using walcast::json::CheckJson;
using walcast::json::CheckLimits;
using walcast::json::Verdict;

namespace {

constexpr CheckLimits kDefault{31, true};

Verdict Check(const std::string &s, CheckLimits limits = kDefault)
{
	return CheckJson(s.data(), s.size(), limits);
}

std::string Nested(size_t depth, const char *open = "[", const char *inner = "1", const char *close = "]")
{
	std::string s;
	for (size_t i = 0; i < depth; i++)
		s += open;
	s += inner;
	for (size_t i = 0; i < depth; i++)
		s += close;
	return s;
}

} // namespace

TEST(JsonCheck, AcceptsEveryKindOfValue)
{
	for (const char *ok : {"0", "-0", "42", "-1.5e-3", "1E+2", "0.25", "true", "false", "null", "\"\"", "\"s\"",
						   "[]", "{}", "[1,2,[3]]", "{\"a\":{\"b\":[true,null]}}", " \t\r\n{ \"a\" : [ ] }\n ",
						   "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0041 \\u00e9 \\u20AC\"", "\"\\ud83d\\ude00\"",
						   "{\"dup\":1,\"dup\":2}", "\"caf\xc3\xa9\""})
		EXPECT_EQ(Check(ok), Verdict::Accepted) << ok;
}

TEST(JsonCheck, RefusesWhatIsNotRfc8259)
{
	for (const char *bad : {"", " ", "{", "}", "[1,]", "[,1]", "{\"a\"}", "{\"a\":}", "{a:1}", "{\"a\":1,}", "[1 2]",
							"1 2", "01", "-", "+1", ".5", "1.", "1e", "1e+", "0x10", "NaN", "Infinity", "tru", "nul",
							"truex", "'s'", "\"open", "\"a\\x\"", "\"\\u12\"", "\"\\u12g4\"", "\"tab\there\"",
							"\"nl\nhere\"", "[1]]", "{\"a\":1}}", "\f1", "1\v", "\xc3\xa9", "[\xff]", "\"\\\"",
							"{\"a\" 1}", "[true false]", "{\"a\":1 \"b\":2}", "{1:2}"})
		EXPECT_EQ(Check(std::string(bad)), Verdict::NotJson) << bad;
	// An embedded NUL byte is not whitespace or a token.
	EXPECT_EQ(Check(std::string("1\0", 2)), Verdict::NotJson);
	EXPECT_EQ(Check(std::string("\"a\0\"", 4)), Verdict::NotJson);
}

TEST(JsonCheck, DepthEdges)
{
	EXPECT_EQ(Check(Nested(31)), Verdict::Accepted);
	EXPECT_EQ(Check(Nested(32)), Verdict::TooDeep);
	EXPECT_EQ(Check(Nested(31, "{\"k\":", "1", "}")), Verdict::Accepted);
	EXPECT_EQ(Check(Nested(32, "{\"k\":", "1", "}")), Verdict::TooDeep);
	// Depth counts open containers, not values: siblings do not add up.
	EXPECT_EQ(Check("[" + Nested(30) + "," + Nested(30) + "]"), Verdict::Accepted);
	EXPECT_EQ(Check("1", {0, true}), Verdict::Accepted);
	EXPECT_EQ(Check("[]", {0, true}), Verdict::TooDeep);
	EXPECT_EQ(Check("[]", {1, true}), Verdict::Accepted);
	EXPECT_EQ(Check(Nested(1000), {1000, true}), Verdict::Accepted);
	EXPECT_EQ(Check(Nested(1001), {1000, true}), Verdict::TooDeep);
	// Limits above the checker's own bound are clamped to it.
	EXPECT_EQ(Check(Nested(1001), {5000, true}), Verdict::TooDeep);
}

TEST(JsonCheck, HostileNestingNeedsNoStack)
{
	// The attack that wedged slots: 200,000 unclosed brackets, and a balanced variant far past the limit.
	EXPECT_EQ(Check(std::string(200000, '[')), Verdict::TooDeep);
	EXPECT_EQ(Check(Nested(200000)), Verdict::TooDeep);
	EXPECT_EQ(Check(std::string(200000, '['), {1000, true}), Verdict::TooDeep);
	// Unbalanced closers are refused as soon as they appear.
	EXPECT_EQ(Check(std::string(200000, ']')), Verdict::NotJson);
}

TEST(JsonCheck, MixedContainersCloseWithTheirOwnBracket)
{
	// 64+ levels cross a word of the container bitmap.
	std::string s;
	for (int i = 0; i < 130; i++)
		s += (i % 3 == 0) ? "{\"k\":" : "[";
	s += "0";
	for (int i = 129; i >= 0; i--)
		s += (i % 3 == 0) ? "}" : "]";
	EXPECT_EQ(Check(s, {1000, true}), Verdict::Accepted);
	std::string swapped = s;
	swapped[swapped.size() - 1] = ']'; // the outermost is an object
	EXPECT_EQ(Check(swapped, {1000, true}), Verdict::NotJson);
	EXPECT_EQ(Check("[1}", kDefault), Verdict::NotJson);
	EXPECT_EQ(Check("{\"a\":1]", kDefault), Verdict::NotJson);
}

TEST(JsonCheck, NulEscapeIsRefused)
{
	EXPECT_EQ(Check("\"\\u0000\""), Verdict::NulEscape);
	EXPECT_EQ(Check("{\"a\":\"x\\u0000y\"}"), Verdict::NulEscape);
	EXPECT_EQ(Check("{\"\\u0000\":1}"), Verdict::NulEscape); // in a member name too
	EXPECT_EQ(Check("\"\\u0001\""), Verdict::Accepted);
}

TEST(JsonCheck, SurrogatesMustBeOrderedPairs)
{
	EXPECT_EQ(Check("\"\\uD83D\\uDE00\""), Verdict::Accepted);
	EXPECT_EQ(Check("\"\\udbff\\udfff\""), Verdict::Accepted);
	EXPECT_EQ(Check("\"\\ud800\""), Verdict::LoneSurrogate);
	EXPECT_EQ(Check("\"\\udc00\""), Verdict::LoneSurrogate);
	EXPECT_EQ(Check("\"\\udc00\\ud800\""), Verdict::LoneSurrogate);
	EXPECT_EQ(Check("\"\\ud800\\ud800\""), Verdict::LoneSurrogate);
	EXPECT_EQ(Check("\"\\ud800x\""), Verdict::LoneSurrogate);
	EXPECT_EQ(Check("\"\\ud800\\n\""), Verdict::LoneSurrogate);
	EXPECT_EQ(Check("\"\\ud800\\u0041\""), Verdict::LoneSurrogate);
	EXPECT_EQ(Check("[\"\\ud800"), Verdict::LoneSurrogate);
}

TEST(JsonCheck, NumberRule)
{
	const std::string digits1000(1000, '7');
	EXPECT_EQ(Check("0." + digits1000.substr(1)), Verdict::Accepted);           // 1000 digits
	EXPECT_EQ(Check("0." + digits1000), Verdict::NumberOutOfRange);             // 1001 digits
	EXPECT_EQ(Check("-" + std::string(1000, '1') + "e-700"), Verdict::Accepted); // below 1e308
	EXPECT_EQ(Check("1" + std::string(307, '0')), Verdict::Accepted);          // 1e307, 308 digits
	EXPECT_EQ(Check("1" + std::string(308, '0')), Verdict::NumberOutOfRange);  // 309 digits
	EXPECT_EQ(Check("9.99e307"), Verdict::Accepted);
	EXPECT_EQ(Check("1e308"), Verdict::NumberOutOfRange);
	EXPECT_EQ(Check("1e307"), Verdict::Accepted);
	EXPECT_EQ(Check("12e306"), Verdict::Accepted);
	EXPECT_EQ(Check("12e307"), Verdict::NumberOutOfRange);
	EXPECT_EQ(Check("1e-1000"), Verdict::Accepted);
	EXPECT_EQ(Check("1e-1001"), Verdict::NumberOutOfRange);
	EXPECT_EQ(Check("0e-20000"), Verdict::NumberOutOfRange); // numeric refuses a scale above 16383
	EXPECT_EQ(Check("1e999999999999999999999999999"), Verdict::NumberOutOfRange);
	EXPECT_EQ(Check("1E+0000000000000000000000000002"), Verdict::Accepted); // leading zeros do not saturate
	EXPECT_EQ(Check("[1,1e400]"), Verdict::NumberOutOfRange);
}

TEST(JsonCheck, NonAsciiEscapesOnlyWhenAllowed)
{
	constexpr CheckLimits kNotUtf8{31, false};
	EXPECT_EQ(Check("\"\\u007f\"", kNotUtf8), Verdict::Accepted);
	EXPECT_EQ(Check("\"\\u0080\"", kNotUtf8), Verdict::NonAsciiEscape);
	EXPECT_EQ(Check("\"\\ud83d\\ude00\"", kNotUtf8), Verdict::NonAsciiEscape);
	// Raw bytes >= 0x80 in strings are the database encoding's business, already verified by the caller.
	EXPECT_EQ(Check("\"caf\xe9\"", kNotUtf8), Verdict::Accepted);
}

TEST(JsonCheck, VerdictTexts)
{
	EXPECT_STREQ(walcast::json::VerdictText(Verdict::TooDeep), "nested too deeply");
	EXPECT_STREQ(walcast::json::VerdictText(Verdict::Accepted), "acceptable JSON");
}
