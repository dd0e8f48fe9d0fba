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
