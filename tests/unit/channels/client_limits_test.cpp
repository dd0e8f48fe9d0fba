// The per-connection limits (MAX_CHANNELS_PER_CLIENT, MAX_JOINS_PER_SECOND, MAX_EVENTS_PER_SECOND) at their
// edges. The limits here are small and every burst runs in microseconds, far less than the 1/rate seconds one
// token takes to come back, so the counts are exact. RateLimiter's own timing is tested with a fake clock in
// tests/unit/core/rate_limiter_test.cpp.

#include <gtest/gtest.h>

#include <string>

#include "fakes.hpp"

namespace walcast::channels::testing {
namespace {

class ClientLimitsTest : public ::testing::Test {
protected:
	FakeCatalog catalog;
	DeliveryProgress progress;
	Hub hub{progress, catalog};

	static ClientLimits Limits(std::size_t channels, std::uint32_t joins, std::uint32_t events) {
		ClientLimits l;
		l.max_channels = channels;
		l.max_joins_per_second = joins;
		l.max_events_per_second = events;
		return l;
	}
	static std::string Join(const std::string& topic, int ref) {
		auto r = std::to_string(ref);
		return "[\"" + r + "\",\"" + r + "\",\"" + topic + "\",\"phx_join\",{\"config\":{}}]";
	}
	static std::string Broadcast(int n) {
		return R"(["1",")" + std::to_string(100 + n) +
		       R"(","realtime:room","broadcast",{"type":"broadcast","event":"e","payload":{"n":)" + std::to_string(n) + "}}]";
	}
	static std::string Heartbeat(int ref) { return R"([null,")" + std::to_string(ref) + R"(","phoenix","heartbeat",{}])"; }

	static int Broadcasts(const std::vector<Msg>& msgs) {
		int n = 0;
		for (auto& m : msgs) n += m.event == "broadcast" ? 1 : 0;
		return n;
	}
	static int Replies(const std::vector<Msg>& msgs, std::string_view status) {
		int n = 0;
		for (auto& m : msgs) n += m.event == "phx_reply" && m.payload.at("status") == json::value(status) ? 1 : 0;
		return n;
	}
};

TEST_F(ClientLimitsTest, JoinsPerSecondNAllowedNPlusOneRefusedWithRealtimesReason) {
	TestClient c(hub, Serializer::V2, Limits(100, 3, 100));
	for (int i = 1; i <= 4; ++i) c.Send(Join("realtime:t" + std::to_string(i), i));
	auto msgs = c.Take();
	ASSERT_EQ(msgs.size(), 4u);
	for (int i = 0; i < 3; ++i) EXPECT_EQ(msgs[i].payload.at("status"), json::value("ok")) << i;
	EXPECT_EQ(msgs[3].payload.at("status"), json::value("error"));
	EXPECT_EQ(msgs[3].payload.at("response").at("reason"),
	          json::value("ClientJoinRateLimitReached: Too many joins per second (MAX_JOINS_PER_SECOND 3)"));
	EXPECT_EQ(c.conn->ChannelCount(), 3u);
	EXPECT_EQ(hub.ChannelCount(), 3u);
	EXPECT_TRUE(c.transport->closes.empty());  // a refused join does not cost the socket
}

TEST_F(ClientLimitsTest, RefusedJoinsCountAsEventsSoAJoinFloodIsClosed) {
	TestClient c(hub, Serializer::V2, Limits(100, 1, 2));
	for (int i = 1; i <= 3; ++i) c.Send(Join("realtime:t" + std::to_string(i), i));
	EXPECT_TRUE(c.transport->closes.empty());  // 1 join, 2 refused joins = 2 events
	c.Send(Join("realtime:t4", 4));
	ASSERT_EQ(c.transport->closes.size(), 1u);
	EXPECT_EQ(c.transport->closes[0].first, CloseCode::TooManyMessages);
}

TEST_F(ClientLimitsTest, EventsPerSecondNRelayedNPlusOneClosesWith4029AndIsNotRelayed) {
	TestClient flood(hub, Serializer::V2, Limits(100, 100, 5));
	TestClient other(hub, Serializer::V2);
	flood.Send(Join("realtime:room", 1));
	other.Send(Join("realtime:room", 1));
	flood.Take();
	other.Take();
	for (int i = 0; i < 5; ++i) flood.Send(Broadcast(i));
	EXPECT_TRUE(flood.transport->closes.empty());
	EXPECT_EQ(Broadcasts(other.Take()), 5);
	flood.Send(Broadcast(5));
	ASSERT_EQ(flood.transport->closes.size(), 1u);
	EXPECT_EQ(flood.transport->closes[0].first, CloseCode::TooManyMessages);
	EXPECT_EQ(flood.transport->closes[0].second, "Too many messages per second (MAX_EVENTS_PER_SECOND 5)");
	// Frames that keep arriving before the socket is gone are neither relayed nor answered nor closed again.
	for (int i = 6; i < 1000; ++i) flood.Send(Broadcast(i));
	flood.Send(Heartbeat(1));
	EXPECT_EQ(Broadcasts(other.Take()), 0);
	EXPECT_EQ(flood.transport->closes.size(), 1u);
	EXPECT_EQ(Replies(flood.Take(), "ok"), 0);
}

TEST_F(ClientLimitsTest, EveryOtherKindOfFrameIsAnEvent) {
	const char* frames[] = {
		R"(["1","2","realtime:room","presence",{"type":"presence","event":"untrack"}])",  // presence
		R"(["1","3","realtime:room","whatever",{}])",                                     // unknown event
		R"([null,"4","realtime:never-joined","broadcast",{}])",                           // topic not joined
		R"(["1","5","realtime:room","phx_leave",{}])",                                    // leave
		"not json at all",                                                                // undecodable
	};
	for (const char* last : frames) {
		TestClient c(hub, Serializer::V2, Limits(100, 100, 2));
		c.Send(Join("realtime:room", 1));
		c.Send(Broadcast(0));
		c.Send(Broadcast(1));
		EXPECT_TRUE(c.transport->closes.empty()) << last;
		c.Send(last);
		ASSERT_EQ(c.transport->closes.size(), 1u) << last;
		EXPECT_EQ(c.transport->closes[0].first, CloseCode::TooManyMessages) << last;
	}
}

TEST_F(ClientLimitsTest, HeartbeatsDoNotUseTheEventAllowance) {
	// A client broadcasting at its limit keeps its heartbeats answered, so realtime-js never drops the socket.
	TestClient c(hub, Serializer::V2, Limits(100, 100, 3));
	c.Send(Join("realtime:room", 1));
	c.Take();
	for (int i = 0; i < 3; ++i) c.Send(Broadcast(i));
	for (int i = 0; i < 50; ++i) c.Send(Heartbeat(i));
	EXPECT_TRUE(c.transport->closes.empty());
	EXPECT_EQ(Replies(c.Take(), "ok"), 50);
	c.Send(Broadcast(3));  // the event allowance itself is still spent
	ASSERT_EQ(c.transport->closes.size(), 1u);
}

TEST_F(ClientLimitsTest, HeartbeatFloodIsClosedPastItsOwnAllowance) {
	// Heartbeats and access_token frames: MAX_EVENTS_PER_SECOND plus MAX_CHANNELS_PER_CLIENT in a burst.
	TestClient c(hub, Serializer::V2, Limits(7, 100, 3));
	for (int i = 0; i < 10; ++i) c.Send(Heartbeat(i));
	EXPECT_TRUE(c.transport->closes.empty());
	c.Send(Heartbeat(10));
	ASSERT_EQ(c.transport->closes.size(), 1u);
	EXPECT_EQ(c.transport->closes[0].first, CloseCode::TooManyMessages);
}

TEST_F(ClientLimitsTest, WebSocketPingsShareTheHeartbeatAllowance) {
	TestClient c(hub, Serializer::V2, Limits(7, 100, 3));
	for (int i = 0; i < 5; ++i) c.conn->OnPing();
	for (int i = 0; i < 5; ++i) c.Send(Heartbeat(i));
	EXPECT_TRUE(c.transport->closes.empty());  // 10 = 3 + 7
	c.conn->OnPing();
	ASSERT_EQ(c.transport->closes.size(), 1u);
	EXPECT_EQ(c.transport->closes[0].first, CloseCode::TooManyMessages);
}

TEST_F(ClientLimitsTest, TokenRefreshOnEveryChannelAtTheChannelCapIsNotAFlood) {
	// realtime-js setAuth() sends access_token to each joined channel at once; with every channel of the cap
	// joined, that burst and the client's own events fit.
	TestClient c(hub, Serializer::V2, Limits(100, 100, 100));
	for (int i = 1; i <= 100; ++i) c.Send(Join("realtime:t" + std::to_string(i), i));
	for (int i = 1; i <= 100; ++i)
		c.Send("[\"" + std::to_string(i) + "\",\"x\",\"realtime:t" + std::to_string(i) +
		       "\",\"access_token\",{\"access_token\":\"tok\"}]");
	for (int i = 0; i < 100; ++i) c.Send(Heartbeat(i));
	EXPECT_TRUE(c.transport->closes.empty());
	EXPECT_EQ(c.conn->ChannelCount(), 100u);
}

TEST_F(ClientLimitsTest, ChannelCapNAllowedNPlusOneRefusedAndALeaveMakesRoom) {
	TestClient c(hub, Serializer::V1, Limits(3, 100, 100));
	for (int i = 1; i <= 4; ++i)
		c.Send(R"({"topic":"realtime:c)" + std::to_string(i) + R"(","event":"phx_join","payload":{"config":{}},"ref":")" +
		       std::to_string(i) + "\"}");
	auto msgs = c.Take();
	ASSERT_EQ(msgs.size(), 4u);
	EXPECT_EQ(Replies(msgs, "ok"), 3);
	EXPECT_EQ(msgs[3].payload.at("response").at("reason"),
	          json::value("ChannelRateLimitReached: Too many channels (MAX_CHANNELS_PER_CLIENT 3)"));
	// Joining an already joined topic again replaces it and does not count as one more.
	c.Send(R"({"topic":"realtime:c1","event":"phx_join","payload":{"config":{}},"ref":"5"})");
	EXPECT_EQ(Replies(c.Take(), "ok"), 1);
	c.Send(R"({"topic":"realtime:c2","event":"phx_leave","payload":{},"ref":"6"})");
	c.Send(R"({"topic":"realtime:c4","event":"phx_join","payload":{"config":{}},"ref":"7"})");
	EXPECT_EQ(Replies(c.Take(), "ok"), 2);
	EXPECT_EQ(c.conn->ChannelCount(), 3u);
}

}  // namespace
}  // namespace walcast::channels::testing
