#include "pure/options.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using walcast::ApplyOption;
using walcast::DecodingOptions;
using walcast::kErrorBufSize;
using walcast::NameListCursor;
using walcast::NameToken;
using walcast::NextName;
using walcast::ParseBool;

namespace {

// All names of a list, or the error text prefixed with "error: ".
std::vector<std::string> Names(const char *list)
{
	NameListCursor cursor{list};
	char name[walcast::kMaxNameLen + 1];
	const char *error = nullptr;
	std::vector<std::string> out;
	for (;;) {
		NameToken tok = NextName(cursor, name, &error);
		if (tok == NameToken::End)
			return out;
		if (tok == NameToken::Error)
			return {std::string("error: ") + error};
		out.emplace_back(name);
	}
}

bool Bool(const char *text, bool *value)
{
	return ParseBool(text, value);
}

} // namespace

TEST(ParseBool, AcceptsWhatPostgresAccepts)
{
	const char *truthy[] = {"t", "tr", "true", "TRUE", "True", "y", "yes", "YES", "on", "ON", "1"};
	const char *falsy[] = {"f", "fa", "false", "FALSE", "n", "no", "NO", "of", "off", "OFF", "0"};
	for (const char *t : truthy) {
		bool v = false;
		EXPECT_TRUE(Bool(t, &v)) << t;
		EXPECT_TRUE(v) << t;
	}
	for (const char *f : falsy) {
		bool v = true;
		EXPECT_TRUE(Bool(f, &v)) << f;
		EXPECT_FALSE(v) << f;
	}
}

TEST(ParseBool, RejectsEverythingElse)
{
	const char *bad[] = {"", "o", "2", "10", "truee", "yess", "onn", "maybe", " true", "true ", "-1"};
	for (const char *b : bad) {
		bool v = false;
		EXPECT_FALSE(Bool(b, &v)) << '"' << b << '"';
	}
}

TEST(Options, DefaultsAreDocumented)
{
	DecodingOptions opts;
	EXPECT_FALSE(opts.include_lsn);
	EXPECT_FALSE(opts.include_xid);
	EXPECT_FALSE(opts.include_transaction);
	EXPECT_FALSE(opts.include_pk);
	EXPECT_TRUE(opts.include_messages);
	EXPECT_TRUE(opts.include_truncate);
	EXPECT_TRUE(opts.include_columns);
	EXPECT_EQ(opts.publication, nullptr);
}

TEST(Options, EveryBoolOptionIsSetByItsName)
{
	for (size_t i = 0; i < walcast::kOptionSpecCount; i++) {
		const auto &spec = walcast::kOptionSpecs[i];
		if (spec.kind != walcast::OptionKind::Bool)
			continue;
		DecodingOptions opts;
		char error[kErrorBufSize];
		ASSERT_TRUE(ApplyOption(opts, spec.name, "off", error)) << spec.name;
		EXPECT_FALSE(opts.*(spec.flag)) << spec.name;
		ASSERT_TRUE(ApplyOption(opts, spec.name, "on", error)) << spec.name;
		EXPECT_TRUE(opts.*(spec.flag)) << spec.name;
	}
}

TEST(Options, NoValueMeansTrue)
{
	DecodingOptions opts;
	char error[kErrorBufSize];
	ASSERT_TRUE(ApplyOption(opts, "include-lsn", nullptr, error));
	EXPECT_TRUE(opts.include_lsn);
}

TEST(Options, UnknownNameIsAnErrorThatListsValidNames)
{
	DecodingOptions opts;
	char error[kErrorBufSize];
	EXPECT_FALSE(ApplyOption(opts, "include-lsns", "1", error));
	std::string msg(error);
	EXPECT_NE(msg.find("unrecognized walcast option \"include-lsns\""), std::string::npos) << msg;
	EXPECT_NE(msg.find("include-transaction"), std::string::npos) << msg;
}

TEST(Options, NamesAreCaseSensitiveLikeOtherPlugins)
{
	DecodingOptions opts;
	char error[kErrorBufSize];
	EXPECT_FALSE(ApplyOption(opts, "Include-LSN", "1", error));
}

TEST(Options, BadBooleanIsAnError)
{
	DecodingOptions opts;
	char error[kErrorBufSize];
	EXPECT_FALSE(ApplyOption(opts, "include-xid", "maybe", error));
	EXPECT_STREQ(error, "walcast option \"include-xid\" requires a boolean value, got \"maybe\"");
	EXPECT_FALSE(opts.include_xid);
}

TEST(Options, PublicationNeedsAValidList)
{
	DecodingOptions opts;
	char error[kErrorBufSize];
	EXPECT_FALSE(ApplyOption(opts, "publication", nullptr, error));
	EXPECT_STREQ(error, "walcast option \"publication\" requires a value");
	EXPECT_FALSE(ApplyOption(opts, "publication", "", error));
	EXPECT_NE(std::string(error).find("no name given"), std::string::npos) << error;
	EXPECT_FALSE(ApplyOption(opts, "publication", "a,,b", error));
	EXPECT_NE(std::string(error).find("empty name"), std::string::npos) << error;
	EXPECT_EQ(opts.publication, nullptr);
	ASSERT_TRUE(ApplyOption(opts, "publication", "a, b", error));
	EXPECT_STREQ(opts.publication, "a, b");
}

TEST(NameList, SplitsOnCommasAndTrimsSpaces)
{
	EXPECT_EQ(Names("a"), (std::vector<std::string>{"a"}));
	EXPECT_EQ(Names(" a , b,c "), (std::vector<std::string>{"a", "b", "c"}));
	EXPECT_EQ(Names("supabase_realtime"), (std::vector<std::string>{"supabase_realtime"}));
}

TEST(NameList, UnquotedNamesAreFoldedToLowerCase)
{
	EXPECT_EQ(Names("MyPub"), (std::vector<std::string>{"mypub"}));
}

TEST(NameList, QuotedNamesKeepCaseCommasSpacesAndDoubledQuotes)
{
	EXPECT_EQ(Names("\"My Pub\", \"a,b\""), (std::vector<std::string>{"My Pub", "a,b"}));
	EXPECT_EQ(Names("\"say \"\"hi\"\"\""), (std::vector<std::string>{"say \"hi\""}));
}

TEST(NameList, EmptyListHasNoNames)
{
	EXPECT_TRUE(Names("").empty());
	EXPECT_TRUE(Names("   ").empty());
}

TEST(NameList, MalformedListsAreErrors)
{
	EXPECT_EQ(Names("a,"), (std::vector<std::string>{"error: empty name after a comma"}));
	EXPECT_EQ(Names(",a"), (std::vector<std::string>{"error: empty name"}));
	EXPECT_EQ(Names("a b"), (std::vector<std::string>{"error: names must be separated by commas"}));
	EXPECT_EQ(Names("\"open"), (std::vector<std::string>{"error: unterminated quoted name"}));
	EXPECT_EQ(Names("\"\""), (std::vector<std::string>{"error: empty quoted name"}));
	EXPECT_EQ(Names("a\"b"), (std::vector<std::string>{"error: quote inside an unquoted name"}));
}

TEST(NameList, NamesLongerThanPostgresAllowsAreErrors)
{
	std::string ok(63, 'p');
	std::string too_long(64, 'p');
	EXPECT_EQ(Names(ok.c_str()), (std::vector<std::string>{ok}));
	EXPECT_EQ(Names(too_long.c_str()), (std::vector<std::string>{"error: name longer than 63 bytes"}));
	std::string quoted_too_long = "\"" + too_long + "\"";
	EXPECT_EQ(Names(quoted_too_long.c_str()), (std::vector<std::string>{"error: name longer than 63 bytes"}));
}

TEST(MaxChangeBytes, DefaultAndEdges)
{
	DecodingOptions opts;
	char error[kErrorBufSize];
	EXPECT_EQ(opts.max_change_bytes, size_t{128} << 20);
	ASSERT_TRUE(ApplyOption(opts, "max-change-bytes", "1024", error)) << error;
	EXPECT_EQ(opts.max_change_bytes, 1024u);
	ASSERT_TRUE(ApplyOption(opts, "max-change-bytes", "268435456", error)) << error;
	EXPECT_EQ(opts.max_change_bytes, size_t{256} << 20);
	for (const char *bad : {"1023", "268435457", "", "12k", "-5", "99999999999999999999999999", " 2000"}) {
		EXPECT_FALSE(ApplyOption(opts, "max-change-bytes", bad, error)) << bad;
		EXPECT_NE(std::string(error).find("byte count from 1024 to 268435456"), std::string::npos) << error;
	}
	EXPECT_FALSE(ApplyOption(opts, "max-change-bytes", nullptr, error));
	EXPECT_EQ(opts.max_change_bytes, size_t{256} << 20); // a rejected value changes nothing
}

TEST(MaxMessageDepth, DefaultAndEdges)
{
	DecodingOptions opts;
	char error[kErrorBufSize];
	EXPECT_EQ(opts.max_message_depth, 512u);
	ASSERT_TRUE(ApplyOption(opts, "max-message-depth", "0", error)) << error;
	EXPECT_EQ(opts.max_message_depth, 0u);
	ASSERT_TRUE(ApplyOption(opts, "max-message-depth", "1000", error)) << error;
	EXPECT_EQ(opts.max_message_depth, 1000u);
	for (const char *bad : {"1001", "", "-1", "3x", " 5", "99999999999999999999999999", "+4"}) {
		EXPECT_FALSE(ApplyOption(opts, "max-message-depth", bad, error)) << bad;
		EXPECT_NE(std::string(error).find("requires a depth from 0 to 1000"), std::string::npos) << error;
	}
	EXPECT_FALSE(ApplyOption(opts, "max-message-depth", nullptr, error));
	EXPECT_EQ(opts.max_message_depth, 1000u); // a rejected value changes nothing
}
