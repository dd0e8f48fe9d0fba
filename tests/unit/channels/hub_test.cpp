#include "channels/hub.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "core/delivery_progress.hpp"
#include "core/metrics.hpp"
#include "fakes.hpp"

namespace walcast::channels {
namespace {

using namespace walcast::channels::testing;

const char* kInsertUser = R"({"schema":"public","table":"users","commit_timestamp":"2025-11-19T00:22:40.877Z",
	"type":"INSERT","columns":[{"name":"id","type":"int8"},{"name":"name","type":"text"}],
	"record":{"id":2,"name":"bob"},"errors":null})";
const char* kUpdateUser = R"({"schema":"public","table":"users","commit_timestamp":"2025-11-19T00:22:40.877Z",
	"type":"UPDATE","columns":[{"name":"id","type":"int8"},{"name":"name","type":"text"}],
	"record":{"id":2,"name":"bobby"},"old_record":{"id":2},"errors":null})";
const char* kDeleteUser = R"({"schema":"public","table":"users","commit_timestamp":"2025-11-19T00:22:40.877Z",
	"type":"DELETE","columns":[{"name":"id","type":"int8"},{"name":"name","type":"text"}],
	"old_record":{"id":1,"name":"al"},"errors":null})";
const char* kInsertOrder = R"({"schema":"shop","table":"orders","commit_timestamp":"2025-11-19T00:22:40.877Z",
	"type":"INSERT","columns":[{"name":"id","type":"int4"}],"record":{"id":7},"errors":null})";
const char* kTruncateUsers = R"({"schema":"public","table":"users","commit_timestamp":"2025-11-19T00:22:40.877Z",
	"type":"TRUNCATE","columns":[{"name":"id","type":"int8"},{"name":"name","type":"text"}],"errors":null})";

class HubTest : public ::testing::Test {
protected:
	HubTest() {
		catalog.tables = {
			CatalogTable{"public", "users", {{"id", "int8"}, {"name", "text"}}},
			CatalogTable{"public", "todos", {{"id", "int4"}, {"done", "bool"}}},
			CatalogTable{"shop", "orders", {{"id", "int4"}}},
		};
	}

	// Joins `topic` with the given postgres_changes entries (a JSON array text) and returns the reply ids.
	std::vector<std::int64_t> Join(TestClient& c, std::string_view topic, std::string_view changes,
	                               std::string_view join_ref = "1", bool presence = false) {
		std::string payload = R"({"config":{"broadcast":{"ack":false,"self":false},"presence":{"key":"","enabled":)" +
		                      std::string(presence ? "true" : "false") + R"(},"postgres_changes":)" +
		                      std::string(changes) + R"(,"private":false},"access_token":"x"})";
		c.Send(Frame(c, join_ref, join_ref, topic, "phx_join", payload));
		auto msgs = c.Take();
		std::vector<std::int64_t> ids;
		EXPECT_FALSE(msgs.empty());
		if (msgs.empty()) return ids;
		EXPECT_EQ(msgs[0].event, "phx_reply");
		for (auto& e : msgs[0].payload.at("response").at("postgres_changes").as_array())
			ids.push_back(e.at("id").as_int64());
		return ids;
	}

	static std::string Frame(const TestClient& c, std::string_view join_ref, std::string_view ref,
	                         std::string_view topic, std::string_view event, std::string_view payload) {
		auto q = [](std::string_view s) { return s.empty() ? std::string("null") : "\"" + std::string(s) + "\""; };
		if (c.serializer == Serializer::V2)
			return "[" + q(join_ref) + "," + q(ref) + "," + q(topic) + "," + q(event) + "," + std::string(payload) + "]";
		return "{\"topic\":" + q(topic) + ",\"event\":" + q(event) + ",\"payload\":" + std::string(payload) +
		       ",\"ref\":" + q(ref) + ",\"join_ref\":" + q(join_ref) + "}";
	}

	static std::vector<std::int64_t> Ids(const Msg& m) {
		std::vector<std::int64_t> ids;
		for (auto& id : m.payload.at("ids").as_array()) ids.push_back(id.as_int64());
		return ids;
	}

	DeliveryProgress progress;
	FakeCatalog catalog;
	Hub hub{progress, catalog};
};

TEST_F(HubTest, HeartbeatIsAnsweredOnTheSameRef) {
	TestClient v2(hub, Serializer::V2);
	v2.Send(R"([null,"5","phoenix","heartbeat",{}])");
	auto msgs = v2.Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(v2.transport->frames[0].bytes, R"([null,"5","phoenix","phx_reply",{"status":"ok","response":{}}])");

	TestClient v1(hub, Serializer::V1);
	v1.Send(R"({"topic":"phoenix","event":"heartbeat","payload":{},"ref":"9"})");
	EXPECT_EQ(v1.transport->frames[0].bytes,
	          R"({"topic":"phoenix","event":"phx_reply","payload":{"status":"ok","response":{}},"ref":"9"})");
}

TEST_F(HubTest, JoinEchoesEntriesWithIdsThenSubscribes) {
	TestClient c(hub, Serializer::V2);
	c.Send(R"(["6","6","realtime:room1","phx_join",{"config":{"broadcast":{"ack":false,"self":false},
		"presence":{"key":"","enabled":true},"postgres_changes":[
		{"event":"*","schema":"public","table":"users"},
		{"event":"INSERT","schema":"public","table":"users","filter":"id=eq.1"},
		{"event":"*","schema":"public","table":"users"}],"private":false}}])");
	auto msgs = c.Take();
	ASSERT_EQ(msgs.size(), 3u);
	// 1. the reply: entries unchanged, in order, plus a non-zero integer id
	EXPECT_EQ(msgs[0].event, "phx_reply");
	EXPECT_EQ(msgs[0].join_ref, json::value("6"));
	EXPECT_EQ(msgs[0].ref, json::value("6"));
	auto& entries = msgs[0].payload.at("response").at("postgres_changes").as_array();
	ASSERT_EQ(entries.size(), 3u);
	auto e1 = entries[1].as_object();
	EXPECT_EQ(e1.at("filter"), json::value("id=eq.1"));
	EXPECT_EQ(e1.size(), 5u);  // event schema table filter id: no defaults added
	EXPECT_FALSE(entries[0].as_object().contains("filter"));
	for (auto& e : entries) {
		ASSERT_TRUE(e.at("id").is_int64());
		EXPECT_GT(e.at("id").as_int64(), 0);
		EXPECT_LT(e.at("id").as_int64(), 1 << 27);
	}
	EXPECT_EQ(entries[0].at("id"), entries[2].at("id"));  // identical entries, identical ids
	EXPECT_NE(entries[0].at("id"), entries[1].at("id"));
	// 2. presence_state, a channel push with the join_ref
	EXPECT_EQ(msgs[1].event, "presence_state");
	EXPECT_EQ(msgs[1].join_ref, json::value("6"));
	EXPECT_EQ(msgs[1].payload, json::object());
	// 3. the postgres_changes status
	EXPECT_EQ(msgs[2].event, "system");
	EXPECT_EQ(msgs[2].join_ref, json::value("6"));
	EXPECT_TRUE(msgs[2].ref.is_null());
	EXPECT_EQ(msgs[2].payload, json::parse(R"({"extension":"postgres_changes","status":"ok",
		"message":"Subscribed to PostgreSQL","channel":"room1"})"));
}

TEST_F(HubTest, IdsAreDeterministicAcrossKeyOrder) {
	EXPECT_EQ(BindingId(json::parse(R"({"event":"*","schema":"public"})").as_object()),
	          BindingId(json::parse(R"({"schema":"public","event":"*"})").as_object()));
}

TEST_F(HubTest, JoinWithoutBindingsSendsNoSystemMessage) {
	TestClient c(hub, Serializer::V2);
	auto ids = Join(c, "realtime:chat", "[]");
	EXPECT_TRUE(ids.empty());
	EXPECT_TRUE(c.Take().empty());
	EXPECT_EQ(catalog.lookups, 0);
}

TEST_F(HubTest, UnknownTableReportsSystemErrorAndStaysJoined) {
	TestClient c(hub, Serializer::V2);
	c.Send(R"(["1","1","realtime:r","phx_join",{"config":{"postgres_changes":[{"event":"*","schema":"public","table":"nope"}]}}])");
	auto msgs = c.Take();
	ASSERT_EQ(msgs.size(), 2u);
	EXPECT_EQ(msgs[0].payload.at("status"), json::value("ok"));
	EXPECT_EQ(msgs[1].event, "system");
	EXPECT_EQ(msgs[1].payload.at("status"), json::value("error"));
	EXPECT_EQ(msgs[1].payload.at("message"),
	          json::value("Unable to subscribe to changes with given parameters. Please check Realtime is enabled for "
	                      "the given connect parameters: [event: *, schema: public, table: nope, filters: []]"));
	EXPECT_EQ(msgs[1].payload.at("channel"), json::value("r"));
	// Still joined: a broadcast with ack is answered, not "unmatched topic".
	c.Send(R"(["1","2","realtime:r","presence",{"type":"presence","event":"untrack"}])");
	msgs = c.Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].payload.at("status"), json::value("ok"));
	EXPECT_EQ(hub.ChannelCount(), 1u);
}

TEST_F(HubTest, BadFilterAndBadColumnAreSystemErrors) {
	auto before = GlobalMetrics().client_errors.load();
	TestClient c(hub, Serializer::V2);
	c.Send(R"(["1","1","realtime:a","phx_join",{"config":{"postgres_changes":[{"event":"*","schema":"public","table":"users","filter":"id=between.1"}]}}])");
	auto msgs = c.Take();
	ASSERT_EQ(msgs.size(), 2u);
	EXPECT_EQ(msgs[1].payload.at("message"), json::value(R"(Error parsing `filter` params: ["id", "between", "1"])"));

	c.Send(R"(["2","2","realtime:b","phx_join",{"config":{"postgres_changes":[{"event":"*","schema":"public","table":"users","filter":"nope=eq.1"}]}}])");
	msgs = c.Take();
	ASSERT_EQ(msgs.size(), 2u);
	EXPECT_EQ(msgs[1].payload.at("message"), json::value("invalid column for filter nope"));

	c.Send(R"(["3","3","realtime:c","phx_join",{"config":{"postgres_changes":[{"event":"*","schema":"public","table":"users","filter":"id=eq.abc"}]}}])");
	msgs = c.Take();
	ASSERT_EQ(msgs.size(), 2u);
	EXPECT_NE(std::string(msgs[1].payload.at("message").as_string()).find("invalid input syntax for type int8"),
	          std::string::npos);

	c.Send(R"(["4","4","realtime:d","phx_join",{"config":{"postgres_changes":[{"event":"*"}]}}])");
	msgs = c.Take();
	ASSERT_EQ(msgs.size(), 2u);
	EXPECT_NE(std::string(msgs[1].payload.at("message").as_string()).find("No subscription params provided"),
	          std::string::npos);
	EXPECT_EQ(GlobalMetrics().client_errors.load(), before + 4);
	EXPECT_EQ(hub.ChannelCount(), 4u);

	// None of those channels gets changes.
	hub.Dispatch(ChangeEvent(kInsertUser));
	EXPECT_TRUE(c.Take().empty());
}

// A filter over a configured limit is refused at join like a malformed one: the channel stays joined,
// the client gets the `system` error naming the limit, nothing is asked of the database or delivered.
TEST_F(HubTest, FilterOverALimitIsASystemErrorAtJoin) {
	FilterLimits limits;
	limits.max_conditions = 2;
	limits.max_like_pattern_bytes = 3;
	hub.SetFilterLimits(limits);
	auto before = GlobalMetrics().client_errors.load();
	TestClient c(hub, Serializer::V2);
	auto join = [&](std::string_view topic, std::string_view filter) {
		c.Send(R"(["1","1","realtime:)" + std::string(topic) +
		       R"(","phx_join",{"config":{"postgres_changes":[{"event":"*","schema":"public","table":"users","filter":")" +
		       std::string(filter) + R"("}]}}])");
		auto msgs = c.Take();
		EXPECT_EQ(msgs.size(), 2u);
		if (msgs.size() != 2) return json::value();
		EXPECT_EQ(msgs[0].payload.at("status"), json::value("ok"));
		EXPECT_EQ(msgs[1].event, "system");
		return msgs[1].payload;
	};

	// At the limits: subscribed.
	EXPECT_EQ(join("at", "id=gt.0,name=like.bo%"), json::parse(R"({"extension":"postgres_changes","status":"ok",
		"message":"Subscribed to PostgreSQL","channel":"at"})"));
	EXPECT_EQ(catalog.lookups, 1);

	// One over each: refused with the limit's name and value.
	EXPECT_EQ(join("conditions", "id=gt.0,id=lt.9,name=like.bo%"),
	          json::parse(R"j({"extension":"postgres_changes","status":"error","channel":"conditions",
		"message":"too many conditions in `filter`: 3. Maximum 2 (MAX_FILTER_CONDITIONS)"})j"));
	EXPECT_EQ(join("pattern", "name=ilike.bob%"),
	          json::parse(R"j({"extension":"postgres_changes","status":"error","channel":"pattern",
		"message":"`ilike` pattern too long: 4 bytes. Maximum 3 (MAX_LIKE_PATTERN_BYTES)"})j"));
	EXPECT_EQ(catalog.lookups, 1);
	EXPECT_EQ(GlobalMetrics().client_errors.load(), before + 2);
	EXPECT_EQ(hub.ChannelCount(), 3u);

	// Only the channel within the limits gets the change.
	hub.Dispatch(ChangeEvent(kInsertUser));
	auto msgs = c.Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].topic, "realtime:at");

	// A legacy topic cannot show the error; it is joined without a subscription.
	TestClient legacy(hub, Serializer::V1);
	legacy.Send(R"({"topic":"realtime:public:users:id=gt.0,id=gt.1,id=gt.2","event":"phx_join","payload":{},"ref":"1"})");
	ASSERT_EQ(legacy.Take().size(), 1u);
	hub.Dispatch(ChangeEvent(kInsertUser));
	EXPECT_TRUE(legacy.Take().empty());
}

TEST_F(HubTest, FilterLongerThanTheDefaultLimitIsASystemError) {
	TestClient c(hub, Serializer::V2);
	std::string filter = "name=eq." + std::string(16384, 'b');
	c.Send(R"(["1","1","realtime:long","phx_join",{"config":{"postgres_changes":[{"event":"*","schema":"public","table":"users","filter":")" +
	       filter + R"("}]}}])");
	auto msgs = c.Take();
	ASSERT_EQ(msgs.size(), 2u);
	EXPECT_EQ(msgs[1].event, "system");
	EXPECT_EQ(msgs[1].payload.at("status"), json::value("error"));
	EXPECT_EQ(msgs[1].payload.at("message"), json::value("filter too long: 16392 bytes. Maximum 16384 (MAX_FILTER_BYTES)"));
	EXPECT_EQ(hub.ChannelCount(), 1u);
	EXPECT_EQ(catalog.lookups, 0);
}

TEST_F(HubTest, UnreachableDatabaseIsReportedAndChannelStays) {
	catalog.unavailable = true;
	TestClient c(hub, Serializer::V2);
	Join(c, "realtime:r", R"([{"event":"*","schema":"public","table":"users"}])");
	// Join() consumed the reply and the system message; look at the frame itself.
	auto last = json::parse(c.transport->frames.back().bytes).as_array();
	EXPECT_EQ(last[3], json::value("system"));
	EXPECT_EQ(last[4].at("status"), json::value("error"));
	EXPECT_NE(std::string(last[4].at("message").as_string()).find("database could not be reached"), std::string::npos);
	EXPECT_EQ(hub.ChannelCount(), 1u);
	hub.SetSubscribeRetryInterval(std::chrono::milliseconds(0));

	// Still down when events flow: retried quietly, no second error.
	auto sent = c.transport->frames.size();
	hub.Dispatch(ChangeEvent(kInsertOrder));
	EXPECT_EQ(c.transport->frames.size(), sent);
	EXPECT_EQ(catalog.lookups, 2);

	// Back: the next event retries, subscribes, and (with this synchronous catalog) is delivered too.
	catalog.unavailable = false;
	hub.Dispatch(ChangeEvent(kInsertUser));
	auto msgs = c.Take();
	ASSERT_EQ(msgs.size(), 2u);
	EXPECT_EQ(msgs[0].event, "system");
	EXPECT_EQ(msgs[0].payload.at("message"), json::value("Subscribed to PostgreSQL"));
	EXPECT_EQ(msgs[1].event, "postgres_changes");
	hub.Dispatch(ChangeEvent(kInsertUser));
	EXPECT_EQ(c.Take().size(), 1u);
	EXPECT_EQ(catalog.lookups, 3);  // no retries once subscribed
}

TEST_F(HubTest, RetriesAreThrottledAndForgetLeftChannels) {
	catalog.unavailable = true;
	TestClient c(hub, Serializer::V2);
	Join(c, "realtime:r", R"([{"event":"*","schema":"public","table":"users"}])");
	hub.SetSubscribeRetryInterval(std::chrono::hours(1));
	hub.Dispatch(ChangeEvent(kInsertOrder));  // first retry runs at once
	EXPECT_EQ(catalog.lookups, 2);
	hub.Dispatch(ChangeEvent(kInsertOrder));  // then not again within the interval
	EXPECT_EQ(catalog.lookups, 2);
	hub.SetSubscribeRetryInterval(std::chrono::milliseconds(0));
	c.Send(R"(["1","2","realtime:r","phx_leave",{}])");
	hub.Dispatch(ChangeEvent(kInsertOrder));
	EXPECT_EQ(catalog.lookups, 2);  // a channel that left is not retried
}

TEST_F(HubTest, TooManyBindingsIsASystemError) {
	std::string entries = "[";
	for (int i = 0; i <= 100; ++i)
		entries += std::string(i ? "," : "") + R"({"event":"*","schema":"public","table":"users","filter":"id=eq.)" +
		           std::to_string(i) + R"("})";
	entries += "]";
	TestClient c(hub, Serializer::V2);
	auto ids = Join(c, "realtime:many", entries);
	EXPECT_EQ(ids.size(), 101u);
	auto last = json::parse(c.transport->frames.back().bytes).as_array();
	EXPECT_EQ(last[4].at("status"), json::value("error"));
	EXPECT_NE(std::string(last[4].at("message").as_string()).find("Too many postgres_changes bindings"),
	          std::string::npos);
	EXPECT_EQ(catalog.lookups, 0);
}

TEST_F(HubTest, ChangeCarriesExactlyTheMatchingIdsOnePerChannel) {
	TestClient c(hub, Serializer::V2);
	auto a = Join(c, "realtime:a", R"([
		{"event":"*","schema":"public","table":"users"},
		{"event":"INSERT","schema":"public","table":"users","filter":"id=eq.2"},
		{"event":"INSERT","schema":"public","table":"users","filter":"id=eq.3"},
		{"event":"DELETE","schema":"public","table":"users"},
		{"event":"*","schema":"public"},
		{"event":"*","schema":"shop","table":"orders"}])");
	auto b = Join(c, "realtime:b", R"([{"event":"UPDATE","schema":"public","table":"users"}])", "2");
	ASSERT_EQ(a.size(), 6u);
	ASSERT_EQ(b.size(), 1u);
	c.Take();

	auto event = ChangeEvent(kInsertUser);
	hub.Dispatch(event);
	auto msgs = c.Take();
	ASSERT_EQ(msgs.size(), 1u);  // channel b wants UPDATE only
	EXPECT_EQ(msgs[0].topic, "realtime:a");
	EXPECT_EQ(msgs[0].event, "postgres_changes");
	EXPECT_TRUE(msgs[0].join_ref.is_null());
	EXPECT_TRUE(msgs[0].ref.is_null());
	EXPECT_EQ(Ids(msgs[0]), (std::vector<std::int64_t>{a[0], a[1], a[4]}));
	EXPECT_EQ(msgs[0].payload.at("data"), *event.data);  // the plugin object, verbatim
	EXPECT_EQ(c.transport->frames.back().shared, event.json.get());

	hub.Dispatch(ChangeEvent(kUpdateUser));
	msgs = c.Take();
	ASSERT_EQ(msgs.size(), 2u);
	for (auto& m : msgs) {
		if (m.topic == "realtime:a") EXPECT_EQ(Ids(m), (std::vector<std::int64_t>{a[0], a[4]}));
		else EXPECT_EQ(Ids(m), (std::vector<std::int64_t>{b[0]}));
	}

	hub.Dispatch(ChangeEvent(kDeleteUser));
	msgs = c.Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(Ids(msgs[0]), (std::vector<std::int64_t>{a[0], a[3], a[4]}));

	hub.Dispatch(ChangeEvent(kInsertOrder));
	msgs = c.Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(Ids(msgs[0]), (std::vector<std::int64_t>{a[5]}));
}

TEST_F(HubTest, SharedBytesAreNotCopiedPerClient) {
	TestClient c1(hub, Serializer::V2), c2(hub, Serializer::V1);
	Join(c1, "realtime:x", R"([{"event":"*","schema":"*"}])");
	Join(c2, "realtime:x", R"([{"event":"*","schema":"*"}])");
	c2.Take();
	auto event = ChangeEvent(kInsertOrder);
	hub.Dispatch(event);
	ASSERT_EQ(c1.Take().size(), 1u);
	auto v1 = c2.Take();
	ASSERT_EQ(v1.size(), 1u);
	EXPECT_EQ(v1[0].payload.at("data"), *event.data);
	EXPECT_EQ(c1.transport->frames.back().shared, event.json.get());
	EXPECT_EQ(c2.transport->frames.back().shared, event.json.get());
}

TEST_F(HubTest, WildcardsAndEventFilters) {
	TestClient c(hub, Serializer::V2);
	auto all = Join(c, "realtime:all", R"([{"event":"*","schema":"*","table":"*"}])", "1");
	auto tbl = Join(c, "realtime:tbl", R"([{"event":"insert","table":"users"}])", "2");  // schema public, lower-case
	auto shop = Join(c, "realtime:shop", R"([{"event":"*","schema":"shop"}])", "3");
	c.Take();
	hub.Dispatch(ChangeEvent(kInsertUser));
	auto msgs = c.Take();
	ASSERT_EQ(msgs.size(), 2u);
	hub.Dispatch(ChangeEvent(kUpdateUser));
	msgs = c.Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].topic, "realtime:all");
	hub.Dispatch(ChangeEvent(kInsertOrder));
	msgs = c.Take();
	ASSERT_EQ(msgs.size(), 2u);
	EXPECT_NE(msgs[0].topic, "realtime:tbl");
	EXPECT_NE(msgs[1].topic, "realtime:tbl");
}

TEST_F(HubTest, DeleteFiltersLookAtOldRecord) {
	TestClient c(hub, Serializer::V2);
	auto ids = Join(c, "realtime:d", R"([{"event":"DELETE","schema":"public","table":"users","filter":"name=eq.al"},
		{"event":"*","schema":"public","table":"users","filter":"id=lt.2"}])");
	c.Take();
	hub.Dispatch(ChangeEvent(kDeleteUser));  // old_record {"id":1,"name":"al"}
	auto msgs = c.Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(Ids(msgs[0]), ids);
	hub.Dispatch(ChangeEvent(kInsertUser));  // record id 2: neither
	EXPECT_TRUE(c.Take().empty());
}

TEST_F(HubTest, TruncateGoesOnlyToUnfilteredStarBindings) {
	TestClient c(hub, Serializer::V2);
	auto star = Join(c, "realtime:a", R"([{"event":"*","schema":"public","table":"users"},
		{"event":"*","schema":"public","table":"users","filter":"id=eq.1"},
		{"event":"DELETE","schema":"public","table":"users"}])");
	TestClient legacy(hub, Serializer::V1);
	legacy.Send(R"({"topic":"realtime:public:users","event":"phx_join","payload":{},"ref":"1","join_ref":"1"})");
	legacy.Take();
	c.Take();
	hub.Dispatch(ChangeEvent(kTruncateUsers));
	auto msgs = c.Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(Ids(msgs[0]), (std::vector<std::int64_t>{star[0]}));
	auto lm = legacy.Take();
	ASSERT_EQ(lm.size(), 1u);
	EXPECT_EQ(lm[0].event, "TRUNCATE");
}

// The plugin writes a change over its max-change-bytes without row images: filters cannot judge it, so only
// unfiltered bindings receive it (as Realtime does with its 413 changes).
TEST_F(HubTest, ChangeWithoutRowImagesGoesOnlyToUnfilteredBindings) {
	const char* too_large = R"({"schema":"public","table":"users","commit_timestamp":"2025-11-19T00:22:40.877Z",
		"type":"UPDATE","columns":[{"name":"id","type":"int8"},{"name":"name","type":"text"}],
		"errors":["Error 413: Payload Too Large"]})";
	TestClient c(hub, Serializer::V2);
	auto ids = Join(c, "realtime:big", R"([{"event":"UPDATE","schema":"public","table":"users"},
		{"event":"*","schema":"public","table":"users","filter":"id=eq.2"},
		{"event":"*","schema":"public","table":"users","filter":"name=neq.x"}])");
	c.Take();
	hub.Dispatch(ChangeEvent(too_large));
	auto msgs = c.Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(Ids(msgs[0]), (std::vector<std::int64_t>{ids[0]}));
	EXPECT_EQ(msgs[0].payload.at("data").at("errors"), json::parse(R"(["Error 413: Payload Too Large"])"));
	EXPECT_FALSE(msgs[0].payload.at("data").as_object().contains("record"));
}

TEST_F(HubTest, LegacyTopicsGetBareChangesNamedByType) {
	TestClient all(hub, Serializer::V1), schema(hub, Serializer::V1), filtered(hub, Serializer::V1);
	all.Send(R"({"topic":"realtime:*","event":"phx_join","payload":{"user_token":"t"},"ref":"1","join_ref":"1"})");
	schema.Send(R"({"topic":"realtime:shop","event":"phx_join","payload":{},"ref":"1","join_ref":"1"})");
	filtered.Send(R"({"topic":"realtime:public:users:id=gt.1","event":"phx_join","payload":{},"ref":"1"})");
	for (auto* c : {&all, &schema, &filtered}) {
		auto msgs = c->Take();
		ASSERT_EQ(msgs.size(), 1u);
		EXPECT_EQ(msgs[0].payload, json::parse(R"({"status":"ok","response":{}})"));
	}
	EXPECT_EQ(catalog.lookups, 0);
	auto insert = ChangeEvent(kInsertUser);
	hub.Dispatch(insert);
	auto msgs = all.Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].event, "INSERT");
	EXPECT_TRUE(msgs[0].ref.is_null());
	EXPECT_EQ(msgs[0].payload, *insert.data);
	EXPECT_TRUE(schema.Take().empty());
	msgs = filtered.Take();
	ASSERT_EQ(msgs.size(), 1u);  // id 2 > 1, numerically
	EXPECT_EQ(msgs[0].topic, "realtime:public:users:id=gt.1");

	hub.Dispatch(ChangeEvent(kInsertOrder));
	EXPECT_EQ(all.Take().size(), 1u);
	EXPECT_EQ(schema.Take().size(), 1u);
	EXPECT_TRUE(filtered.Take().empty());

	hub.Dispatch(ChangeEvent(kDeleteUser));  // old id 1: not > 1
	EXPECT_TRUE(filtered.Take().empty());
	msgs = all.Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].event, "DELETE");
}

TEST_F(HubTest, LeaveRepliesThenClosesWithJoinRef) {
	TestClient c(hub, Serializer::V2);
	Join(c, "realtime:room1", R"([{"event":"*","schema":"public","table":"users"}])", "6");
	EXPECT_EQ(hub.ChannelCount(), 1u);
	c.Send(R"(["6","8","realtime:room1","phx_leave",{}])");
	auto msgs = c.Take();
	ASSERT_EQ(msgs.size(), 2u);
	EXPECT_EQ(msgs[0].event, "phx_reply");
	EXPECT_EQ(msgs[0].ref, json::value("8"));
	EXPECT_EQ(msgs[0].payload.at("status"), json::value("ok"));
	EXPECT_EQ(c.transport->frames.back().bytes, R"(["6","6","realtime:room1","phx_close",{}])");
	EXPECT_EQ(hub.ChannelCount(), 0u);
	hub.Dispatch(ChangeEvent(kInsertUser));
	EXPECT_TRUE(c.Take().empty());
	// The channel is gone: pushes to it are unmatched, leaving again is fine.
	c.Send(R"(["6","9","realtime:room1","broadcast",{"type":"broadcast","event":"e","payload":{}}])");
	msgs = c.Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].payload, json::parse(R"({"status":"error","response":{"reason":"unmatched topic"}})"));
	c.Send(R"(["6","10","realtime:room1","phx_leave",{}])");
	msgs = c.Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].payload.at("status"), json::value("ok"));
}

TEST_F(HubTest, DuplicateJoinClosesTheOldChannelFirst) {
	TestClient c(hub, Serializer::V2);
	auto first = Join(c, "realtime:room1", R"([{"event":"*","schema":"public","table":"users"}])", "6");
	c.Send(R"(["9","9","realtime:room1","phx_join",{"config":{"postgres_changes":[{"event":"INSERT","schema":"shop","table":"orders"}]}}])");
	auto msgs = c.Take();
	ASSERT_EQ(msgs.size(), 3u);
	EXPECT_EQ(msgs[0].event, "phx_close");
	EXPECT_EQ(msgs[0].join_ref, json::value("6"));
	EXPECT_EQ(msgs[0].ref, json::value("6"));
	EXPECT_EQ(msgs[1].event, "phx_reply");
	EXPECT_EQ(msgs[1].ref, json::value("9"));
	EXPECT_EQ(msgs[2].event, "system");
	EXPECT_EQ(hub.ChannelCount(), 1u);
	hub.Dispatch(ChangeEvent(kInsertUser));  // the old binding is gone
	EXPECT_TRUE(c.Take().empty());
	hub.Dispatch(ChangeEvent(kInsertOrder));
	EXPECT_EQ(c.Take().size(), 1u);
	// A message carrying the old join_ref is ignored.
	c.Send(R"(["6","10","realtime:room1","presence",{"type":"presence","event":"untrack"}])");
	EXPECT_TRUE(c.Take().empty());
}

TEST_F(HubTest, UnmatchedTopicsAndTopicNameRequired) {
	TestClient c(hub, Serializer::V2);
	c.Send(R"(["1","1","room1","phx_join",{}])");
	c.Send(R"(["2","2","realtime:","phx_join",{}])");
	c.Send(R"([null,"3","realtime:never","broadcast",{"type":"broadcast","event":"e","payload":{}}])");
	c.Send(R"([null,"4","phoenix","other",{}])");
	auto msgs = c.Take();
	ASSERT_EQ(msgs.size(), 4u);
	EXPECT_EQ(msgs[0].payload.at("response").at("reason"), json::value("unmatched topic"));
	EXPECT_EQ(msgs[0].ref, json::value("1"));
	EXPECT_EQ(msgs[1].payload.at("response").at("reason"),
	          json::value("TopicNameRequired: You must provide a topic name"));
	EXPECT_EQ(msgs[2].payload.at("response").at("reason"), json::value("unmatched topic"));
	EXPECT_EQ(msgs[3].payload.at("response").at("reason"), json::value("unmatched topic"));
	EXPECT_EQ(hub.ChannelCount(), 0u);
}

TEST_F(HubTest, MalformedFramesAreDroppedAndCounted) {
	TestClient bad(hub, Serializer::V2), good(hub, Serializer::V2);
	Join(good, "realtime:g", R"([{"event":"*","schema":"public","table":"users"}])");
	auto before = GlobalMetrics().client_errors.load();
	bad.Send("{{{");
	bad.Send(R"({"topic":"phoenix"})");
	bad.Send(R"([1,2])");
	bad.conn->OnBinary(std::string("\x09junk", 5));
	EXPECT_EQ(GlobalMetrics().client_errors.load(), before + 4);
	EXPECT_TRUE(bad.transport->frames.empty());
	EXPECT_TRUE(bad.transport->closes.empty());
	bad.Send(R"([null,"5","phoenix","heartbeat",{}])");  // the socket carries on
	EXPECT_EQ(bad.Take().size(), 1u);
	hub.Dispatch(ChangeEvent(kInsertUser));
	EXPECT_EQ(good.Take().size(), 1u);
}

TEST_F(HubTest, EveryEventIsMarkedHandled) {
	TestClient c(hub, Serializer::V2);
	Join(c, "realtime:a", R"([{"event":"*","schema":"public","table":"users"}])");
	hub.Dispatch(ChangeEvent(kInsertUser, 10));   // delivered
	hub.Dispatch(ChangeEvent(kInsertOrder, 20));  // nobody wants it
	hub.Dispatch(ChangeEvent(R"({"type":"BEGIN"})", 30));  // not a row change
	hub.Dispatch(ChangeEvent(R"([1,2,3])", 40));  // not even an object
	WalEvent message;
	message.kind = WalEventKind::Message;
	message.json = std::make_shared<const std::string>(R"({"type":"MESSAGE","prefix":"walcast","content":"x"})");
	message.data = std::make_shared<const json::value>(json::parse(*message.json));
	hub.Dispatch(message);
	WalEvent commit;
	commit.kind = WalEventKind::Commit;
	commit.commit_lsn = 0x1234;
	hub.Dispatch(commit);
	EXPECT_EQ(progress.HandledCount(), 6u);
	EXPECT_EQ(progress.HandledCommit(), 0x1234u);
}

TEST_F(HubTest, CatalogAnswerAfterLeaveIsIgnored) {
	catalog.defer = true;
	TestClient c(hub, Serializer::V2);
	Join(c, "realtime:a", R"([{"event":"*","schema":"public","table":"users"}])");
	hub.Dispatch(ChangeEvent(kInsertUser));  // not active until the catalog answered
	EXPECT_TRUE(c.Take().empty());
	c.Send(R"(["1","2","realtime:a","phx_leave",{}])");
	c.Take();
	catalog.Flush();
	EXPECT_TRUE(c.Take().empty());
	hub.Dispatch(ChangeEvent(kInsertUser));
	EXPECT_TRUE(c.Take().empty());

	// And when it answers while still joined, routing starts.
	Join(c, "realtime:b", R"([{"event":"*","schema":"public","table":"users"}])", "3");
	catalog.Flush();
	auto msgs = c.Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].payload.at("message"), json::value("Subscribed to PostgreSQL"));
	hub.Dispatch(ChangeEvent(kInsertUser));
	EXPECT_EQ(c.Take().size(), 1u);
}

TEST_F(HubTest, ClosedConnectionLeavesEverything) {
	auto gauge = GlobalMetrics().channels.load();
	TestClient c(hub, Serializer::V2);
	Join(c, "realtime:a", R"([{"event":"*","schema":"*"}])", "1");
	Join(c, "realtime:b", "[]", "2");
	EXPECT_EQ(GlobalMetrics().channels.load(), gauge + 2);
	c.conn->OnClosed();
	EXPECT_EQ(hub.ChannelCount(), 0u);
	EXPECT_EQ(GlobalMetrics().channels.load(), gauge);
	auto sent = c.transport->frames.size();
	hub.Dispatch(ChangeEvent(kInsertUser));
	c.Send(R"([null,"5","phoenix","heartbeat",{}])");
	EXPECT_EQ(c.transport->frames.size(), sent);
	EXPECT_EQ(c.transport.use_count(), 1);  // the connection let go of the transport
}

TEST_F(HubTest, ClientClosingDuringFanOutDoesNotDisturbOthers) {
	TestClient a(hub, Serializer::V2), b(hub, Serializer::V2), d(hub, Serializer::V2);
	for (auto* c : {&a, &b, &d}) Join(*c, "realtime:x", R"([{"event":"*","schema":"public","table":"users"}])");
	// b's transport closes b as soon as something is queued (a slow client hitting its cap).
	b.transport->on_send = [&] { b.conn->OnClosed(); };
	hub.Dispatch(ChangeEvent(kInsertUser));
	EXPECT_EQ(a.Take().size(), 1u);
	EXPECT_EQ(d.Take().size(), 1u);
	EXPECT_EQ(hub.ChannelCount(), 2u);
	hub.Dispatch(ChangeEvent(kInsertUser));
	EXPECT_EQ(a.Take().size(), 1u);
	EXPECT_EQ(b.Take().size(), 1u);  // only the first one
}

TEST_F(HubTest, ChannelLimitPerConnection) {
	ClientLimits limits;
	limits.max_channels = 2;
	TestClient c(hub, Serializer::V2, limits);
	Join(c, "realtime:a", "[]", "1");
	Join(c, "realtime:b", "[]", "2");
	c.Send(R"(["3","3","realtime:c","phx_join",{"config":{}}])");
	auto msgs = c.Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].payload.at("response").at("reason"),
	          json::value("ChannelRateLimitReached: Too many channels (MAX_CHANNELS_PER_CLIENT 2)"));
}

TEST_F(HubTest, BroadcastJsonRelaysToOthersAndHonoursSelfAndAck) {
	TestClient sender(hub, Serializer::V2), v2(hub, Serializer::V2), v1(hub, Serializer::V1);
	sender.Send(R"(["1","1","realtime:room","phx_join",{"config":{"broadcast":{"self":false,"ack":true}}}])");
	Join(v2, "realtime:room", "[]");
	Join(v1, "realtime:room", "[]");
	sender.Take();
	v1.Take();
	sender.Send(R"(["1","2","realtime:room","broadcast",{"type":"broadcast","event":"cursor","payload":{"x":1}}])");
	auto mine = sender.Take();
	ASSERT_EQ(mine.size(), 1u);  // the ack only
	EXPECT_EQ(mine[0].event, "phx_reply");
	EXPECT_EQ(mine[0].ref, json::value("2"));
	auto expected = json::parse(R"({"type":"broadcast","event":"cursor","payload":{"x":1}})");
	for (auto* c : {&v2, &v1}) {
		auto msgs = c->Take();
		ASSERT_EQ(msgs.size(), 1u);
		EXPECT_EQ(msgs[0].event, "broadcast");
		EXPECT_TRUE(msgs[0].ref.is_null());
		EXPECT_EQ(msgs[0].payload, expected);
	}
	EXPECT_EQ(v2.transport->frames.back().bytes.substr(0, 10), "[null,null");

	// self: true includes the sender; no ack means no reply.
	TestClient echo(hub, Serializer::V1);
	echo.Send(R"({"topic":"realtime:room2","event":"phx_join","payload":{"config":{"broadcast":{"self":"true"}}},"ref":"1","join_ref":"1"})");
	echo.Take();
	echo.Send(R"({"topic":"realtime:room2","event":"broadcast","payload":{"type":"broadcast","event":"e","payload":{}},"ref":"2","join_ref":"1"})");
	auto msgs = echo.Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].event, "broadcast");
}

TEST_F(HubTest, BinaryBroadcastBecomesKind4ForV2AndJsonForV1) {
	TestClient sender(hub, Serializer::V2), v2(hub, Serializer::V2), v1(hub, Serializer::V1);
	Join(sender, "realtime:room1", "[]", "6");
	Join(v2, "realtime:room1", "[]");
	Join(v1, "realtime:room1", "[]");
	v1.Take();
	std::string frame = std::string("\x03\x01\x01\x0e\x06\x00\x01", 7) + "67realtime:room1cursor" + R"({"x":1,"y":2})";
	sender.conn->OnBinary(frame);
	EXPECT_TRUE(sender.Take().empty());
	ASSERT_EQ(v2.transport->frames.size(), 2u);  // join reply, then the broadcast
	auto& bin = v2.transport->frames.back();
	EXPECT_TRUE(bin.binary);
	EXPECT_EQ(bin.bytes, std::string("\x04\x0e\x06\x00\x01", 5) + "realtime:room1cursor" + R"({"x":1,"y":2})");
	auto msgs = v1.Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].event, "broadcast");
	EXPECT_EQ(msgs[0].payload, json::parse(R"({"type":"broadcast","event":"cursor","payload":{"x":1,"y":2}})"));

	// Raw-byte payloads reach vsn-2 clients only.
	std::string raw = std::string("\x03\x01\x01\x0e\x01\x00\x00", 7) + "68realtime:room1b" + std::string("\x00\x01", 2);
	sender.conn->OnBinary(raw);
	EXPECT_EQ(v2.transport->frames.size(), 3u);
	EXPECT_TRUE(v1.Take().empty());
}

TEST_F(HubTest, BinaryBroadcastWithInvalidUtf8IsRefusedToTheSenderAndReachesNoOne) {
	// One byte \xff as the event name would go into vsn-1 receivers' JSON text frames, and a browser must fail
	// a connection on a text frame that is not UTF-8: one sender could disconnect the whole topic.
	TestClient sender(hub, Serializer::V2), v2(hub, Serializer::V2), v1(hub, Serializer::V1);
	Join(sender, "realtime:room1", "[]", "6");
	Join(v2, "realtime:room1", "[]");
	Join(v1, "realtime:room1", "[]");
	v1.Take();
	v2.Take();
	const auto errors_before = GlobalMetrics().client_errors.load();
	std::string bad_event = std::string("\x03\x01\x01\x0e\x01\x00\x01", 7) + "67realtime:room1\xff" + R"({"x":1})";
	sender.conn->OnBinary(bad_event);
	auto replies = sender.Take();
	ASSERT_EQ(replies.size(), 1u);
	EXPECT_EQ(replies[0].event, "phx_reply");
	EXPECT_EQ(replies[0].payload.at("status"), json::value("error"));
	EXPECT_TRUE(v1.Take().empty());
	EXPECT_TRUE(v2.Take().empty());
	std::string bad_meta = std::string("\x03\x01\x01\x0e\x01\x02\x01", 7) + "67realtime:room1e\xc3\x28" + R"({"x":1})";
	sender.conn->OnBinary(bad_meta);
	EXPECT_EQ(sender.Take().size(), 1u);
	EXPECT_TRUE(v1.Take().empty());
	// A topic that is not UTF-8 cannot even be answered: dropped and counted.
	std::string bad_topic = std::string("\x03\x01\x01\x0e\x01\x00\x01", 7) + "67realtime:roo\xff" "e" + R"({"x":1})";
	sender.conn->OnBinary(bad_topic);
	EXPECT_TRUE(sender.Take().empty());
	EXPECT_EQ(GlobalMetrics().client_errors.load(), errors_before + 3);
	// The same broadcast with a valid name still goes through.
	std::string good = std::string("\x03\x01\x01\x0e\x02\x00\x01", 7) + "67realtime:room1\xc3\xa9" + R"({"x":1})";
	sender.conn->OnBinary(good);
	auto msgs = v1.Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].payload.at("event"), json::value("\xc3\xa9"));
}

TEST_F(HubTest, PresenceLimitsRefuseTheTrackWithAReasonAndStoreNothing) {
	hub.SetPresenceLimits({/*max_meta_bytes=*/20, /*max_per_topic=*/2});
	TestClient a(hub, Serializer::V2), b(hub, Serializer::V2), c(hub, Serializer::V2), watcher(hub, Serializer::V2);
	for (auto* client : {&a, &b, &c, &watcher})
		client->Send(R"(["1","1","realtime:p","phx_join",{"config":{"presence":{"key":"","enabled":true}}}])");
	for (auto* client : {&a, &b, &c, &watcher}) client->Take();
	auto track = [](std::string_view meta) {
		return R"(["1","2","realtime:p","presence",{"type":"presence","event":"track","payload":)" + std::string(meta) + "}]";
	};
	// {"k":"123456789012"} is exactly 20 bytes of JSON: accepted. One byte more is refused, and others see nothing.
	a.Send(track(R"({"k":"123456789012"})"));
	auto msgs = a.Take();
	ASSERT_FALSE(msgs.empty());
	EXPECT_EQ(msgs[0].payload.at("status"), json::value("ok"));
	for (auto* client : {&b, &c, &watcher}) client->Take();  // a's presence_diff
	a.Send(track(R"({"k":"1234567890123"})"));
	msgs = a.Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].payload.at("status"), json::value("error"));
	EXPECT_EQ(msgs[0].payload.at("response").at("reason"),
	          json::value("presence state too large: 21 bytes. Maximum 20 (MAX_PRESENCE_META_BYTES)"));
	EXPECT_TRUE(watcher.Take().empty());

	// Two presences on the topic at most: b fills it, c is refused, a may still update its own.
	b.Send(track(R"({"k":"b"})"));
	EXPECT_EQ(b.Take().at(0).payload.at("status"), json::value("ok"));
	for (auto* client : {&a, &c, &watcher}) client->Take();  // b's presence_diff
	c.Send(track(R"({"k":"c"})"));
	msgs = c.Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].payload.at("response").at("reason"),
	          json::value("too many presences on this topic: Maximum 2 (MAX_PRESENCES_PER_TOPIC)"));
	a.Send(track(R"({"k":"a2"})"));
	EXPECT_EQ(a.Take().at(0).payload.at("status"), json::value("ok"));
	auto state = hub.PresenceState("realtime:p");
	std::size_t metas = 0;
	for (auto& [key, entry] : state) metas += entry.at("metas").as_array().size();
	EXPECT_EQ(metas, 2u);
}

TEST_F(HubTest, PresenceTrackUntrackAndLeave) {
	TestClient alice(hub, Serializer::V2), bob(hub, Serializer::V2), quiet(hub, Serializer::V2);
	alice.Send(R"(["1","1","realtime:p","phx_join",{"config":{"presence":{"key":"alice","enabled":true}}}])");
	bob.Send(R"(["1","1","realtime:p","phx_join",{"config":{"presence":{"key":"bob","enabled":true}}}])");
	Join(quiet, "realtime:p", "[]");
	alice.Take();
	bob.Take();
	alice.Send(R"(["1","2","realtime:p","presence",{"type":"presence","event":"track","payload":{"online_at":"now"}}])");
	auto msgs = alice.Take();
	ASSERT_EQ(msgs.size(), 2u);
	EXPECT_EQ(msgs[0].event, "phx_reply");
	EXPECT_EQ(msgs[0].payload.at("status"), json::value("ok"));
	EXPECT_EQ(msgs[1].event, "presence_diff");  // the sender gets its own diff
	auto bm = bob.Take();
	ASSERT_EQ(bm.size(), 1u);
	EXPECT_EQ(bm[0].event, "presence_diff");
	EXPECT_TRUE(bm[0].join_ref.is_null());
	auto& joins = bm[0].payload.at("joins").as_object();
	ASSERT_TRUE(joins.contains("alice"));
	auto& meta = joins.at("alice").at("metas").as_array().at(0);
	EXPECT_EQ(meta.at("online_at"), json::value("now"));
	EXPECT_TRUE(meta.at("phx_ref").is_string());
	EXPECT_TRUE(bm[0].payload.at("leaves").as_object().empty());
	EXPECT_TRUE(quiet.Take().empty());  // presence not enabled: no diffs to buffer forever

	// A later joiner sees alice in presence_state.
	TestClient carol(hub, Serializer::V2);
	carol.Send(R"(["1","1","realtime:p","phx_join",{"config":{"presence":{"key":"","enabled":true}}}])");
	msgs = carol.Take();
	ASSERT_EQ(msgs.size(), 2u);
	EXPECT_EQ(msgs[1].event, "presence_state");
	EXPECT_TRUE(msgs[1].payload.as_object().contains("alice"));

	// A bad track payload is refused.
	bob.Send(R"(["1","3","realtime:p","presence",{"type":"presence","event":"track","payload":5}])");
	msgs = bob.Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].payload.at("response").at("reason"), json::value("Presence track payload must be a map"));

	// alice's socket goes away: the others see her leave.
	alice.conn->OnClosed();
	bm = bob.Take();
	ASSERT_EQ(bm.size(), 1u);
	EXPECT_TRUE(bm[0].payload.at("leaves").as_object().contains("alice"));
	EXPECT_TRUE(hub.PresenceState("realtime:p").empty());
}

TEST_F(HubTest, WalcastMessageBecomesBroadcast) {
	TestClient c(hub, Serializer::V2);
	Join(c, "realtime:alerts", "[]");
	WalEvent message;
	message.kind = WalEventKind::Message;
	message.json = std::make_shared<const std::string>(
	    R"({"type":"MESSAGE","prefix":"walcast","transactional":true,"content":{"topic":"alerts","event":"fire","payload":{"level":3}}})");
	message.data = std::make_shared<const json::value>(json::parse(*message.json));
	hub.Dispatch(message);
	auto msgs = c.Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].event, "broadcast");
	// Only the database's broadcasts carry meta.source (a client's is stripped), so receivers can tell them apart.
	EXPECT_EQ(msgs[0].payload,
	          json::parse(R"({"type":"broadcast","event":"fire","payload":{"level":3},"meta":{"source":"database"}})"));
}

TEST_F(HubTest, WalcastMessageWithoutContentSendsNothing) {
	TestClient c(hub, Serializer::V2);
	Join(c, "realtime:alerts", "[]");
	c.Take();
	WalEvent message;
	message.kind = WalEventKind::Message;
	message.json = std::make_shared<const std::string>(
	    R"({"type":"MESSAGE","prefix":"walcast","transactional":true,"errors":["Error 413: Payload Too Large"]})");
	message.data = std::make_shared<const json::value>(json::parse(*message.json));
	hub.Dispatch(message);
	EXPECT_TRUE(c.Take().empty());
}

TEST_F(HubTest, AccessTokenAndUnknownEventsGetNoReply) {
	TestClient c(hub, Serializer::V2);
	Join(c, "realtime:a", "[]");
	c.Send(R"(["1","2","realtime:a","access_token",{"access_token":"jwt"}])");
	c.Send(R"(["1","3","realtime:a","whatever",{}])");
	EXPECT_TRUE(c.Take().empty());
}

}  // namespace
}  // namespace walcast::channels

namespace walcast::channels {
namespace {

using namespace walcast::channels::testing;

class ReentrantCloseTest : public ::testing::Test {
protected:
	DeliveryProgress progress;
	FakeCatalog catalog;
	Hub hub{progress, catalog};
};

TEST_F(ReentrantCloseTest, CloseWhileSendingPhxCloseOfADuplicateJoin) {
	TestClient c(hub, Serializer::V2);
	c.Send(R"(["1","1","realtime:a","phx_join",{"config":{}}])");
	EXPECT_EQ(hub.ChannelCount(), 1u);
	c.transport->on_send = [&] { c.conn->OnClosed(); };
	c.Send(R"(["2","2","realtime:a","phx_join",{"config":{"presence":{"enabled":true}}}])");
	EXPECT_EQ(hub.ChannelCount(), 0u);
	EXPECT_EQ(c.conn->ChannelCount(), 0u);
}

TEST_F(ReentrantCloseTest, CloseWhileSendingTheJoinReply) {
	TestClient c(hub, Serializer::V2);
	c.transport->on_send = [&] { c.conn->OnClosed(); };
	c.Send(R"(["1","1","realtime:a","phx_join",{"config":{"presence":{"enabled":true},"postgres_changes":[{"event":"*","schema":"*"}]}}])");
	EXPECT_EQ(hub.ChannelCount(), 0u);
	EXPECT_EQ(c.transport->frames.size(), 1u);  // the reply; nothing after the close
}

TEST_F(ReentrantCloseTest, CloseWhileSendingPresenceStateLeavesNoGhost) {
	TestClient c(hub, Serializer::V2), other(hub, Serializer::V2);
	other.Send(R"(["1","1","realtime:p","phx_join",{"config":{"presence":{"enabled":true}}}])");
	c.Send(R"(["1","1","realtime:p","phx_join",{"config":{}}])");
	c.transport->on_send = [&] { c.conn->OnClosed(); };
	// The track enables presence, so presence_state is pushed first: the close happens there.
	c.Send(R"(["1","2","realtime:p","presence",{"type":"presence","event":"track","payload":{"a":1}}])");
	EXPECT_TRUE(hub.PresenceState("realtime:p").empty());
	EXPECT_EQ(hub.ChannelCount(), 1u);
}

}  // namespace
}  // namespace walcast::channels
