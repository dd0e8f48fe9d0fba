// The REST broadcast body rules (ParseRestBroadcast): what is accepted, and the status of each refusal.

#include "net/rest_broadcast.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace walcast::net {
namespace {

namespace json = boost::json;

constexpr std::size_t kMax = 3;

RestBroadcastParse Batch(std::string_view body, std::size_t max = kMax) { return ParseRestBroadcast(body, "", "", false, max); }

// A batch body with one message whose topic / event are the given JSON values.
std::string OneMessage(std::string_view topic_json, std::string_view event_json, std::string_view extra = "") {
	return R"({"messages":[{"topic":)" + std::string(topic_json) + R"(,"event":)" + std::string(event_json) +
	       std::string(extra) + "}]}";
}

std::string Quoted(std::string_view s) { return json::serialize(json::value(s)); }

void ExpectRefused(const RestBroadcastParse& p, unsigned status, std::string_view needle = {}) {
	EXPECT_EQ(p.status, status) << p.error;
	EXPECT_TRUE(p.messages.empty());
	EXPECT_FALSE(p.error.empty());
	if (!needle.empty()) EXPECT_NE(p.error.find(needle), std::string::npos) << p.error;
}

TEST(RestBroadcast, BatchFormIsAccepted) {
	auto p = Batch(R"({"messages":[
		{"topic":"room1","event":"e1","payload":{"a":1}},
		{"topic":"room1","event":"e2","payload":[1,2],"private":true},
		{"topic":"caf\u00e9","event":"e3","private":false}]})");
	ASSERT_EQ(p.status, 202u) << p.error;
	EXPECT_TRUE(p.error.empty());
	ASSERT_EQ(p.messages.size(), 3u);
	EXPECT_EQ(p.messages[0].topic, "room1");
	EXPECT_EQ(p.messages[0].event, "e1");
	EXPECT_EQ(p.messages[0].payload, json::parse(R"({"a":1})"));
	EXPECT_FALSE(p.messages[0].is_private);
	EXPECT_EQ(p.messages[1].payload, json::parse("[1,2]"));
	EXPECT_TRUE(p.messages[1].is_private);
	EXPECT_EQ(p.messages[2].topic, "caf\xc3\xa9");
	EXPECT_EQ(p.messages[2].payload, json::object());  // no payload: an empty map
	EXPECT_FALSE(p.messages[2].is_private);
}

TEST(RestBroadcast, BodyThatIsNotJsonIs400) {
	for (std::string_view body : {"", "not json", "{\"messages\":[", "{}{}"})
		ExpectRefused(Batch(body), 400, "not JSON");
	// The single form takes any JSON, but it must be JSON.
	ExpectRefused(ParseRestBroadcast("{oops", "room1", "e", false, kMax), 400, "not JSON");
}

TEST(RestBroadcast, MissingOrMistypedMessagesIs400) {
	for (std::string_view body : {"{}", "[]", "5", R"({"messages":{}})", R"({"messages":"x"})", R"({"message":[]})",
	                              R"({"messages":null})"})
		ExpectRefused(Batch(body), 400, "messages");
}

TEST(RestBroadcast, EmptyMessagesIs400) { ExpectRefused(Batch(R"({"messages":[]})"), 400, "empty"); }

TEST(RestBroadcast, AMessageThatIsNotAnObjectIs400) {
	ExpectRefused(Batch(R"({"messages":[{"topic":"a","event":"e"},5]})"), 400, "messages[1]");
}

TEST(RestBroadcast, MoreThanTheMaximumIs413AndExactlyTheMaximumIsAccepted) {
	auto body = [](std::size_t n) {
		std::string s = R"({"messages":[)";
		for (std::size_t i = 0; i < n; ++i) s += std::string(i ? "," : "") + R"({"topic":"t","event":"e"})";
		return s + "]}";
	};
	auto at_max = Batch(body(kMax));
	EXPECT_EQ(at_max.status, 202u) << at_max.error;
	EXPECT_EQ(at_max.messages.size(), kMax);
	auto over = Batch(body(kMax + 1));
	ExpectRefused(over, 413, "MAX_BROADCAST_MESSAGES");
	// The count is refused before any message is looked at: even malformed ones beyond the maximum give 413.
	ExpectRefused(Batch(R"({"messages":[1,2,3,4]})"), 413);
	EXPECT_EQ(Batch(body(1), 1).status, 202u);
	ExpectRefused(Batch(body(2), 1), 413);
}

TEST(RestBroadcast, TopicAndEventMustBeStrings) {
	for (std::string_view bad : {"5", "null", "true", "{}", "[\"a\"]"}) {
		ExpectRefused(Batch(OneMessage(bad, "\"e\"")), 400, "topic");
		ExpectRefused(Batch(OneMessage("\"t\"", bad)), 400, "event");
	}
	ExpectRefused(Batch(R"({"messages":[{"event":"e"}]})"), 400, "topic");
	ExpectRefused(Batch(R"({"messages":[{"topic":"t"}]})"), 400, "event");
}

TEST(RestBroadcast, PrivateMustBeABoolean) {
	for (std::string_view bad : {"\"true\"", "1", "null", "{}"})
		ExpectRefused(Batch(OneMessage("\"t\"", "\"e\"", ",\"private\":" + std::string(bad))), 400, "private");
	EXPECT_EQ(Batch(OneMessage("\"t\"", "\"e\"", ",\"private\":true")).status, 202u);
}

TEST(RestBroadcast, NamesAreNonEmptyBoundedUtf8WithoutControlCharacters) {
	const std::string at_limit(255, 'a'), over_limit(256, 'a');
	EXPECT_EQ(Batch(OneMessage(Quoted(at_limit), Quoted(at_limit))).status, 202u);
	// Each bad name, as topic and as event, in both forms.
	for (const std::string& bad : {std::string(), over_limit, std::string("a\nb"), std::string("a\x01", 2),
	                               std::string("\x1f"), std::string("a\0b", 3)}) {
		ExpectRefused(Batch(OneMessage(Quoted(bad), "\"e\"")), 400, "topic");
		ExpectRefused(Batch(OneMessage("\"t\"", Quoted(bad))), 400, "event");
		if (!bad.empty()) {  // an empty path topic means the batch form
			ExpectRefused(ParseRestBroadcast("{}", bad, "e", false, kMax), 400, "topic");
		}
		ExpectRefused(ParseRestBroadcast("{}", "t", bad, false, kMax), 400, "event");
	}
	// Invalid UTF-8 cannot come through a JSON body (the parser refuses it), but it can through the path.
	for (const std::string& bad : {std::string("\xff"), std::string("a\xc3"), std::string("\xc0\xaf"),
	                               std::string("\xed\xa0\x80")}) {
		ExpectRefused(ParseRestBroadcast("{}", bad, "e", false, kMax), 400, "UTF-8");
		ExpectRefused(ParseRestBroadcast("{}", "t", bad, false, kMax), 400, "UTF-8");
	}
	// A multi-byte name is measured in bytes: 128 two-byte characters are 256 bytes.
	std::string wide;
	for (int i = 0; i < 128; ++i) wide += "\xc3\xa9";
	ExpectRefused(ParseRestBroadcast("{}", wide, "e", false, kMax), 400, "255");
	EXPECT_EQ(ParseRestBroadcast("{}", wide.substr(2), "e", false, kMax).status, 202u);
}

TEST(RestBroadcast, SingleFormTakesAnyJsonAsThePayload) {
	for (std::string_view body : {R"({"x":1})", "[1,2]", "\"text\"", "42", "null", "true", R"({"messages":[]})"}) {
		auto p = ParseRestBroadcast(body, "room1", "cursor", true, kMax);
		ASSERT_EQ(p.status, 202u) << body << ": " << p.error;
		ASSERT_EQ(p.messages.size(), 1u);
		EXPECT_EQ(p.messages[0].topic, "room1");
		EXPECT_EQ(p.messages[0].event, "cursor");
		EXPECT_EQ(p.messages[0].payload, json::parse(body)) << body;
		EXPECT_TRUE(p.messages[0].is_private);
	}
	auto pub = ParseRestBroadcast("{}", "room1", "cursor", false, kMax);
	ASSERT_EQ(pub.messages.size(), 1u);
	EXPECT_FALSE(pub.messages[0].is_private);
	// The maximum does not apply to the one message of the single form.
	EXPECT_EQ(ParseRestBroadcast("{}", "room1", "cursor", false, 0).status, 202u);
}

}  // namespace
}  // namespace walcast::net
