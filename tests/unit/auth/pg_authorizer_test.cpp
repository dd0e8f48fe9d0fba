// PgAuthorizer against a real PostgreSQL 15 with the walcast extension 0.3.0 (installed into the system
// PostgreSQL by `make -f Makefile.pgxs install`): a throwaway cluster (tests/unit/support) for this suite.
//
// Queries are counted twice: by the authorizer's own counter and by the database, through a policy that takes
// a sequence value every time it is evaluated (nextval is never rolled back, unlike everything else a check
// does). A "gate" - a table whose ACCESS EXCLUSIVE lock this test holds, read by the policy of gate: topics -
// keeps the worker busy on one check for exactly as long as a test needs, so the backlog can be filled
// deterministically, without sleeps.

#include "auth/pg_authorizer.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <optional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "../support/throwaway_cluster.hpp"
#include "core/metrics.hpp"

namespace walcast::auth {
namespace {

using Cluster = walcast::testing::ThrowawayCluster;
using walcast::testing::FreePort;
using walcast::testing::kPgBin;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr unsigned kAllTopic = kReadBroadcast | kReadPresence | kWriteBroadcast | kWritePresence;

// Every statement is run through psql -c "...": no double quotes and no dollar signs in here.
constexpr const char* kSetup =
    "CREATE EXTENSION walcast;"
    "CREATE ROLE authenticated NOLOGIN;"
    "CREATE ROLE outsider NOLOGIN;"
    // The gateway's user, like PostgREST's authenticator: a member of the token roles, nothing else.
    "CREATE ROLE gw LOGIN NOINHERIT;"
    "GRANT authenticated TO gw;"
    "GRANT EXECUTE ON FUNCTION walcast.insert_access_probes(text) TO gw;"
    "CREATE SEQUENCE public.policy_runs;"
    "GRANT USAGE ON SEQUENCE public.policy_runs TO authenticated;"
    "CREATE FUNCTION public.count_run() RETURNS boolean LANGUAGE sql VOLATILE "
    "  AS 'SELECT nextval(''public.policy_runs'') > 0';"
    "CREATE TABLE public.gate (id int);"
    "GRANT SELECT ON public.gate TO authenticated;"
    "CREATE FUNCTION public.pass_gate() RETURNS boolean LANGUAGE sql VOLATILE "
    "  AS 'SELECT count(*) >= 0 FROM public.gate';"
    // Read: room:<sub> for its user, gate:open for everyone (once past the gate).
    "CREATE POLICY read_own_room ON walcast.messages FOR SELECT TO authenticated USING ("
    "  public.count_run()"
    "  AND (walcast.topic() NOT LIKE 'gate:%' OR public.pass_gate())"
    "  AND walcast.topic() IN ('room:' || (current_setting('request.jwt.claims', true)::jsonb ->> 'sub'), 'gate:open'));"
    // Write: broadcasts (not presence) on chat: topics.
    "CREATE POLICY send_chat ON walcast.messages FOR INSERT TO authenticated "
    "  WITH CHECK (extension = 'broadcast' AND topic LIKE 'chat:%');"
    "CREATE TABLE public.open (id int);"
    "GRANT SELECT ON public.open TO authenticated;"
    "CREATE TABLE public.closed (id int);"
    "CREATE TABLE public.cols (id int, secret text);"
    "GRANT SELECT (id) ON public.cols TO authenticated;";

// Holds ACCESS EXCLUSIVE on public.gate from construction until Open(): checks of gate: topics wait meanwhile.
class Gate {
public:
	explicit Gate(int port) {
		conn_ = PQconnectdb(("host=127.0.0.1 user=postgres dbname=postgres port=" + std::to_string(port)).c_str());
		PQclear(PQexec(conn_, "BEGIN"));
		PGresult* r = PQexec(conn_, "LOCK TABLE public.gate IN ACCESS EXCLUSIVE MODE");
		locked_ = PQresultStatus(r) == PGRES_COMMAND_OK;
		PQclear(r);
	}
	~Gate() {
		Open();
		PQfinish(conn_);
	}
	void Open() {
		if (open_) return;
		PQclear(PQexec(conn_, "COMMIT"));
		open_ = true;
	}
	bool locked() const { return locked_; }

private:
	PGconn* conn_ = nullptr;
	bool locked_ = false;
	bool open_ = false;
};

class PgAuthorizerTest : public ::testing::Test {
protected:
	static void SetUpTestSuite() {
		if (!fs::exists(kPgBin + "/initdb")) return;
		cluster_ = new Cluster();
		if (!cluster_->Start()) {
			setup_error_ = cluster_->Error();
			delete cluster_;
			cluster_ = nullptr;
			return;
		}
		// CREATE DATABASE cannot share psql -c's implicit transaction.
		if (!cluster_->Sql(kSetup) || !cluster_->Sql("CREATE DATABASE noext")) {
			setup_error_ = "the setup SQL failed: is the walcast extension 0.3.0 installed into the system "
			               "PostgreSQL (make -f Makefile.pgxs install)?";
			delete cluster_;
			cluster_ = nullptr;
		}
	}
	static void TearDownTestSuite() {
		delete cluster_;
		cluster_ = nullptr;
	}
	void SetUp() override {
		if (!cluster_) GTEST_FAIL() << "no PostgreSQL 15 cluster: " << setup_error_;
	}

	PgAuthorizerSettings Settings(int port) {
		PgAuthorizerSettings s;
		s.host = "127.0.0.1";
		s.port = std::to_string(port);
		s.dbname = "postgres";
		s.user = "gw";
		s.cache_ttl = 0ms;
		return s;
	}

	PgAuthorizer::Post Poster() {
		return [this](std::function<void()> f) { boost::asio::post(io_, std::move(f)); };
	}

	static AccessRequest Request(const std::string& role, const std::string& sub, const std::string& topic,
	                             unsigned checks, std::vector<std::pair<std::string, std::string>> tables = {}) {
		auto identity = std::make_shared<Identity>();
		identity->role = role;
		identity->sub = sub;
		identity->claims_json = R"({"sub":")" + sub + R"(","role":")" + role + R"("})";
		AccessRequest r;
		r.identity = std::move(identity);
		r.topic = topic;
		r.topic_checks = checks;
		r.tables = std::move(tables);
		return r;
	}

	// Runs the io_context until `done` (deadline 20 s).
	template <class Done>
	bool RunUntil(Done done) {
		auto deadline = std::chrono::steady_clock::now() + 20s;
		while (!done() && std::chrono::steady_clock::now() < deadline) {
			io_.restart();
			io_.run_one_for(100ms);
		}
		return done();
	}

	AccessResult Ask(PgAuthorizer& authorizer, AccessRequest request) {
		std::optional<AccessResult> answer;
		authorizer.Check(std::move(request), asker_, [&](AccessResult r) { answer = std::move(r); });
		EXPECT_TRUE(RunUntil([&] { return answer.has_value(); })) << "no answer within the deadline";
		if (!answer) {
			AccessResult timeout;
			timeout.ok = false;
			timeout.error = "test: no answer";
			return timeout;
		}
		return *answer;
	}

	static long PolicyRuns() { return std::stol(cluster_->Sql("SELECT last_value FROM public.policy_runs").value_or("-1")); }

	// Waits (bounded) until the authorizer's connection waits on the gate's lock.
	static bool WorkerAtTheGate() {
		for (int i = 0; i < 400; ++i) {
			auto n = cluster_->Sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
			                       "'walcast-gateway authorizer' AND wait_event_type = 'Lock'");
			if (n && *n == "1") return true;
		}
		return false;
	}

	boost::asio::io_context io_;
	std::shared_ptr<int> asker_ = std::make_shared<int>();  // the checks' interest: alive for the whole test
	static Cluster* cluster_;
	static std::string setup_error_;
};
Cluster* PgAuthorizerTest::cluster_ = nullptr;
std::string PgAuthorizerTest::setup_error_;

TEST_F(PgAuthorizerTest, ReadIsAllowedAndDeniedByThePolicyPerSub) {
	PgAuthorizer authorizer(Settings(cluster_->port()), Poster());
	auto alice = Ask(authorizer, Request("authenticated", "alice", "room:alice", kAllTopic));
	ASSERT_TRUE(alice.ok) << alice.error;
	EXPECT_EQ(alice.topic_allowed, kReadBroadcast | kReadPresence) << "no INSERT policy for room: topics";
	auto bob = Ask(authorizer, Request("authenticated", "bob", "room:alice", kAllTopic));
	ASSERT_TRUE(bob.ok) << "a denial is an answer: " << bob.error;
	EXPECT_EQ(bob.topic_allowed, 0u);
	auto bob_own = Ask(authorizer, Request("authenticated", "bob", "room:bob", kReadPresence));
	ASSERT_TRUE(bob_own.ok);
	EXPECT_EQ(bob_own.topic_allowed, unsigned{kReadPresence}) << "only the rights asked are answered";
}

TEST_F(PgAuthorizerTest, WriteNeedsAnInsertPolicy) {
	PgAuthorizer authorizer(Settings(cluster_->port()), Poster());
	auto room = Ask(authorizer, Request("authenticated", "alice", "room:alice", kWriteBroadcast | kWritePresence));
	ASSERT_TRUE(room.ok) << room.error;
	EXPECT_EQ(room.topic_allowed, 0u);
	auto chat = Ask(authorizer, Request("authenticated", "alice", "chat:lobby", kAllTopic));
	ASSERT_TRUE(chat.ok) << chat.error;
	EXPECT_EQ(chat.topic_allowed, unsigned{kWriteBroadcast}) << "broadcast only, and no SELECT policy for chat:";
	EXPECT_EQ(cluster_->Sql("SELECT count(*) FROM walcast.messages"), "0") << "the checks left rows behind";
}

TEST_F(PgAuthorizerTest, TableSelectPrivilegeIncludingColumnGrants) {
	PgAuthorizer authorizer(Settings(cluster_->port()), Poster());
	auto r = Ask(authorizer, Request("authenticated", "alice", "", 0,
	                                 {{"public", "open"},
	                                  {"public", "closed"},
	                                  {"public", "cols"},
	                                  {"public", "nope"},
	                                  {"public", std::string("open\0x", 6)},  // libpq would ask about "open"
	                                  {"public", "open"}}));
	ASSERT_TRUE(r.ok) << r.error;
	EXPECT_EQ(r.table_select, (std::vector<bool>{true, false, true, false, false, true}));
	EXPECT_EQ(r.topic_allowed, 0u);
}

TEST_F(PgAuthorizerTest, ARoleTheGatewayCannotBecomeIsAnErrorAndNotCached) {
	auto settings = Settings(cluster_->port());
	settings.cache_ttl = 60s;
	PgAuthorizer authorizer(settings, Poster());
	auto r = Ask(authorizer, Request("outsider", "mallory", "room:mallory", kReadBroadcast));
	EXPECT_FALSE(r.ok);
	EXPECT_EQ(r.error, "cannot check access as role outsider: permission denied to set role \"outsider\"");
	auto none = Ask(authorizer, Request("none", "mallory", "room:mallory", kReadBroadcast));
	EXPECT_FALSE(none.ok) << "SET ROLE none would check the gateway's own rights";
	const auto queries = authorizer.counters().queries.load();
	auto again = Ask(authorizer, Request("outsider", "mallory", "room:mallory", kReadBroadcast));
	EXPECT_FALSE(again.ok);
	EXPECT_EQ(authorizer.counters().queries.load(), queries + 1) << "errors are not cached";
	// The connection survives the error.
	EXPECT_TRUE(Ask(authorizer, Request("authenticated", "alice", "room:alice", kReadBroadcast)).ok);
}

TEST_F(PgAuthorizerTest, NothingToAskOrNoRoleNeedsNoQuery) {
	PgAuthorizer authorizer(Settings(cluster_->port()), Poster());
	auto nothing = Ask(authorizer, Request("authenticated", "alice", "room:alice", 0));
	EXPECT_TRUE(nothing.ok);
	auto no_role = Ask(authorizer, Request("", "alice", "room:alice", kReadBroadcast));
	EXPECT_FALSE(no_role.ok);
	EXPECT_EQ(no_role.error, "the token has no role to check access with");
	AccessRequest anonymous;  // no identity at all
	anonymous.topic = "room:alice";
	anonymous.topic_checks = kReadBroadcast;
	EXPECT_FALSE(Ask(authorizer, anonymous).ok);
	auto nul = Ask(authorizer, Request("authenticated", "alice", std::string("room:alice\0evil", 15), kReadBroadcast));
	EXPECT_FALSE(nul.ok) << "the NUL would cut the topic to room:alice";
	EXPECT_EQ(authorizer.counters().queries.load(), 0u);
}

TEST_F(PgAuthorizerTest, AnswersAreCachedWithinTheTtlPerRoleClaimsAndTopic) {
	auto settings = Settings(cluster_->port());
	settings.cache_ttl = 60s;
	PgAuthorizer authorizer(settings, Poster());
	ASSERT_TRUE(Ask(authorizer, Request("authenticated", "alice", "room:alice", kReadBroadcast)).ok);
	const auto runs = PolicyRuns();
	const auto queries = authorizer.counters().queries.load();
	auto hit = Ask(authorizer, Request("authenticated", "alice", "room:alice", kReadBroadcast));
	ASSERT_TRUE(hit.ok);
	EXPECT_EQ(hit.topic_allowed, unsigned{kReadBroadcast});
	EXPECT_EQ(PolicyRuns(), runs) << "the database was asked again";
	EXPECT_EQ(authorizer.counters().queries.load(), queries);
	EXPECT_EQ(authorizer.counters().cached.load(), 1u);
	// Another sub, another topic or other rights are other questions.
	auto bob = Ask(authorizer, Request("authenticated", "bob", "room:alice", kReadBroadcast));
	EXPECT_EQ(bob.topic_allowed, 0u);
	Ask(authorizer, Request("authenticated", "alice", "room:other", kReadBroadcast));
	Ask(authorizer, Request("authenticated", "alice", "room:alice", kReadPresence));
	EXPECT_EQ(authorizer.counters().queries.load(), queries + 3);
	EXPECT_GT(PolicyRuns(), runs);
}

TEST_F(PgAuthorizerTest, EqualChecksWaitingTogetherAreOneQuery) {
	PgAuthorizer authorizer(Settings(cluster_->port()), Poster());  // no cache: only coalescing saves queries
	Gate gate(cluster_->port());
	ASSERT_TRUE(gate.locked());
	std::optional<AccessResult> gated;
	authorizer.Check(Request("authenticated", "alice", "gate:open", kReadBroadcast), asker_,
	                 [&](AccessResult r) { gated = std::move(r); });
	ASSERT_TRUE(WorkerAtTheGate());
	std::vector<AccessResult> answers;
	for (int i = 0; i < 5; ++i)
		authorizer.Check(Request("authenticated", "alice", "room:alice", kReadBroadcast | kReadPresence), asker_,
		                 [&](AccessResult r) { answers.push_back(std::move(r)); });
	EXPECT_EQ(authorizer.counters().coalesced.load(), 4u);
	gate.Open();
	ASSERT_TRUE(RunUntil([&] { return gated && answers.size() == 5; }));
	EXPECT_TRUE(gated->ok) << gated->error;
	EXPECT_EQ(gated->topic_allowed, unsigned{kReadBroadcast});
	for (auto& a : answers) {
		EXPECT_TRUE(a.ok) << a.error;
		EXPECT_EQ(a.topic_allowed, kReadBroadcast | kReadPresence);
	}
	EXPECT_EQ(authorizer.counters().queries.load(), 2u);
}

TEST_F(PgAuthorizerTest, TheBacklogIsBoundedAtItsEdge) {
	auto settings = Settings(cluster_->port());
	settings.max_pending = 2;
	PgAuthorizer authorizer(settings, Poster());
	Gate gate(cluster_->port());
	ASSERT_TRUE(gate.locked());
	int answered = 0;
	auto count = [&](AccessResult r) {
		EXPECT_TRUE(r.ok) << r.error;
		++answered;
	};
	authorizer.Check(Request("authenticated", "alice", "gate:open", kReadBroadcast), asker_, count);
	ASSERT_TRUE(WorkerAtTheGate());  // taken off the backlog: the backlog is empty again
	authorizer.Check(Request("authenticated", "a", "room:a", kReadBroadcast), asker_, count);
	authorizer.Check(Request("authenticated", "b", "room:b", kReadBroadcast), asker_, count);
	authorizer.Check(Request("authenticated", "a", "room:a", kReadBroadcast), asker_, count);  // equal: joins
	std::optional<AccessResult> refused;
	authorizer.Check(Request("authenticated", "c", "room:c", kReadBroadcast), asker_,
	                 [&](AccessResult r) { refused = std::move(r); });
	// Refused at once, while the worker is still held at the gate.
	ASSERT_TRUE(RunUntil([&] { return refused.has_value(); }));
	EXPECT_EQ(answered, 0);
	EXPECT_FALSE(refused->ok);
	EXPECT_EQ(refused->error.rfind("authorization checks busy", 0), 0u) << refused->error;
	EXPECT_EQ(authorizer.counters().refused.load(), 1u);
	gate.Open();
	ASSERT_TRUE(RunUntil([&] { return answered == 4; }));
	EXPECT_EQ(authorizer.counters().queries.load(), 3u);
	// Drained: a new question is taken again.
	EXPECT_TRUE(Ask(authorizer, Request("authenticated", "c", "room:c", kReadBroadcast)).ok);
}

TEST_F(PgAuthorizerTest, ChecksOfDepartedClientsAreNotAsked) {
	PgAuthorizer authorizer(Settings(cluster_->port()), Poster());
	Gate gate(cluster_->port());
	ASSERT_TRUE(gate.locked());
	bool gated = false;
	authorizer.Check(Request("authenticated", "alice", "gate:open", kReadBroadcast), asker_,
	                 [&](AccessResult) { gated = true; });
	ASSERT_TRUE(WorkerAtTheGate());
	bool called = false;
	{
		auto gone = std::make_shared<int>();
		std::weak_ptr<const void> interest = gone;
		authorizer.Check(Request("authenticated", "bob", "room:bob", kReadBroadcast), interest,
		                 [&](AccessResult) { called = true; });
		gone.reset();  // the client left before the worker got to its check
	}
	std::optional<AccessResult> live;
	authorizer.Check(Request("authenticated", "carol", "room:carol", kReadBroadcast), asker_,
	                 [&](AccessResult r) { live = std::move(r); });
	gate.Open();
	// Checks run in order, so once the live one is answered the departed one has had its turn.
	ASSERT_TRUE(RunUntil([&] { return gated && live.has_value(); }));
	EXPECT_TRUE(live->ok);
	EXPECT_EQ(authorizer.counters().queries.load(), 2u) << "only the live checks reached the database";
	EXPECT_EQ(authorizer.counters().dropped.load(), 1u);
	io_.restart();
	io_.poll();
	EXPECT_FALSE(called);
}

TEST_F(PgAuthorizerTest, ARunawayPolicyIsAnErrorWithinTheDeadline) {
	auto settings = Settings(cluster_->port());
	settings.query_timeout = 800ms;  // statement_timeout: 600 ms
	PgAuthorizer authorizer(settings, Poster());
	Gate gate(cluster_->port());
	ASSERT_TRUE(gate.locked());
	auto start = std::chrono::steady_clock::now();
	auto r = Ask(authorizer, Request("authenticated", "alice", "gate:open", kReadBroadcast));
	EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
	EXPECT_FALSE(r.ok) << "a check that could not finish is not a denial";
	EXPECT_NE(r.error.find("statement timeout"), std::string::npos) << r.error;
	gate.Open();
	// The server cancelled the statement itself: the connection is kept and the next check goes through.
	auto next = Ask(authorizer, Request("authenticated", "alice", "room:alice", kReadBroadcast));
	EXPECT_TRUE(next.ok) << next.error;
	EXPECT_EQ(authorizer.counters().timeouts.load(), 0u);
}

TEST_F(PgAuthorizerTest, AMissingExtensionIsAClearError) {
	auto settings = Settings(cluster_->port());
	settings.dbname = "noext";
	PgAuthorizer authorizer(settings, Poster());
	auto r = Ask(authorizer, Request("authenticated", "alice", "room:alice", kReadBroadcast));
	EXPECT_FALSE(r.ok);
	EXPECT_EQ(r.error.rfind("walcast.check_access() does not exist in the database", 0), 0u) << r.error;
}

TEST_F(PgAuthorizerTest, AnUnreachableDatabaseIsAnErrorNotAHang) {
	PgAuthorizer authorizer(Settings(FreePort()), Poster());
	auto r = Ask(authorizer, Request("authenticated", "alice", "room:alice", kReadBroadcast));
	EXPECT_FALSE(r.ok);
	EXPECT_NE(r.error.find("127.0.0.1"), std::string::npos) << r.error;
}

// A listening TCP socket on 127.0.0.1 and a port the kernel chose (stored in `port`).
int ListenOnLoopback(int& port) {
	int fd = ::socket(AF_INET, SOCK_STREAM, 0);
	sockaddr_in addr{};
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
	::listen(fd, 16);
	socklen_t len = sizeof addr;
	::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
	port = ntohs(addr.sin_port);
	return fd;
}

// A TCP peer that accepts connections and never answers nor closes them: a frozen server or a half-open
// connection, as libpq sees it.
class SilentPeer {
public:
	SilentPeer() { listener_ = ListenOnLoopback(port_); }
	~SilentPeer() {
		for (int fd : accepted_) ::close(fd);
		::close(listener_);
	}
	bool AwaitConnection() {
		timeval tv{20, 0};
		::setsockopt(listener_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		int fd = ::accept(listener_, nullptr, nullptr);
		if (fd < 0) return false;
		accepted_.push_back(fd);
		return true;
	}
	int port() const { return port_; }

private:
	int listener_ = -1;
	int port_ = 0;
	std::vector<int> accepted_;
};

TEST_F(PgAuthorizerTest, ASilentServerIsAnErrorWithinTheDeadline) {
	SilentPeer peer;
	auto settings = Settings(peer.port());
	settings.query_timeout = 500ms;
	PgAuthorizer authorizer(settings, Poster());
	auto start = std::chrono::steady_clock::now();
	auto r = Ask(authorizer, Request("authenticated", "alice", "room:alice", kReadBroadcast));
	auto took = std::chrono::steady_clock::now() - start;
	EXPECT_FALSE(r.ok);
	EXPECT_NE(r.error.find("AUTH_QUERY_TIMEOUT_MS"), std::string::npos) << r.error;
	EXPECT_GE(took, 500ms);
	EXPECT_LT(took, 2500ms) << "the deadline does not depend on the server answering";
	EXPECT_EQ(authorizer.counters().timeouts.load(), 1u);
	// Known unreachable now: the next check is answered at once instead of waiting out its own deadline.
	start = std::chrono::steady_clock::now();
	auto again = Ask(authorizer, Request("authenticated", "bob", "room:bob", kReadBroadcast));
	EXPECT_FALSE(again.ok);
	EXPECT_LT(std::chrono::steady_clock::now() - start, 400ms);
}

TEST_F(PgAuthorizerTest, DestructionDoesNotWaitOnAStuckConnect) {
	SilentPeer peer;
	auto settings = Settings(peer.port());
	settings.query_timeout = 60s;
	auto authorizer = std::make_unique<PgAuthorizer>(settings, Poster());
	authorizer->Check(Request("authenticated", "alice", "room:alice", kReadBroadcast), asker_, [](AccessResult) {});
	ASSERT_TRUE(peer.AwaitConnection()) << "the authorizer never connected";
	auto start = std::chrono::steady_clock::now();
	authorizer.reset();
	EXPECT_LT(std::chrono::steady_clock::now() - start, 2s) << "shutdown waited on a server that never answers";
}


// A TCP peer that hangs up on every connection at once, counting them: each of the authorizer's connects (its
// probes, while unreachable) fails fast, and the count tells the test when one has run to its end.
class HangUpPeer {
public:
	HangUpPeer() {
		listener_ = ListenOnLoopback(port_);
		thread_ = std::thread([this] {
			for (;;) {
				int fd = ::accept(listener_, nullptr, nullptr);
				if (fd < 0) return;  // shut down
				::close(fd);
				std::lock_guard lock(mutex_);
				++accepted_;
				changed_.notify_all();
			}
		});
	}
	~HangUpPeer() {
		::shutdown(listener_, SHUT_RDWR);  // wakes the accept
		thread_.join();
		::close(listener_);
	}
	int accepted() {
		std::lock_guard lock(mutex_);
		return accepted_;
	}
	bool AwaitAccepted(int count) {
		std::unique_lock lock(mutex_);
		return changed_.wait_for(lock, 20s, [&] { return accepted_ >= count; });
	}
	int port() const { return port_; }

private:
	int listener_ = -1;
	int port_ = 0;
	std::thread thread_;
	std::mutex mutex_;
	std::condition_variable changed_;
	int accepted_ = 0;
};

TEST_F(PgAuthorizerTest, AFailedProbeIsNotCountedAsATimeout) {
	HangUpPeer peer;
	auto settings = Settings(peer.port());
	settings.unreachable_retry = 1ms;
	PgAuthorizer authorizer(settings, Poster());
	const auto timeouts = GlobalMetrics().auth_timeouts.load();
	EXPECT_FALSE(Ask(authorizer, Request("authenticated", "alice", "room:alice", kReadBroadcast)).ok);
	// Unreachable now, so the worker probes. Once a second probe has connected, the first has returned.
	ASSERT_TRUE(peer.AwaitAccepted(peer.accepted() + 2)) << "the authorizer did not probe";
	EXPECT_EQ(GlobalMetrics().auth_timeouts.load(), timeouts) << "refused connects are not timeouts";
	EXPECT_EQ(authorizer.counters().timeouts.load(), 0u);
}

}  // namespace
}  // namespace walcast::auth
