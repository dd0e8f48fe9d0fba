// PgCatalog against a real PostgreSQL 15: a throwaway cluster (tests/unit/support) is created for this suite.

#include "channels/pg_catalog.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "core/metrics.hpp"
#include "../support/throwaway_cluster.hpp"

namespace walcast::channels {
namespace {

using Cluster = walcast::testing::ThrowawayCluster;
using walcast::testing::FreePort;
using walcast::testing::kPgBin;
namespace fs = std::filesystem;

class PgCatalogTest : public ::testing::Test {
protected:
	static void SetUpTestSuite() {
		if (!fs::exists(kPgBin + "/initdb")) return;
		cluster_ = new Cluster();
		if (!cluster_->Start()) {
			delete cluster_;
			cluster_ = nullptr;
			return;
		}
		cluster_->Sql(
		    "CREATE SCHEMA shop;"
		    "CREATE TABLE public.users (id bigint primary key, name text, dropped int, active bool);"
		    "ALTER TABLE public.users DROP COLUMN dropped;"
		    "CREATE TABLE public.secret (id int);"
		    "CREATE TABLE shop.orders (id int, total numeric);"
		    "CREATE PUBLICATION walcast_pub FOR TABLE public.users, shop.orders;");
	}
	static void TearDownTestSuite() {
		delete cluster_;
		cluster_ = nullptr;
	}
	void SetUp() override {
		if (!cluster_) GTEST_FAIL() << "could not start a PostgreSQL 15 cluster";
	}

	PgCatalogSettings Settings(int port) {
		PgCatalogSettings s;
		s.host = "127.0.0.1";
		s.port = std::to_string(port);
		s.dbname = "postgres";
		s.user = "postgres";
		s.publication = "walcast_pub";
		s.cache_ttl = std::chrono::milliseconds(0);
		return s;
	}

	// Asks and runs the io_context until the answer is posted back (deadline 20 s).
	CatalogResult Ask(PgCatalog& catalog, const std::string& schema, const std::string& table) {
		std::optional<CatalogResult> answer;
		catalog.Lookup(schema, table, asker_, [&](CatalogResult r) { answer = std::move(r); });
		auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
		while (!answer && std::chrono::steady_clock::now() < deadline) {
			io_.restart();
			io_.run_one_for(std::chrono::milliseconds(100));
		}
		EXPECT_TRUE(answer) << "no answer within the deadline";
		return answer ? *answer : CatalogResult{false, "timeout", {}};
	}

	PgCatalog::Post Poster() {
		return [this](std::function<void()> f) { boost::asio::post(io_, std::move(f)); };
	}

	boost::asio::io_context io_;
	std::shared_ptr<int> asker_ = std::make_shared<int>();  // the lookups' interest: alive for the whole test
	static Cluster* cluster_;
};
Cluster* PgCatalogTest::cluster_ = nullptr;

TEST_F(PgCatalogTest, FindsPublishedTablesWithTheirColumns) {
	PgCatalog catalog(Settings(cluster_->port()), Poster());
	auto r = Ask(catalog, "public", "users");
	ASSERT_TRUE(r.ok) << r.error;
	ASSERT_EQ(r.tables.size(), 1u);
	EXPECT_EQ(r.tables[0].schema, "public");
	EXPECT_EQ(r.tables[0].table, "users");
	ASSERT_EQ(r.tables[0].columns.size(), 3u);  // the dropped column is not listed
	EXPECT_EQ(r.tables[0].columns[0].name, "id");
	EXPECT_EQ(r.tables[0].columns[0].type, "int8");
	EXPECT_EQ(r.tables[0].columns[1].type, "text");
	EXPECT_EQ(r.tables[0].columns[2].name, "active");
	EXPECT_EQ(r.tables[0].columns[2].type, "bool");
}

TEST_F(PgCatalogTest, WildcardsAndUnpublishedTables) {
	PgCatalog catalog(Settings(cluster_->port()), Poster());
	auto all = Ask(catalog, "*", "*");
	ASSERT_TRUE(all.ok) << all.error;
	EXPECT_EQ(all.tables.size(), 2u);
	auto shop = Ask(catalog, "shop", "*");
	ASSERT_TRUE(shop.ok);
	ASSERT_EQ(shop.tables.size(), 1u);
	EXPECT_EQ(shop.tables[0].columns[1].type, "numeric");
	auto secret = Ask(catalog, "public", "secret");  // exists, not published
	ASSERT_TRUE(secret.ok);
	EXPECT_TRUE(secret.tables.empty());
	auto none = Ask(catalog, "public", "nope");
	ASSERT_TRUE(none.ok);
	EXPECT_TRUE(none.tables.empty());
}

TEST_F(PgCatalogTest, UnreachableDatabaseIsAnErrorNotAHang) {
	PgCatalog catalog(Settings(FreePort()), Poster());
	auto r = Ask(catalog, "public", "users");
	EXPECT_FALSE(r.ok);
	EXPECT_NE(r.error.find("127.0.0.1"), std::string::npos) << r.error;
}

TEST_F(PgCatalogTest, ReconnectsAfterTheServerRestarts) {
	PgCatalog catalog(Settings(cluster_->port()), Poster());
	ASSERT_TRUE(Ask(catalog, "public", "users").ok);
	ASSERT_EQ(cluster_->Ctl("restart"), 0);  // the catalog's connection is now dead
	auto r = Ask(catalog, "public", "users");
	EXPECT_TRUE(r.ok) << r.error;
	EXPECT_EQ(r.tables.size(), 1u);
}

// A TCP peer that accepts connections and never answers nor closes them: what a frozen server or a
// half-open connection looks like to libpq (the kernel acknowledges, nothing comes back).
class SilentPeer {
public:
	SilentPeer() {
		listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
		sockaddr_in addr{};
		addr.sin_family = AF_INET;
		addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
		::listen(listener_, 16);
		socklen_t len = sizeof addr;
		::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
		port_ = ntohs(addr.sin_port);
	}
	~SilentPeer() {
		for (int fd : accepted_) ::close(fd);
		::close(listener_);
	}
	// Blocks until the catalog has connected (bounded by a 20 s receive timeout on the listener).
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

TEST_F(PgCatalogTest, ASilentServerIsAnErrorWithinTheDeadline) {
	SilentPeer peer;
	auto settings = Settings(peer.port());
	settings.query_timeout = std::chrono::milliseconds(500);
	PgCatalog catalog(settings, Poster());
	const auto timeouts = GlobalMetrics().catalog_timeouts.load();
	auto start = std::chrono::steady_clock::now();
	auto r = Ask(catalog, "public", "users");
	auto took = std::chrono::steady_clock::now() - start;
	EXPECT_FALSE(r.ok);
	EXPECT_NE(r.error.find("CATALOG_QUERY_TIMEOUT_MS"), std::string::npos) << r.error;
	EXPECT_GE(took, std::chrono::milliseconds(500));
	EXPECT_LT(took, std::chrono::milliseconds(2500)) << "the deadline does not depend on the server answering";
	EXPECT_GT(GlobalMetrics().catalog_timeouts.load(), timeouts);

	// Known unreachable now: the next lookup is answered at once instead of waiting out its own deadline.
	start = std::chrono::steady_clock::now();
	auto again = Ask(catalog, "public", "other");
	EXPECT_FALSE(again.ok);
	EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(400));
}

TEST_F(PgCatalogTest, DestructionDoesNotWaitOnAStuckConnect) {
	SilentPeer peer;
	auto settings = Settings(peer.port());
	settings.query_timeout = std::chrono::milliseconds(60000);
	auto catalog = std::make_unique<PgCatalog>(settings, Poster());
	bool answered = false;
	catalog->Lookup("public", "users", asker_, [&](CatalogResult) { answered = true; });
	ASSERT_TRUE(peer.AwaitConnection()) << "the catalog never connected";
	auto start = std::chrono::steady_clock::now();
	catalog.reset();
	EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2))
	    << "shutdown waited on a server that never answers";
}

TEST_F(PgCatalogTest, LookupsOfDepartedAskersAreNotRun) {
	auto settings = Settings(cluster_->port());
	PgCatalog catalog(settings, Poster());
	ASSERT_TRUE(Ask(catalog, "public", "users").ok);  // connected
	const auto queries = GlobalMetrics().catalog_queries.load();
	const auto dropped = GlobalMetrics().catalog_lookups_dropped.load();
	bool called = false;
	{
		auto gone = std::make_shared<int>();
		std::weak_ptr<const void> interest = gone;
		gone.reset();  // the client left before the worker got to its lookup
		catalog.Lookup("shop", "orders", interest, [&](CatalogResult) { called = true; });
	}
	// Lookups run in order, so once this one is answered the departed one has had its turn.
	ASSERT_TRUE(Ask(catalog, "public", "secret").ok);
	EXPECT_EQ(GlobalMetrics().catalog_queries.load(), queries + 1) << "only the live lookup reached the database";
	EXPECT_EQ(GlobalMetrics().catalog_lookups_dropped.load(), dropped + 1);
	io_.restart();
	io_.poll();
	EXPECT_FALSE(called);
}

TEST_F(PgCatalogTest, AnswersAreCachedWithinTheTtl) {
	auto settings = Settings(cluster_->port());
	settings.cache_ttl = std::chrono::milliseconds(60000);
	PgCatalog catalog(settings, Poster());
	ASSERT_TRUE(Ask(catalog, "public", "users").ok);
	const auto queries = GlobalMetrics().catalog_queries.load();
	auto r = Ask(catalog, "public", "users");
	ASSERT_TRUE(r.ok);
	EXPECT_EQ(r.tables.size(), 1u);
	EXPECT_EQ(GlobalMetrics().catalog_queries.load(), queries);
}

}  // namespace
}  // namespace walcast::channels
