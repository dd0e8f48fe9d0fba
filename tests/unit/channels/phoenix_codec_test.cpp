#include "channels/phoenix_codec.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace walcast::channels {
namespace {

namespace json = boost::json;

TEST(PhoenixCodec, DecodesV2Array) {
	std::string error;
	auto msg = DecodeText(Serializer::V2, R"(["6","7","realtime:room1","phx_join",{"config":{}}])", error);
	ASSERT_TRUE(msg) << error;
	EXPECT_EQ(msg->join_ref, json::value("6"));
	EXPECT_EQ(msg->ref, json::value("7"));
	EXPECT_EQ(msg->topic, "realtime:room1");
	EXPECT_EQ(msg->event, "phx_join");
	EXPECT_TRUE(msg->payload.as_object().contains("config"));
	EXPECT_FALSE(msg->binary);
}

TEST(PhoenixCodec, V2AcceptsNullRefsAndExtraElements) {
	std::string error;
	auto msg = DecodeText(Serializer::V2, R"([null,"3","phoenix","heartbeat",{},"extra"])", error);
	ASSERT_TRUE(msg) << error;
	EXPECT_TRUE(msg->join_ref.is_null());
	EXPECT_EQ(msg->ref, json::value("3"));
}

TEST(PhoenixCodec, DecodesV1ObjectWithoutJoinRef) {
	std::string error;
	auto msg = DecodeText(Serializer::V1, R"({"topic":"phoenix","event":"heartbeat","payload":{},"ref":"1"})", error);
	ASSERT_TRUE(msg) << error;
	EXPECT_TRUE(msg->join_ref.is_null());
	EXPECT_EQ(msg->ref, json::value("1"));
	EXPECT_EQ(msg->event, "heartbeat");
}

TEST(PhoenixCodec, RejectsMalformedFrames) {
	std::string error;
	EXPECT_FALSE(DecodeText(Serializer::V2, "not json", error));
	EXPECT_FALSE(error.empty());
	EXPECT_FALSE(DecodeText(Serializer::V2, R"({"topic":"t","event":"e","payload":{},"ref":"1"})", error));
	EXPECT_FALSE(DecodeText(Serializer::V2, R"(["1","2","t","e"])", error));        // too short
	EXPECT_FALSE(DecodeText(Serializer::V2, R"(["1","2",5,"e",{}])", error));        // topic not a string
	EXPECT_FALSE(DecodeText(Serializer::V2, R"([{},"2","t","e",{}])", error));       // join_ref an object
	EXPECT_FALSE(DecodeText(Serializer::V1, R"(["1","2","t","e",{}])", error));      // array under vsn 1
	EXPECT_FALSE(DecodeText(Serializer::V1, R"({"topic":"t","event":"e","ref":"1"})", error));  // no payload
	EXPECT_FALSE(DecodeText(Serializer::V1, R"({"topic":"t","event":"e","payload":{}})", error));  // no ref
	// A number beyond a double would be relayed as the token Infinity, which no client can parse.
	EXPECT_FALSE(DecodeText(Serializer::V1, R"({"topic":"t","event":"e","payload":{"x":1e999},"ref":"1"})", error));
	EXPECT_FALSE(DecodeText(Serializer::V2, R"([null,"1","t","e",{"a":[-1e400]}])", error));
	EXPECT_TRUE(DecodeText(Serializer::V2, R"([null,"1","t","e",{"a":[1e308,1e-999]}])", error));
	EXPECT_FALSE(DecodeText(Serializer::V1, "", error));
}

std::string Bytes(std::initializer_list<int> head, std::string_view rest) {
	std::string out;
	for (int b : head) out.push_back(static_cast<char>(b));
	out.append(rest);
	return out;
}

TEST(PhoenixCodec, DecodesKind3UserBroadcastAsRealtimeJsSendsIt) {
	// The frame recorded from realtime-js 2.109 (PROTOCOL.md 2.2).
	auto frame = Bytes({3, 1, 1, 14, 6, 0, 1}, std::string("67realtime:room1cursor") + R"({"x":1,"y":2})");
	std::string error;
	auto msg = DecodeBinary(frame, error);
	ASSERT_TRUE(msg) << error;
	EXPECT_EQ(msg->join_ref, json::value("6"));
	EXPECT_EQ(msg->ref, json::value("7"));
	EXPECT_EQ(msg->topic, "realtime:room1");
	EXPECT_EQ(msg->event, "broadcast");
	ASSERT_TRUE(msg->binary);
	EXPECT_EQ(msg->binary->user_event, "cursor");
	EXPECT_EQ(msg->binary->metadata, "");
	EXPECT_TRUE(msg->binary->json_payload);
	EXPECT_EQ(msg->binary->payload, R"({"x":1,"y":2})");
}

TEST(PhoenixCodec, RejectsBadBinaryFrames) {
	std::string error;
	EXPECT_FALSE(DecodeBinary("", error));
	EXPECT_FALSE(DecodeBinary(Bytes({0, 1, 1, 1, 1}, "abcd"), error));  // kind 0 push is not accepted
	EXPECT_FALSE(DecodeBinary(Bytes({3, 1, 1}, ""), error));             // truncated header
	EXPECT_FALSE(DecodeBinary(Bytes({3, 1, 1, 200, 1, 0, 1}, "12t"), error));  // strings longer than frame
	EXPECT_FALSE(DecodeBinary(Bytes({3, 0, 0, 1, 1, 0, 7}, "te"), error));     // bad encoding
	EXPECT_FALSE(DecodeBinary(Bytes({3, 0, 0, 1, 1, 0, 1}, "te{oops"), error));  // JSON flag, not JSON
	// Raw bytes are fine with encoding 0, and empty refs decode as null.
	auto msg = DecodeBinary(Bytes({3, 0, 0, 1, 1, 0, 0}, std::string("te\x00\xff", 4)), error);
	ASSERT_TRUE(msg) << error;
	EXPECT_TRUE(msg->join_ref.is_null());
	EXPECT_FALSE(msg->binary->json_payload);
	EXPECT_EQ(msg->binary->payload, std::string("\x00\xff", 2));
}

TEST(PhoenixCodec, EncodesV1WithoutJoinRef) {
	auto text = EncodeText(Serializer::V1, json::value("6"), json::value("7"), "realtime:a", "phx_reply",
	                       json::object{{"status", "ok"}, {"response", json::object()}});
	EXPECT_EQ(text, R"({"topic":"realtime:a","event":"phx_reply","payload":{"status":"ok","response":{}},"ref":"7"})");
}

TEST(PhoenixCodec, EncodesV2Array) {
	auto text = EncodeText(Serializer::V2, nullptr, json::value("3"), "phoenix", "phx_reply", json::object());
	EXPECT_EQ(text, R"([null,"3","phoenix","phx_reply",{}])");
}

TEST(PhoenixCodec, PushEnvelopeWrapsSharedBytes) {
	auto v2 = PushEnvelope(Serializer::V2, QuoteJson("realtime:x"), "INSERT");
	EXPECT_EQ(v2.head + "{}" + v2.tail, R"([null,null,"realtime:x","INSERT",{}])");
	auto v1 = PushEnvelope(Serializer::V1, QuoteJson("realtime:x"), "INSERT");
	auto whole = json::parse(v1.head + R"({"a":1})" + v1.tail).as_object();
	EXPECT_EQ(whole.at("topic"), json::value("realtime:x"));
	EXPECT_EQ(whole.at("event"), json::value("INSERT"));
	EXPECT_TRUE(whole.at("ref").is_null());
	EXPECT_FALSE(whole.contains("join_ref"));
}

TEST(PhoenixCodec, QuoteJsonEscapes) {
	EXPECT_EQ(QuoteJson("a\"b\\c\n\x01"), R"("a\"b\\c\n\u0001")");
	EXPECT_EQ(json::parse(QuoteJson("é \t x")).as_string(), "é \t x");
}

TEST(PhoenixCodec, UserBroadcastHeadLayout) {
	auto head = UserBroadcastHead("realtime:r", "ev", "", true);
	ASSERT_TRUE(head);
	EXPECT_EQ(*head, Bytes({4, 10, 2, 0, 1}, "realtime:rev"));
	EXPECT_FALSE(UserBroadcastHead(std::string(256, 't'), "ev", "", true));
}

}  // namespace
}  // namespace walcast::channels
