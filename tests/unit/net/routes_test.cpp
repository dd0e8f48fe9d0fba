#include "net/routes.hpp"

#include <gtest/gtest.h>

namespace walcast::net {
namespace {

TEST(ParseTarget, SplitsPathAndDecodesQuery) {
	const Target t = ParseTarget("/socket/websocket/?apikey=a%20b+c&vsn=2.0.0&flag&=x&&log_level=info");
	EXPECT_EQ(t.path, "/socket/websocket");
	ASSERT_EQ(t.query.size(), 5u);
	EXPECT_EQ(QueryParam(t, "apikey"), std::optional<std::string_view>("a b c"));
	EXPECT_EQ(QueryParam(t, "vsn"), std::optional<std::string_view>("2.0.0"));
	EXPECT_EQ(QueryParam(t, "flag"), std::optional<std::string_view>(""));
	EXPECT_EQ(QueryParam(t, "log_level"), std::optional<std::string_view>("info"));
	EXPECT_FALSE(QueryParam(t, "missing"));
}

TEST(ParseTarget, FirstValueWinsAndBadEscapesStayLiteral) {
	const Target t = ParseTarget("/x?vsn=1.0.0&vsn=2.0.0&k=%zz%4");
	EXPECT_EQ(QueryParam(t, "vsn"), std::optional<std::string_view>("1.0.0"));
	EXPECT_EQ(QueryParam(t, "k"), std::optional<std::string_view>("%zz%4"));
}

TEST(ParseTarget, NormalisesPath) {
	EXPECT_EQ(ParseTarget("/").path, "/");
	EXPECT_EQ(ParseTarget("").path, "/");
	EXPECT_EQ(ParseTarget("/health//").path, "/health");
	EXPECT_EQ(ParseTarget("/realtime/v1/websocket?vsn=1.0.0#frag").path, "/realtime/v1/websocket");
	EXPECT_EQ(ParseTarget("/%73ocket").path, "/socket");
}

TEST(ParseVsn, FollowsPhoenixTildeRules) {
	EXPECT_EQ(ParseVsn(std::nullopt), WireVersion::V1);
	EXPECT_EQ(ParseVsn("1.0.0"), WireVersion::V1);
	EXPECT_EQ(ParseVsn("2.0.0"), WireVersion::V2);
	EXPECT_EQ(ParseVsn("2.0.12"), WireVersion::V2);
	EXPECT_FALSE(ParseVsn(""));
	EXPECT_FALSE(ParseVsn("3.0.0"));
	EXPECT_FALSE(ParseVsn("2.1.0"));
	EXPECT_FALSE(ParseVsn("2.0"));
	EXPECT_FALSE(ParseVsn("2.0.x"));
	EXPECT_FALSE(ParseVsn("v2.0.0"));
}

TEST(RouteRequest, UpgradesOnBothSocketPaths) {
	for (const char* target : {"/socket/websocket", "/socket/websocket/", "/realtime/v1/websocket?apikey=k&vsn=2.0.0",
	                           "/realtime/v1/websocket/?vsn=2.0.0&log_level=debug"}) {
		const Route r = RouteRequest("GET", true, target);
		EXPECT_EQ(r.kind, RouteKind::WebSocket) << target;
	}
	EXPECT_EQ(RouteRequest("GET", true, "/socket/websocket").version, WireVersion::V1);
	EXPECT_EQ(RouteRequest("GET", true, "/socket/websocket?vsn=2.0.0").version, WireVersion::V2);
}

TEST(RouteRequest, RefusesUnsupportedVsnWith400) {
	const Route r = RouteRequest("GET", true, "/socket/websocket?vsn=3.1.4");
	EXPECT_EQ(r.kind, RouteKind::Error);
	EXPECT_EQ(r.status, 400u);
	EXPECT_EQ(r.error, "unsupported vsn 3.1.4");
}

TEST(RouteRequest, UpgradeElsewhereIs404) {
	const Route r = RouteRequest("GET", true, "/websocket");
	EXPECT_EQ(r.kind, RouteKind::Error);
	EXPECT_EQ(r.status, 404u);
}

TEST(RouteRequest, PlainGetOnSocketPathIs400) {
	const Route r = RouteRequest("GET", false, "/socket/websocket");
	EXPECT_EQ(r.kind, RouteKind::Error);
	EXPECT_EQ(r.status, 400u);
}

TEST(RouteRequest, HealthMetricsAndNotFound) {
	EXPECT_EQ(RouteRequest("GET", false, "/health").kind, RouteKind::Health);
	EXPECT_EQ(RouteRequest("GET", false, "/health/?verbose=1").kind, RouteKind::Health);
	EXPECT_EQ(RouteRequest("HEAD", false, "/metrics").kind, RouteKind::Metrics);
	const Route post = RouteRequest("POST", false, "/health");
	EXPECT_EQ(post.kind, RouteKind::Error);
	EXPECT_EQ(post.status, 404u);
	EXPECT_EQ(RouteRequest("GET", false, "/").status, 404u);
}

TEST(RouteRequest, WebSocketRoutesCaptureTheApikey) {
	const Route r = RouteRequest("GET", true, "/socket/websocket?apikey=eyJ.a%2Bb.c&vsn=2.0.0");
	ASSERT_EQ(r.kind, RouteKind::WebSocket);
	EXPECT_EQ(r.apikey, std::optional<std::string>("eyJ.a+b.c"));
	EXPECT_EQ(RouteRequest("GET", true, "/realtime/v1/websocket?vsn=1.0.0&apikey=k").apikey,
	          std::optional<std::string>("k"));
	EXPECT_EQ(RouteRequest("GET", true, "/socket/websocket?apikey=").apikey, std::optional<std::string>(""));
	EXPECT_FALSE(RouteRequest("GET", true, "/socket/websocket?vsn=2.0.0").apikey);
}

TEST(RouteRequest, PostBroadcastOnBothBases) {
	for (const char* target : {"/api/broadcast", "/api/broadcast/", "/realtime/v1/api/broadcast",
	                           "/realtime/v1/api/broadcast?x=1"}) {
		const Route r = RouteRequest("POST", false, target);
		EXPECT_EQ(r.kind, RouteKind::Broadcast) << target;
		EXPECT_TRUE(r.topic.empty()) << target;  // the batch form
		EXPECT_TRUE(r.event.empty()) << target;
		EXPECT_FALSE(r.is_private) << target;
	}
}

TEST(RouteRequest, BroadcastWithOtherMethodsIs405) {
	for (const char* method : {"GET", "HEAD", "PUT", "DELETE"}) {
		for (const char* target : {"/api/broadcast", "/realtime/v1/api/broadcast", "/api/broadcast/room1/events/e"}) {
			const Route r = RouteRequest(method, false, target);
			EXPECT_EQ(r.kind, RouteKind::Error) << method << " " << target;
			EXPECT_EQ(r.status, 405u) << method << " " << target;
		}
	}
}

TEST(RouteRequest, BroadcastToOneTopicFromThePath) {
	Route r = RouteRequest("POST", false, "/api/broadcast/room1/events/e?private=true");
	ASSERT_EQ(r.kind, RouteKind::Broadcast);
	EXPECT_EQ(r.topic, "room1");
	EXPECT_EQ(r.event, "e");
	EXPECT_TRUE(r.is_private);

	r = RouteRequest("POST", false, "/realtime/v1/api/broadcast/room%3Aa%20b/events/new%20msg");
	ASSERT_EQ(r.kind, RouteKind::Broadcast);
	EXPECT_EQ(r.topic, "room:a b");  // percent-decoded
	EXPECT_EQ(r.event, "new msg");
	EXPECT_FALSE(r.is_private);

	// Only "true" makes it private.
	for (const char* flag : {"?private=false", "?private=1", "?private=TRUE", "?private", ""})
		EXPECT_FALSE(RouteRequest("POST", false, std::string("/api/broadcast/r/events/e") + flag).is_private) << flag;
}

TEST(RouteRequest, BroadcastLookalikesAndBadPathsAre404) {
	for (const char* target : {"/api/broadcastX", "/api/broadcasts/r/events/e", "/realtime/v1/api/broadcastX",
	                           "/api/broadcast/a/b/events/e",  // a topic may not contain '/'
	                           "/api/broadcast/a%2Fb/events/e",  // not even percent-encoded
	                           "/api/broadcast/room1", "/api/broadcast/room1/events", "/api/broadcast/room1/events/",
	                           "/api/broadcast/events/e", "/api/broadcast//events/e", "/api/broadcast/room1/event/e",
	                           "/api/broadcast/room1/x/e"}) {
		const Route r = RouteRequest("POST", false, target);
		EXPECT_EQ(r.kind, RouteKind::Error) << target;
		EXPECT_EQ(r.status, 404u) << target;
	}
	// A WebSocket upgrade to the broadcast path is no broadcast.
	EXPECT_EQ(RouteRequest("GET", true, "/api/broadcast").status, 404u);
}

TEST(OffersSubprotocol, FindsATokenInTheList) {
	EXPECT_TRUE(OffersSubprotocol("phoenix", "phoenix"));
	EXPECT_TRUE(OffersSubprotocol("base64url.bearer.phx.abc, phoenix", "phoenix"));
	EXPECT_TRUE(OffersSubprotocol(" phoenix ,x", "phoenix"));
	EXPECT_FALSE(OffersSubprotocol("", "phoenix"));
	EXPECT_FALSE(OffersSubprotocol("phoenixes, xphoenix", "phoenix"));
}

TEST(ErrorBody, EscapesTheMessage) {
	EXPECT_EQ(ErrorBody("unsupported vsn \"x\"\n"), R"({"error":"unsupported vsn \"x\"\n"})");
}

}  // namespace
}  // namespace walcast::net
