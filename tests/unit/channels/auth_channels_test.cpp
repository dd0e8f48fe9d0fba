// Authorization in the channels stage, with a fake verifier and a fake authorizer: each test tries to break
// one guarantee of the wiring (README "Security"): who may join, what a private topic's policies let a
// channel read and write, that private and public topics stay apart, that expired or refused tokens close
// the channel, and that postgres_changes only carry the tables the role may SELECT.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "auth/authorizer.hpp"
#include "auth/token_verifier.hpp"
#include "channels/hub.hpp"
#include "core/delivery_progress.hpp"
#include "fakes.hpp"

namespace walcast::channels {
namespace {

using namespace walcast::channels::testing;
using Clock = std::chrono::system_clock;
using std::chrono::hours;
using std::chrono::seconds;

// Maps token strings to identities or to an error. Like the real verifier, every Verify returns a fresh
// identity object, so the channels stage cannot rely on two verifications sharing one.
class FakeVerifier final : public auth::TokenVerifier {
public:
	struct Entry {
		std::string role;
		Clock::time_point expires_at;
		std::string error;  // non-empty: the token does not verify
	};
	std::map<std::string, Entry, std::less<>> tokens;
	// As the real verifier with JWT_CACHE_ENTRIES: a token verified again gives the same identity object.
	bool remember = false;
	mutable std::map<std::string, auth::IdentityPtr, std::less<>> remembered;

	void Add(std::string token, std::string role, Clock::time_point expires_at) {
		tokens[std::move(token)] = Entry{std::move(role), expires_at, {}};
	}
	void AddBad(std::string token, std::string error) { tokens[std::move(token)] = Entry{{}, {}, std::move(error)}; }

	static auth::IdentityPtr Make(std::string role, Clock::time_point expires_at) {
		auto id = std::make_shared<auth::Identity>();
		id->role = std::move(role);
		id->claims_json = "{\"role\":\"" + id->role + "\"}";
		id->claims = boost::json::object{{"role", id->role}};
		id->expires_at = expires_at;
		return id;
	}

	auth::VerifyResult Verify(std::string_view token, Clock::time_point) const override {
		auto it = tokens.find(token);
		if (it == tokens.end()) return {nullptr, "invalid signature"};
		if (!it->second.error.empty()) return {nullptr, it->second.error};
		if (!remember) return {Make(it->second.role, it->second.expires_at), {}};
		auto& known = remembered[std::string(token)];
		if (!known) known = Make(it->second.role, it->second.expires_at);
		return {known, {}};
	}
};

// Records every request; answers at once with `policy` when set, otherwise when the test calls Answer.
class FakeAuthorizer final : public auth::Authorizer {
public:
	struct Request {
		auth::AccessRequest request;
		std::weak_ptr<const void> interest;
		Callback done;
		bool answered = false;
	};
	std::vector<Request> requests;
	std::function<auth::AccessResult(const auth::AccessRequest&)> policy;

	void Check(auth::AccessRequest request, std::weak_ptr<const void> interest, Callback done) override {
		requests.push_back({std::move(request), std::move(interest), std::move(done)});
		if (policy) {
			auto& r = requests.back();
			r.answered = true;
			auto result = policy(r.request);
			auto callback = r.done;  // `requests` may grow while the callback runs
			callback(std::move(result));
		}
	}
	void Answer(std::size_t i, auth::AccessResult result) {
		ASSERT_LT(i, requests.size());
		ASSERT_FALSE(requests[i].answered);
		requests[i].answered = true;
		auto callback = requests[i].done;
		callback(std::move(result));
	}
	std::size_t Unanswered() const {
		std::size_t n = 0;
		for (auto& r : requests) n += !r.answered;
		return n;
	}
};

auth::AccessResult Rights(unsigned bits) {
	auth::AccessResult r;
	r.topic_allowed = bits;
	return r;
}

constexpr unsigned kAll = auth::kReadBroadcast | auth::kReadPresence | auth::kWriteBroadcast | auth::kWritePresence;

const char* kInsertUser = R"({"schema":"public","table":"users","commit_timestamp":"2025-11-19T00:22:40.877Z",
	"type":"INSERT","columns":[{"name":"id","type":"int8"},{"name":"name","type":"text"}],
	"record":{"id":2,"name":"bob"},"errors":null})";
const char* kInsertTodo = R"({"schema":"public","table":"todos","commit_timestamp":"2025-11-19T00:22:40.877Z",
	"type":"INSERT","columns":[{"name":"id","type":"int4"},{"name":"done","type":"bool"}],
	"record":{"id":1,"done":false},"errors":null})";

class AuthChannelsTest : public ::testing::Test {
protected:
	AuthChannelsTest() {
		catalog.tables = {
			CatalogTable{"public", "users", {{"id", "int8"}, {"name", "text"}}},
			CatalogTable{"public", "todos", {{"id", "int4"}, {"done", "bool"}}},
		};
		expires = Clock::now() + hours(1);
		verifier.Add("anon", "anon", expires);
		verifier.Add("user", "authenticated", expires);
		verifier.Add("later", "authenticated", expires + hours(1));
		verifier.AddBad("bad", "invalid signature");
		verifier.AddBad("old", "Token has expired");
		hub.SetAuth({&verifier, &authorizer, false});
	}

	// A client whose WebSocket apikey verified as `role` (or none: no apikey identity).
	std::unique_ptr<TestClient> Client(std::optional<std::string> apikey_role = "anon",
	                                   Serializer s = Serializer::V2) {
		auto c = std::make_unique<TestClient>(hub, s);
		if (apikey_role) c->conn->SetConnectionIdentity(FakeVerifier::Make(*apikey_role, expires));
		return c;
	}

	static std::string JoinFrame(std::string_view topic, std::string_view join_ref, bool is_private,
	                             std::string_view access_token = {}, bool presence = false,
	                             std::string_view changes = "[]", bool self = false, bool ack = false) {
		std::string payload = "{\"config\":{\"broadcast\":{\"ack\":" + std::string(ack ? "true" : "false") +
		                      ",\"self\":" + std::string(self ? "true" : "false") +
		                      "},\"presence\":{\"key\":\"\",\"enabled\":" + std::string(presence ? "true" : "false") +
		                      "},\"postgres_changes\":" + std::string(changes) +
		                      ",\"private\":" + std::string(is_private ? "true" : "false") + "}";
		if (!access_token.empty()) payload += ",\"access_token\":\"" + std::string(access_token) + "\"";
		payload += "}";
		return "[\"" + std::string(join_ref) + "\",\"" + std::string(join_ref) + "\",\"" + std::string(topic) +
		       "\",\"phx_join\"," + payload + "]";
	}

	static std::string Push(std::string_view topic, std::string_view join_ref, std::string_view ref,
	                        std::string_view event, std::string_view payload) {
		return "[\"" + std::string(join_ref) + "\",\"" + std::string(ref) + "\",\"" + std::string(topic) + "\",\"" +
		       std::string(event) + "\"," + std::string(payload) + "]";
	}

	static std::string BroadcastFrame(std::string_view topic, std::string_view join_ref, std::string_view ref = "9",
	                                  std::string_view event = "e") {
		return Push(topic, join_ref, ref, "broadcast",
		            R"({"type":"broadcast","event":")" + std::string(event) + R"(","payload":{"x":1}})");
	}

	// Joins and expects the ok reply (answering a private join's policy check with `rights`); drops the frames.
	void JoinOk(TestClient& c, std::string_view topic, bool is_private, unsigned rights = kAll,
	            std::string_view join_ref = "1", bool presence = false, bool self = false, bool ack = false) {
		const std::size_t asked = authorizer.requests.size();
		c.Send(JoinFrame(topic, join_ref, is_private, {}, presence, "[]", self, ack));
		if (is_private) {
			ASSERT_EQ(authorizer.requests.size(), asked + 1);
			authorizer.Answer(asked, Rights(rights));
		}
		auto msgs = c.Take();
		ASSERT_FALSE(msgs.empty());
		ASSERT_EQ(msgs[0].event, "phx_reply");
		ASSERT_EQ(msgs[0].payload.at("status"), json::value("ok")) << json::serialize(msgs[0].payload);
	}

	static std::string Reason(const Msg& m) { return std::string(m.payload.at("response").at("reason").as_string()); }
	static bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

	static std::size_t CountEvent(const std::vector<Msg>& msgs, std::string_view event) {
		std::size_t n = 0;
		for (auto& m : msgs) n += m.event == event;
		return n;
	}

	static WalEvent DatabaseMessage(std::string_view content_json) {
		WalEvent e;
		e.kind = WalEventKind::Message;
		e.lsn = 100;
		e.json = std::make_shared<const std::string>(
			R"({"type":"MESSAGE","prefix":"walcast","transactional":true,"content":)" + std::string(content_json) + "}");
		e.data = std::make_shared<const json::value>(json::parse(*e.json));
		return e;
	}

	// The revocation of a channel: a `system` error with `message`, then phx_close, and nothing else.
	static void ExpectRevoked(const std::vector<Msg>& msgs, std::string_view topic, std::string_view message_prefix) {
		ASSERT_EQ(msgs.size(), 2u);
		EXPECT_EQ(msgs[0].topic, topic);
		EXPECT_EQ(msgs[0].event, "system");
		EXPECT_EQ(msgs[0].payload.at("status"), json::value("error"));
		EXPECT_EQ(msgs[0].payload.at("extension"), json::value("system"));
		EXPECT_TRUE(StartsWith(msgs[0].payload.at("message").as_string(), message_prefix))
			<< json::serialize(msgs[0].payload);
		EXPECT_EQ(msgs[1].topic, topic);
		EXPECT_EQ(msgs[1].event, "phx_close");
	}

	Clock::time_point expires;
	DeliveryProgress progress;
	FakeCatalog catalog;
	FakeVerifier verifier;
	FakeAuthorizer authorizer;
	Hub hub{progress, catalog};
};

// ---- who may join ----

TEST_F(AuthChannelsTest, JoinWithABadAccessTokenIsRefused) {
	auto c = Client();
	for (const char* token : {"bad", "old", "unknown"}) {
		c->Send(JoinFrame("realtime:room1", "1", false, token));
		auto msgs = c->Take();
		ASSERT_EQ(msgs.size(), 1u) << token;
		EXPECT_EQ(msgs[0].event, "phx_reply");
		EXPECT_EQ(msgs[0].payload.at("status"), json::value("error"));
		EXPECT_TRUE(StartsWith(Reason(msgs[0]), "InvalidJWTToken")) << Reason(msgs[0]);
	}
	// (A bad access_token is refused even though the apikey identity would do: the token named wins.)
	EXPECT_EQ(hub.ChannelCount(), 0u);
	EXPECT_EQ(c->conn->ChannelCount(), 0u);
	EXPECT_TRUE(authorizer.requests.empty());
}

TEST_F(AuthChannelsTest, JoinWithoutAnyIdentityIsRefused) {
	auto c = Client(std::nullopt);
	c->Send(JoinFrame("realtime:room1", "1", false));
	c->Send(JoinFrame("realtime:room2", "2", false, ""));  // an empty access_token is no token
	c->Send(R"(["3","3","realtime:public:users","phx_join",{}])");  // legacy join too
	auto msgs = c->Take();
	ASSERT_EQ(msgs.size(), 3u);
	for (auto& m : msgs) {
		EXPECT_EQ(m.payload.at("status"), json::value("error"));
		EXPECT_TRUE(StartsWith(Reason(m), "InvalidJWTToken")) << Reason(m);
	}
	EXPECT_EQ(hub.ChannelCount(), 0u);

	// The same connection may join once it names a token that verifies.
	c->Send(JoinFrame("realtime:room1", "4", false, "user"));
	msgs = c->Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].payload.at("status"), json::value("ok"));
	EXPECT_EQ(hub.ChannelCount(), 1u);
}

TEST_F(AuthChannelsTest, JoinWithAnExpiredApikeyIdentityIsRefused) {
	// The apikey verified at the upgrade, but it has expired since: a new join may not act as it.
	auto c = std::make_unique<TestClient>(hub, Serializer::V2);
	c->conn->SetConnectionIdentity(FakeVerifier::Make("anon", Clock::now() - seconds(1)));
	c->Send(JoinFrame("realtime:room1", "1", false));
	auto msgs = c->Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].payload.at("status"), json::value("error"));
	EXPECT_TRUE(StartsWith(Reason(msgs[0]), "InvalidJWTToken")) << Reason(msgs[0]);
	EXPECT_EQ(hub.ChannelCount(), 0u);
	// A fresh access_token is enough.
	c->Send(JoinFrame("realtime:room1", "2", false, "user"));
	msgs = c->Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].payload.at("status"), json::value("ok"));
}

TEST_F(AuthChannelsTest, PrivateChannelsOnlyRefusesPublicJoins) {
	hub.SetAuth({&verifier, &authorizer, true});
	auto c = Client();
	c->Send(JoinFrame("realtime:room1", "1", false));
	c->Send(R"(["2","2","realtime:public:users","phx_join",{}])");  // legacy topics cannot be private
	auto msgs = c->Take();
	ASSERT_EQ(msgs.size(), 2u);
	for (auto& m : msgs) {
		EXPECT_EQ(m.payload.at("status"), json::value("error"));
		EXPECT_TRUE(StartsWith(Reason(m), "PrivateOnly")) << Reason(m);
	}
	EXPECT_EQ(hub.ChannelCount(), 0u);
	EXPECT_TRUE(authorizer.requests.empty());
	JoinOk(*c, "realtime:room1", true, kAll, "3");
	EXPECT_EQ(hub.ChannelCount(), 1u);
}

// ---- private joins wait for the policies ----

TEST_F(AuthChannelsTest, PrivateJoinIsAnsweredOnlyAfterThePolicies) {
	auto member = Client();
	JoinOk(*member, "realtime:room1", true);

	auto c = Client();
	c->Send(JoinFrame("realtime:room1", "1", true, "user"));
	EXPECT_TRUE(c->Take().empty());
	ASSERT_EQ(authorizer.requests.size(), 2u);
	const auto& req = authorizer.requests[1].request;
	EXPECT_EQ(req.topic, "room1");  // the sub-topic, as walcast.topic() gives it to the policies
	EXPECT_EQ(req.topic_checks, kAll);
	ASSERT_TRUE(req.identity);
	EXPECT_EQ(req.identity->role, "authenticated");  // the access_token's identity, not the apikey's
	EXPECT_TRUE(req.tables.empty());
	EXPECT_FALSE(authorizer.requests[1].interest.expired());

	// Before the answer the channel is nobody: its events are ignored and it receives nothing.
	c->Send(BroadcastFrame("realtime:room1", "1"));
	c->Send(Push("realtime:room1", "1", "3", "presence", R"({"type":"presence","event":"track","payload":{"a":1}})"));
	hub.Publish({"room1", "e", json::object(), true});
	EXPECT_TRUE(c->Take().empty());
	auto seen = member->Take();
	ASSERT_EQ(seen.size(), 1u);  // the Publish only: not c's broadcast, not a presence diff
	EXPECT_EQ(seen[0].event, "broadcast");
	EXPECT_TRUE(hub.PresenceState("realtime:room1", true).empty());
	EXPECT_EQ(hub.ChannelCount(), 1u);

	authorizer.Answer(1, Rights(kAll));
	auto msgs = c->Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].event, "phx_reply");
	EXPECT_EQ(msgs[0].ref, json::value("1"));
	EXPECT_EQ(msgs[0].payload.at("status"), json::value("ok"));
	EXPECT_EQ(hub.ChannelCount(), 2u);

	// Now it is a member.
	c->Send(BroadcastFrame("realtime:room1", "1"));
	seen = member->Take();
	ASSERT_EQ(seen.size(), 1u);
	EXPECT_EQ(seen[0].payload.at("event"), json::value("e"));
}

TEST_F(AuthChannelsTest, PrivateJoinDeniedReadIsRefusedAndTheChannelReceivesNothing) {
	auto c = Client();
	c->Send(JoinFrame("realtime:secret", "1", true));
	ASSERT_EQ(authorizer.requests.size(), 1u);
	// Write rights alone do not make a member: it must be able to read broadcast or presence.
	authorizer.Answer(0, Rights(auth::kWriteBroadcast | auth::kWritePresence));
	auto msgs = c->Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].event, "phx_reply");
	EXPECT_EQ(msgs[0].payload.at("status"), json::value("error"));
	EXPECT_TRUE(StartsWith(Reason(msgs[0]), "Unauthorized: You do not have permissions to read")) << Reason(msgs[0]);
	EXPECT_EQ(hub.ChannelCount(), 0u);
	EXPECT_EQ(c->conn->ChannelCount(), 0u);

	// Nothing reaches it: REST, database messages, other members.
	auto member = Client();
	JoinOk(*member, "realtime:secret", true);
	hub.Publish({"secret", "e", json::object(), true});
	hub.Dispatch(DatabaseMessage(R"({"topic":"secret","event":"e","payload":{},"private":true})"));
	member->Send(BroadcastFrame("realtime:secret", "1"));
	EXPECT_TRUE(c->Take().empty());
	// Its events are "unmatched topic": it is not joined.
	c->Send(BroadcastFrame("realtime:secret", "1"));
	msgs = c->Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(Reason(msgs[0]), "unmatched topic");
}

TEST_F(AuthChannelsTest, PrivateJoinIsRefusedWhenThePoliciesCannotBeChecked) {
	auto c = Client();
	c->Send(JoinFrame("realtime:secret", "1", true));
	auth::AccessResult result;
	result.ok = false;
	result.error = "database unreachable";
	result.topic_allowed = kAll;  // ignored when !ok
	authorizer.Answer(0, result);
	auto msgs = c->Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].payload.at("status"), json::value("error"));
	EXPECT_NE(Reason(msgs[0]).find("database unreachable"), std::string::npos);
	EXPECT_EQ(hub.ChannelCount(), 0u);
}

TEST_F(AuthChannelsTest, LeavingBeforeTheAnswerMakesTheAnswerANoOp) {
	auto c = Client();
	c->Send(JoinFrame("realtime:secret", "1", true));
	c->Send(Push("realtime:secret", "1", "2", "phx_leave", "{}"));
	c->Take();
	EXPECT_EQ(c->conn->ChannelCount(), 0u);
	EXPECT_TRUE(authorizer.requests[0].interest.expired());  // the authorizer may drop the check unasked
	authorizer.Answer(0, Rights(kAll));
	EXPECT_TRUE(c->Take().empty());
	EXPECT_EQ(hub.ChannelCount(), 0u);
	EXPECT_EQ(c->conn->ChannelCount(), 0u);
	hub.Publish({"secret", "e", json::object(), true});
	EXPECT_TRUE(c->Take().empty());
}

TEST_F(AuthChannelsTest, AnAnswerForAnOlderJoinOfTheSameTopicIsIgnored) {
	auto c = Client();
	c->Send(JoinFrame("realtime:secret", "1", true));
	c->Send(JoinFrame("realtime:secret", "2", true));  // joined again before the first answer
	c->Take();
	ASSERT_EQ(authorizer.requests.size(), 2u);
	authorizer.Answer(0, Rights(kAll));
	EXPECT_TRUE(c->Take().empty());
	EXPECT_EQ(hub.ChannelCount(), 0u);
	authorizer.Answer(1, Rights(kAll));
	auto msgs = c->Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].ref, json::value("2"));
	EXPECT_EQ(msgs[0].payload.at("status"), json::value("ok"));
	EXPECT_EQ(hub.ChannelCount(), 1u);
}

TEST_F(AuthChannelsTest, AnAnswerAfterTheConnectionClosedIsHarmless) {
	auto c = Client();
	c->Send(JoinFrame("realtime:secret", "1", true));
	ASSERT_EQ(authorizer.requests.size(), 1u);
	c->conn->OnClosed();
	EXPECT_TRUE(authorizer.requests[0].interest.expired());  // the authorizer may drop the check unasked
	authorizer.Answer(0, Rights(kAll));
	EXPECT_TRUE(c->Take().empty());
	EXPECT_EQ(hub.ChannelCount(), 0u);

	// And after the connection object is gone altogether (the WebSocket session ended).
	auto d = Client();
	d->Send(JoinFrame("realtime:secret", "1", true));
	ASSERT_EQ(authorizer.requests.size(), 2u);
	auto transport = d->transport;
	d->conn.reset();
	authorizer.Answer(1, Rights(kAll));
	EXPECT_TRUE(d->Take().empty());
	EXPECT_EQ(hub.ChannelCount(), 0u);
}

// ---- what the policies granted ----

TEST_F(AuthChannelsTest, WithoutWriteBroadcastABroadcastIsRefusedAndReachesNoOne) {
	auto reader = Client(), other = Client();
	JoinOk(*reader, "realtime:room1", true, auth::kReadBroadcast | auth::kReadPresence, "1", false, true, true);
	JoinOk(*other, "realtime:room1", true, kAll);
	reader->Send(BroadcastFrame("realtime:room1", "1", "5"));
	auto msgs = reader->Take();
	ASSERT_EQ(msgs.size(), 1u);  // the refusal, not its own broadcast (self) nor an ok ack
	EXPECT_EQ(msgs[0].event, "phx_reply");
	EXPECT_EQ(msgs[0].ref, json::value("5"));
	EXPECT_EQ(msgs[0].payload.at("status"), json::value("error"));
	EXPECT_TRUE(StartsWith(Reason(msgs[0]), "Unauthorized: You do not have permissions to write")) << Reason(msgs[0]);
	EXPECT_TRUE(other->Take().empty());
	// Binary broadcasts too.
	std::string frame = std::string("\x03\x01\x01\x0e\x06\x00\x01", 7) + "16realtime:room1cursor" + R"({"x":1})";
	reader->conn->OnBinary(frame);
	EXPECT_EQ(reader->Take().size(), 1u);
	EXPECT_TRUE(other->Take().empty());
	EXPECT_EQ(other->transport->frames.size(), 1u);  // its join reply only
	// It still reads what others send.
	other->Send(BroadcastFrame("realtime:room1", "1"));
	EXPECT_EQ(CountEvent(reader->Take(), "broadcast"), 1u);
}

TEST_F(AuthChannelsTest, WithoutWritePresenceATrackIsRefused) {
	auto c = Client(), watcher = Client();
	JoinOk(*watcher, "realtime:room1", true, kAll, "1", true);
	JoinOk(*c, "realtime:room1", true, kAll & ~auth::kWritePresence, "1", true);
	watcher->Take();
	c->Send(Push("realtime:room1", "1", "2", "presence", R"({"type":"presence","event":"track","payload":{"a":1}})"));
	auto msgs = c->Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].payload.at("status"), json::value("error"));
	EXPECT_TRUE(StartsWith(Reason(msgs[0]), "Unauthorized: You do not have permissions to track presence"));
	EXPECT_TRUE(watcher->Take().empty());
	EXPECT_TRUE(hub.PresenceState("realtime:room1", true).empty());
}

TEST_F(AuthChannelsTest, WithoutReadPresenceTheStateIsEmptyAndNoDiffsArrive) {
	auto tracker = Client(), blind = Client();
	JoinOk(*tracker, "realtime:room1", true, kAll, "1", true);
	tracker->Send(Push("realtime:room1", "1", "2", "presence", R"({"type":"presence","event":"track","payload":{"a":1}})"));
	tracker->Take();
	ASSERT_EQ(hub.PresenceState("realtime:room1", true).size(), 1u);

	blind->Send(JoinFrame("realtime:room1", "1", true, {}, /*presence=*/true));
	authorizer.Answer(1, Rights(kAll & ~auth::kReadPresence));
	auto msgs = blind->Take();
	ASSERT_EQ(msgs.size(), 2u);
	EXPECT_EQ(msgs[0].payload.at("status"), json::value("ok"));
	EXPECT_EQ(msgs[1].event, "presence_state");
	EXPECT_EQ(msgs[1].payload, json::object());

	// It may track (write) but sees no diffs, not even its own; others see it.
	blind->Send(Push("realtime:room1", "1", "3", "presence", R"({"type":"presence","event":"track","payload":{"b":2}})"));
	msgs = blind->Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].event, "phx_reply");
	EXPECT_EQ(CountEvent(tracker->Take(), "presence_diff"), 1u);
	tracker->Send(Push("realtime:room1", "1", "4", "presence", R"({"type":"presence","event":"track","payload":{"a":3}})"));
	tracker->conn->OnClosed();
	EXPECT_TRUE(blind->Take().empty());
}

TEST_F(AuthChannelsTest, WithoutReadBroadcastNoBroadcastArrives) {
	auto deaf = Client(), talker = Client();
	JoinOk(*deaf, "realtime:room1", true, auth::kReadPresence | auth::kWriteBroadcast | auth::kWritePresence, "1",
	       false, /*self=*/true);
	JoinOk(*talker, "realtime:room1", true, kAll);
	talker->Send(BroadcastFrame("realtime:room1", "1"));
	std::string frame = std::string("\x03\x01\x01\x0e\x06\x00\x01", 7) + "16realtime:room1cursor" + R"({"x":1})";
	talker->conn->OnBinary(frame);
	hub.Publish({"room1", "e", json::object(), true});
	hub.Dispatch(DatabaseMessage(R"({"topic":"room1","event":"e","payload":{},"private":true})"));
	deaf->Send(BroadcastFrame("realtime:room1", "1"));  // self: true, but it may not read
	EXPECT_TRUE(deaf->Take().empty());
	EXPECT_EQ(deaf->transport->frames.size(), 1u);  // the join reply only: no binary frame either
	EXPECT_EQ(CountEvent(talker->Take(), "broadcast"), 3u);  // Publish, database message, deaf's broadcast
}

// ---- private and public topics of one name are apart ----

TEST_F(AuthChannelsTest, PublicAndPrivateTopicsOfOneNameAreApart) {
	auto pub = Client(), priv = Client();
	JoinOk(*pub, "realtime:room1", false, kAll, "1", true);
	JoinOk(*priv, "realtime:room1", true, kAll, "1", true);
	pub->Take();
	priv->Take();

	pub->Send(BroadcastFrame("realtime:room1", "1"));
	EXPECT_TRUE(priv->Take().empty());
	priv->Send(BroadcastFrame("realtime:room1", "1"));
	EXPECT_TRUE(pub->Take().empty());

	priv->Send(Push("realtime:room1", "1", "2", "presence", R"({"type":"presence","event":"track","payload":{"p":1}})"));
	EXPECT_EQ(CountEvent(priv->Take(), "presence_diff"), 1u);
	EXPECT_TRUE(pub->Take().empty());
	EXPECT_TRUE(hub.PresenceState("realtime:room1", false).empty());
	EXPECT_EQ(hub.PresenceState("realtime:room1", true).size(), 1u);

	// A later public joiner does not see the private presence in its state.
	auto late = Client();
	late->Send(JoinFrame("realtime:room1", "1", false, {}, true));
	auto msgs = late->Take();
	ASSERT_EQ(msgs.size(), 2u);
	EXPECT_EQ(msgs[1].event, "presence_state");
	EXPECT_EQ(msgs[1].payload, json::object());

	// A public member leaving sends no diff to the private side.
	pub->Send(Push("realtime:room1", "1", "3", "presence", R"({"type":"presence","event":"track","payload":{"q":1}})"));
	pub->conn->OnClosed();
	EXPECT_TRUE(priv->Take().empty());
}

TEST_F(AuthChannelsTest, RestPublishReachesTheTopicOfItsKind) {
	auto pub = Client(), priv = Client();
	JoinOk(*pub, "realtime:room1", false);
	JoinOk(*priv, "realtime:room1", true);
	hub.Publish({"room1", "e1", json::parse(R"({"a":1})"), true});
	EXPECT_TRUE(pub->Take().empty());
	auto msgs = priv->Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].topic, "realtime:room1");
	EXPECT_EQ(msgs[0].payload, json::parse(R"({"type":"broadcast","event":"e1","payload":{"a":1}})"));

	hub.Publish({"room1", "e2", json::parse(R"({"a":2})"), false});
	EXPECT_TRUE(priv->Take().empty());
	msgs = pub->Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].payload.at("event"), json::value("e2"));
	// A REST broadcast is not the database's: no meta.source.
	EXPECT_FALSE(msgs[0].payload.as_object().contains("meta"));
}

// ---- database messages and meta.source ----

TEST_F(AuthChannelsTest, DatabaseMessagesReachOnlyTheirKindOfChannelWithSourceDatabase) {
	auto pub = Client(), priv = Client();
	JoinOk(*pub, "realtime:alerts", false);
	JoinOk(*priv, "realtime:alerts", true);
	const auto expected =
		json::parse(R"({"type":"broadcast","event":"fire","payload":{"n":1},"meta":{"source":"database"}})");

	hub.Dispatch(DatabaseMessage(R"({"topic":"alerts","event":"fire","payload":{"n":1},"private":true})"));
	EXPECT_TRUE(pub->Take().empty());
	auto msgs = priv->Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].payload, expected);

	for (const char* content : {R"({"topic":"alerts","event":"fire","payload":{"n":1},"private":false})",
	                            R"({"topic":"alerts","event":"fire","payload":{"n":1}})",
	                            // a content given as JSON text, as pg_logical_emit_message writes it
	                            R"("{\"topic\":\"alerts\",\"event\":\"fire\",\"payload\":{\"n\":1}}")"}) {
		hub.Dispatch(DatabaseMessage(content));
		EXPECT_TRUE(priv->Take().empty()) << content;
		msgs = pub->Take();
		ASSERT_EQ(msgs.size(), 1u) << content;
		EXPECT_EQ(msgs[0].payload, expected) << content;
	}
}

TEST_F(AuthChannelsTest, AClientCannotPassItsBroadcastOffAsTheDatabases) {
	auto sender = Client(), receiver = Client();
	JoinOk(*sender, "realtime:room1", false);
	JoinOk(*receiver, "realtime:room1", false);
	sender->Send(Push("realtime:room1", "1", "2", "broadcast",
	                  R"({"type":"broadcast","event":"e","payload":{"x":1},"meta":{"source":"database","id":"m1"}})"));
	auto msgs = receiver->Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].payload,
	          json::parse(R"({"type":"broadcast","event":"e","payload":{"x":1},"meta":{"id":"m1"}})"));
	// A meta without source is relayed as is.
	sender->Send(Push("realtime:room1", "1", "3", "broadcast",
	                  R"({"type":"broadcast","event":"e","payload":{},"meta":{"id":"m2"}})"));
	msgs = receiver->Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].payload.at("meta"), json::parse(R"({"id":"m2"})"));
	// A JSON escape in the key is the same key once parsed: stripped too.
	sender->Send(Push("realtime:room1", "1", "4", "broadcast",
	                  R"({"type":"broadcast","event":"e","payload":{},"meta":{"sourc\u0065":"database"}})"));
	msgs = receiver->Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].payload.at("meta"), json::object());
}

TEST_F(AuthChannelsTest, ABinaryBroadcastsSourceMetadataIsRemoved) {
	auto sender = Client(), receiver = Client();
	JoinOk(*sender, "realtime:room1", false);
	JoinOk(*receiver, "realtime:room1", false);
	auto send = [&](std::string_view metadata) {
		std::string frame = std::string("\x03\x01\x01\x0e\x01", 5);
		frame.push_back(static_cast<char>(metadata.size()));
		frame.push_back('\x01');
		frame += "16realtime:room1e";
		frame += metadata;
		frame += R"({"x":1})";
		sender->conn->OnBinary(frame);
		EXPECT_TRUE(sender->Take().empty());
		auto& f = receiver->transport->frames.back();
		EXPECT_TRUE(f.binary);
		// kind 4: topic, event and metadata lengths, encoding, then the strings
		const std::size_t meta_len = static_cast<unsigned char>(f.bytes[3]);
		return f.bytes.substr(5 + 14 + 1, meta_len);
	};
	EXPECT_EQ(send(R"({"source":"database"})"), "");
	EXPECT_EQ(json::parse(send(R"({"source":"database","k":1})")), json::parse(R"({"k":1})"));
	EXPECT_EQ(send(R"({"sourc\u0065":"database"})"), "");  // escaped, still the key "source"
	EXPECT_EQ(send(R"({"k":"source"})"), R"({"k":"source"})");  // a value named source is no key
	EXPECT_EQ(send(R"({"k":2})"), R"({"k":2})");
}

// ---- token expiry and refresh ----

TEST_F(AuthChannelsTest, AnExpiredTokenClosesTheChannelAndNothingMoreArrives) {
	catalog.tables = {CatalogTable{"public", "users", {{"id", "int8"}, {"name", "text"}}}};
	authorizer.policy = [](const auth::AccessRequest& r) {
		auth::AccessResult result = Rights(kAll);
		result.table_select.assign(r.tables.size(), true);
		return result;
	};
	auto c = Client(), other = Client();
	other->conn->SetConnectionIdentity(FakeVerifier::Make("anon", expires + hours(1)));
	c->Send(JoinFrame("realtime:room1", "1", false, "user", false,
	                  R"([{"event":"*","schema":"public","table":"users"}])"));
	auto msgs = c->Take();
	ASSERT_EQ(msgs.size(), 2u);
	EXPECT_EQ(msgs[1].payload.at("status"), json::value("ok"));  // Subscribed to PostgreSQL
	JoinOk(*other, "realtime:room1", false);

	hub.ExpireTokens(expires - seconds(1));
	EXPECT_TRUE(c->Take().empty());
	hub.Dispatch(ChangeEvent(kInsertUser));
	EXPECT_EQ(CountEvent(c->Take(), "postgres_changes"), 1u);

	hub.ExpireTokens(expires);
	ExpectRevoked(c->Take(), "realtime:room1", "Token has expired");
	EXPECT_EQ(c->conn->ChannelCount(), 0u);
	hub.Dispatch(ChangeEvent(kInsertUser));
	other->Send(BroadcastFrame("realtime:room1", "1"));
	hub.Publish({"room1", "e", json::object(), false});
	EXPECT_TRUE(c->Take().empty());
	EXPECT_EQ(hub.ChannelCount(), 1u);  // `other`, whose identity lives an hour longer
	EXPECT_EQ(CountEvent(other->Take(), "broadcast"), 1u);  // the Publish
	hub.ExpireTokens(expires + hours(5));
	EXPECT_TRUE(c->Take().empty());
	ExpectRevoked(other->Take(), "realtime:room1", "Token has expired");
}

TEST_F(AuthChannelsTest, TheApikeyIdentityExpiresItsChannels) {
	auto c = Client();
	JoinOk(*c, "realtime:a", false);
	JoinOk(*c, "realtime:b", true, kAll, "2");
	hub.ExpireTokens(expires);
	auto msgs = c->Take();
	ASSERT_EQ(msgs.size(), 4u);
	EXPECT_EQ(CountEvent(msgs, "system"), 2u);
	EXPECT_EQ(CountEvent(msgs, "phx_close"), 2u);
	EXPECT_EQ(hub.ChannelCount(), 0u);
}

TEST_F(AuthChannelsTest, ARefreshedTokenOutlivesTheOldExpiry) {
	auto c = Client();
	c->Send(JoinFrame("realtime:room1", "1", false, "user"));
	c->Take();
	c->Send(Push("realtime:room1", "1", "2", "access_token", R"({"access_token":"later"})"));
	EXPECT_TRUE(c->Take().empty());  // never answered
	hub.ExpireTokens(expires + seconds(1));
	EXPECT_TRUE(c->Take().empty());
	hub.Publish({"room1", "e", json::object(), false});
	EXPECT_EQ(CountEvent(c->Take(), "broadcast"), 1u);
	hub.ExpireTokens(expires + hours(1));
	ExpectRevoked(c->Take(), "realtime:room1", "Token has expired");
}

TEST_F(AuthChannelsTest, ManyRefreshesNeverReviveAnOldExpiry) {
	// Every refresh makes a new identity and frees the previous one: an old expiry entry must not take a
	// later identity for its own, even one that happens to be allocated where the old one was.
	auto c = Client();
	verifier.Add("t0", "authenticated", expires);
	c->Send(JoinFrame("realtime:room1", "1", false, "t0"));
	c->Take();
	for (int i = 1; i <= 20; ++i) {
		const std::string token = "t" + std::to_string(i);
		verifier.Add(token, "authenticated", expires + hours(1) + seconds(i));
		c->Send(Push("realtime:room1", "1", std::to_string(i + 1), "access_token",
		             "{\"access_token\":\"" + token + "\"}"));
	}
	hub.ExpireTokens(expires + hours(1));
	EXPECT_TRUE(c->Take().empty());
	EXPECT_EQ(c->conn->ChannelCount(), 1u);
	hub.ExpireTokens(expires + hours(1) + seconds(20));
	ExpectRevoked(c->Take(), "realtime:room1", "Token has expired");
}

TEST_F(AuthChannelsTest, AnInvalidRefreshClosesThatChannelOnly) {
	auto c = Client();
	JoinOk(*c, "realtime:a", false);
	JoinOk(*c, "realtime:b", false, kAll, "2");
	c->Send(Push("realtime:a", "1", "3", "access_token", R"({"access_token":"bad"})"));
	ExpectRevoked(c->Take(), "realtime:a", "Invalid token");
	EXPECT_EQ(c->conn->ChannelCount(), 1u);
	hub.Publish({"a", "e", json::object(), false});
	EXPECT_TRUE(c->Take().empty());
	hub.Publish({"b", "e", json::object(), false});
	auto msgs = c->Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].topic, "realtime:b");
}

TEST_F(AuthChannelsTest, ARefreshOnAPrivateChannelAsksThePoliciesAgain) {
	auto c = Client(), other = Client();
	JoinOk(*c, "realtime:room1", true);
	JoinOk(*other, "realtime:room1", true);
	c->Send(Push("realtime:room1", "1", "2", "access_token", R"({"access_token":"later"})"));
	ASSERT_EQ(authorizer.requests.size(), 3u);
	EXPECT_EQ(authorizer.requests[2].request.identity->role, "authenticated");
	// The new claims may read but no longer write.
	authorizer.Answer(2, Rights(auth::kReadBroadcast | auth::kReadPresence));
	c->Send(BroadcastFrame("realtime:room1", "1"));
	auto msgs = c->Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].payload.at("status"), json::value("error"));
	EXPECT_TRUE(other->Take().empty());

	// And then not even read: the channel is closed.
	c->Send(Push("realtime:room1", "1", "3", "access_token", R"({"access_token":"user"})"));
	authorizer.Answer(3, Rights(0));
	ExpectRevoked(c->Take(), "realtime:room1", "Unauthorized");
	EXPECT_EQ(hub.ChannelCount(), 1u);
}

TEST_F(AuthChannelsTest, AStaleRefreshAnswerIsIgnored) {
	auto c = Client();
	JoinOk(*c, "realtime:room1", true);
	c->Send(Push("realtime:room1", "1", "2", "access_token", R"({"access_token":"user"})"));
	c->Send(Push("realtime:room1", "1", "3", "access_token", R"({"access_token":"later"})"));
	ASSERT_EQ(authorizer.requests.size(), 3u);
	authorizer.Answer(1, Rights(0));  // the answer for the older token: superseded, changes nothing
	EXPECT_TRUE(c->Take().empty());
	authorizer.Answer(2, Rights(kAll));
	EXPECT_TRUE(c->Take().empty());
	EXPECT_EQ(hub.ChannelCount(), 1u);
}

// ---- postgres_changes: the SELECT privilege ----

TEST_F(AuthChannelsTest, TheAuthorizerIsAskedForTheTablesAfterTheCatalog) {
	catalog.defer = true;
	auto c = Client();
	c->Send(JoinFrame("realtime:db", "1", false, "user", false, R"([{"event":"*","schema":"public","table":"users"}])"));
	EXPECT_EQ(c->Take().size(), 1u);  // the join reply
	EXPECT_TRUE(authorizer.requests.empty());
	catalog.Flush();
	ASSERT_EQ(authorizer.requests.size(), 1u);
	const auto& req = authorizer.requests[0].request;
	EXPECT_EQ(req.identity->role, "authenticated");
	EXPECT_EQ(req.topic_checks, 0u);
	ASSERT_EQ(req.tables.size(), 1u);
	EXPECT_EQ(req.tables[0], std::make_pair(std::string("public"), std::string("users")));
	EXPECT_TRUE(c->Take().empty());  // no status before the answer
	hub.Dispatch(ChangeEvent(kInsertUser));
	EXPECT_TRUE(c->Take().empty());  // nor changes

	auth::AccessResult result;
	result.table_select = {true};
	authorizer.Answer(0, result);
	auto msgs = c->Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].payload.at("message"), json::value("Subscribed to PostgreSQL"));
	hub.Dispatch(ChangeEvent(kInsertUser));
	EXPECT_EQ(CountEvent(c->Take(), "postgres_changes"), 1u);
}

TEST_F(AuthChannelsTest, ATableTheRoleMayNotSelectIsASystemError) {
	authorizer.policy = [](const auth::AccessRequest& r) {
		auth::AccessResult result;
		for (auto& [schema, table] : r.tables) result.table_select.push_back(table != "users");
		return result;
	};
	auto c = Client();
	c->Send(JoinFrame("realtime:db", "1", false, {}, false,
	                  R"([{"event":"*","schema":"public","table":"todos"},{"event":"*","schema":"public","table":"users"}])"));
	auto msgs = c->Take();
	ASSERT_EQ(msgs.size(), 2u);
	EXPECT_EQ(msgs[0].payload.at("status"), json::value("ok"));  // the channel stays joined
	EXPECT_EQ(msgs[1].event, "system");
	EXPECT_EQ(msgs[1].payload.at("extension"), json::value("postgres_changes"));
	EXPECT_EQ(msgs[1].payload.at("status"), json::value("error"));
	EXPECT_NE(std::string(msgs[1].payload.at("message").as_string()).find("may not SELECT public.users"),
	          std::string::npos)
		<< json::serialize(msgs[1].payload);
	// None of its bindings is routed, not even the allowed one.
	hub.Dispatch(ChangeEvent(kInsertUser));
	hub.Dispatch(ChangeEvent(kInsertTodo));
	EXPECT_TRUE(c->Take().empty());
	EXPECT_EQ(hub.ChannelCount(), 1u);
}

TEST_F(AuthChannelsTest, AWildcardBindingGetsOnlyTheAllowedTables) {
	authorizer.policy = [](const auth::AccessRequest& r) {
		auth::AccessResult result;
		for (auto& [schema, table] : r.tables) result.table_select.push_back(table == "todos");
		return result;
	};
	auto c = Client();
	c->Send(JoinFrame("realtime:db", "1", false, {}, false, R"([{"event":"*","schema":"public","table":"*"}])"));
	auto msgs = c->Take();
	ASSERT_EQ(msgs.size(), 2u);
	EXPECT_EQ(msgs[1].payload.at("status"), json::value("ok"));
	ASSERT_EQ(authorizer.requests.size(), 1u);
	EXPECT_EQ(authorizer.requests[0].request.tables.size(), 2u);
	hub.Dispatch(ChangeEvent(kInsertUser));
	EXPECT_TRUE(c->Take().empty());
	hub.Dispatch(ChangeEvent(kInsertTodo));
	msgs = c->Take();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(msgs[0].payload.at("data").at("table"), json::value("todos"));

	// Every schema: the same.
	auto d = Client();
	d->Send(JoinFrame("realtime:db2", "1", false, {}, false, R"([{"event":"*","schema":"*"}])"));
	d->Take();
	hub.Dispatch(ChangeEvent(kInsertUser));
	EXPECT_TRUE(d->Take().empty());
	hub.Dispatch(ChangeEvent(kInsertTodo));
	EXPECT_EQ(CountEvent(d->Take(), "postgres_changes"), 1u);
}

TEST_F(AuthChannelsTest, UndecidedTablePrivilegesAreASystemError) {
	authorizer.policy = [](const auth::AccessRequest& r) {
		auth::AccessResult result;
		result.ok = false;
		result.error = "role \"nobody\" does not exist";
		result.table_select.assign(r.tables.size(), true);  // ignored when !ok
		return result;
	};
	auto c = Client();
	c->Send(JoinFrame("realtime:db", "1", false, {}, false, R"([{"event":"*","schema":"public","table":"users"}])"));
	auto msgs = c->Take();
	ASSERT_EQ(msgs.size(), 2u);
	EXPECT_EQ(msgs[1].event, "system");
	EXPECT_EQ(msgs[1].payload.at("status"), json::value("error"));
	EXPECT_NE(std::string(msgs[1].payload.at("message").as_string()).find("does not exist"), std::string::npos);
	hub.Dispatch(ChangeEvent(kInsertUser));
	EXPECT_TRUE(c->Take().empty());
}

TEST_F(AuthChannelsTest, ALegacyTopicNeedsTheSelectPrivilegeToo) {
	// realtime-js 1.x topics (realtime:<schema>:<table>) carry changes as well: the same check applies.
	authorizer.policy = [](const auth::AccessRequest& r) {
		auth::AccessResult result;
		result.table_select.assign(r.tables.size(), false);
		return result;
	};
	auto c = Client(std::nullopt, Serializer::V1);
	c->Send(R"({"topic":"realtime:public:users","event":"phx_join","payload":{"access_token":"anon"},"ref":"1"})");
	auto msgs = c->Take();
	ASSERT_FALSE(msgs.empty());
	EXPECT_EQ(msgs[0].payload.at("status"), json::value("ok"));
	hub.Dispatch(ChangeEvent(kInsertUser));
	EXPECT_EQ(CountEvent(c->Take(), "INSERT"), 0u);

	authorizer.policy = [](const auth::AccessRequest& r) {
		auth::AccessResult result;
		result.table_select.assign(r.tables.size(), true);
		return result;
	};
	auto d = Client(std::nullopt, Serializer::V1);
	d->Send(R"({"topic":"realtime:public:users","event":"phx_join","payload":{"access_token":"anon"},"ref":"1"})");
	d->Take();
	hub.Dispatch(ChangeEvent(kInsertUser));
	EXPECT_EQ(CountEvent(d->Take(), "INSERT"), 1u);
}

TEST_F(AuthChannelsTest, APrivateChannelsTablesAreCheckedAfterItsJoin) {
	authorizer.policy = [](const auth::AccessRequest& r) {
		auth::AccessResult result = Rights(kAll);
		result.table_select.assign(r.tables.size(), true);
		return result;
	};
	auto c = Client();
	c->Send(JoinFrame("realtime:db", "1", true, {}, false, R"([{"event":"INSERT","schema":"public","table":"users"}])"));
	auto msgs = c->Take();
	ASSERT_EQ(msgs.size(), 2u);
	EXPECT_EQ(msgs[0].payload.at("status"), json::value("ok"));
	EXPECT_EQ(msgs[1].payload.at("message"), json::value("Subscribed to PostgreSQL"));
	ASSERT_EQ(authorizer.requests.size(), 2u);  // the topic, then the tables
	EXPECT_EQ(authorizer.requests[0].request.topic_checks, kAll);
	EXPECT_EQ(authorizer.requests[1].request.tables.size(), 1u);
	hub.Dispatch(ChangeEvent(kInsertUser));
	EXPECT_EQ(CountEvent(c->Take(), "postgres_changes"), 1u);
}

TEST_F(AuthChannelsTest, WithAuthOffEverythingIsOpen) {
	hub.SetAuth({});
	auto c = std::make_unique<TestClient>(hub, Serializer::V2);  // no identity at all
	c->Send(JoinFrame("realtime:room1", "1", true, {}, false, R"([{"event":"*","schema":"public","table":"users"}])"));
	auto msgs = c->Take();
	ASSERT_EQ(msgs.size(), 2u);
	EXPECT_EQ(msgs[0].payload.at("status"), json::value("ok"));
	EXPECT_TRUE(authorizer.requests.empty());
	hub.Dispatch(ChangeEvent(kInsertUser));
	EXPECT_EQ(CountEvent(c->Take(), "postgres_changes"), 1u);
	// A private topic is still a topic apart, fed by private database messages and private REST broadcasts.
	hub.Dispatch(DatabaseMessage(R"({"topic":"room1","event":"e","payload":{},"private":true})"));
	hub.Publish({"room1", "e", json::object(), true});
	hub.Publish({"room1", "e", json::object(), false});
	EXPECT_EQ(CountEvent(c->Take(), "broadcast"), 2u);
	c->Send(Push("realtime:room1", "1", "2", "access_token", R"({"access_token":"bad"})"));
	EXPECT_TRUE(c->Take().empty());
	hub.ExpireTokens(Clock::now() + hours(1000));
	EXPECT_EQ(c->conn->ChannelCount(), 1u);
}

}  // namespace
}  // namespace walcast::channels

namespace walcast::channels {
namespace {

// A client that joins and leaves in a loop within one token's life must not grow the expiry heap without bound.
TEST_F(AuthChannelsTest, JoiningAndLeavingInALoopKeepsTheExpiryEntriesBounded) {
	hub.SetClientLimits({100, 1'000'000, 1'000'000, 10});  // the loop is far over the default rates
	auto c = Client();
	auto keeper = Client();
	JoinOk(*keeper, "realtime:stays", false);
	for (int i = 0; i < 5000; ++i) {
		const std::string ref = std::to_string(i + 1);
		JoinOk(*c, "realtime:churn", false, kAll, ref);
		c->Send(Push("realtime:churn", ref, ref, "phx_leave", "{}"));
		c->Take();
	}
	EXPECT_LE(hub.WatchedExpiries(), 2 * hub.ChannelCount() + 1024 + 1);
	// The live channel's entry survived the clean-ups: it still expires.
	hub.ExpireTokens(expires);
	ExpectRevoked(keeper->Take(), "realtime:stays", "Token has expired");
}

}  // namespace
}  // namespace walcast::channels

namespace walcast::channels {
namespace {

// A hostile client sending its current token as access_token in a loop: every entry would stay live until the
// token ends, so the heap's clean-up could not drop them; one entry per (channel, identity) is kept instead.
TEST_F(AuthChannelsTest, TheSameTokenSentAgainAndAgainAddsNoExpiryEntries) {
	hub.SetClientLimits({100, 1'000'000, 1'000'000, 10});
	verifier.remember = true;
	auto c = Client();
	c->Send(JoinFrame("realtime:room1", "1", false, "user"));
	c->Take();
	const std::size_t watched = hub.WatchedExpiries();
	for (int i = 0; i < 5000; ++i)
		c->Send(Push("realtime:room1", "1", std::to_string(i + 2), "access_token", R"({"access_token":"user"})"));
	EXPECT_EQ(hub.WatchedExpiries(), watched);
	EXPECT_TRUE(c->Take().empty());  // never answered, nothing revoked
	hub.ExpireTokens(expires);
	ExpectRevoked(c->Take(), "realtime:room1", "Token has expired");
}

}  // namespace
}  // namespace walcast::channels
