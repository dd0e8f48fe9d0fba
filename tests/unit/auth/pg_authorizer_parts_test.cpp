// The authorizer's pieces that need no database: the key, the parameters it sends, the server message it
// passes on. (Its backlog and cache are the core templates, tested in tests/unit/core.)

#include <gtest/gtest.h>

#include <memory>

#include "auth/access_key.hpp"
#include "auth/pg_authorizer_query.hpp"

namespace walcast::auth {
namespace {

AccessKey Key(std::string topic, unsigned checks = kReadBroadcast) {
	AccessKey k;
	k.role = "authenticated";
	k.claims_json = R"({"sub":"a"})";
	k.topic = std::move(topic);
	k.topic_checks = checks;
	return k;
}

TEST(ArrayLiteral, QuotesEveryElement) {
	EXPECT_EQ(ArrayLiteral({}), "{}");
	EXPECT_EQ(ArrayLiteral({"public", "a,b", "{x}", "NULL", "", "sp ace", "q\"uo\\te"}),
	          R"({"public","a,b","{x}","NULL","","sp ace","q\"uo\\te"})");
}

TEST(BuildAccessQuery, SendsTheAskedChecksInOrderAndSkipsImpossibleTables) {
	auto key = Key("room:a", kWritePresence | kReadBroadcast);
	key.tables = {{"public", "t"}, {"public", std::string("t\0x", 3)}, {"s", "u"}};
	std::string error;
	auto q = BuildAccessQuery(key, error);
	ASSERT_TRUE(q) << error;
	EXPECT_EQ(q->params, (std::vector<std::string>{"room:a", "authenticated", R"({"sub":"a"})",
	                                               "{\"read_broadcast\",\"write_presence\"}", "{\"public\",\"s\"}",
	                                               "{\"t\",\"u\"}"}));
	EXPECT_EQ(q->checks, (std::vector<unsigned>{kReadBroadcast, kWritePresence}));
	EXPECT_EQ(q->tables, (std::vector<std::size_t>{0, 2}));
	EXPECT_EQ(q->table_count, 3u);
}

TEST(BuildAccessQuery, RefusesWhatLibpqWouldCut) {
	std::string error;
	EXPECT_FALSE(BuildAccessQuery(Key(std::string("room:a\0b", 8)), error));
	EXPECT_EQ(error, "the role, topic or claims hold a NUL character");
	auto no_role = Key("room:a");
	no_role.role.clear();
	EXPECT_FALSE(BuildAccessQuery(no_role, error));
}

TEST(KeyOf, TopicCountsOnlyForTopicChecks) {
	auto identity = std::make_shared<Identity>();
	identity->role = "r";
	identity->claims_json = "{}";
	AccessRequest a{identity, "room:1", 0, {{"public", "t"}}};
	AccessRequest b{identity, "room:2", 0, {{"public", "t"}}};
	EXPECT_EQ(KeyOf(a), KeyOf(b));
	a.topic_checks = b.topic_checks = kReadBroadcast;
	EXPECT_NE(KeyOf(a), KeyOf(b));
}

TEST(ServerMessage, KeepsTheMessageOnly) {
	EXPECT_EQ(ServerMessage("ERROR: cannot check access as role x: permission denied to set role \"x\" HINT: The "
	                        "gateway's database user must ... CONTEXT: PL/pgSQL function ..."),
	          "cannot check access as role x: permission denied to set role \"x\"");
	EXPECT_EQ(ServerMessage("ERROR: canceling statement due to statement timeout CONTEXT: SQL function"),
	          "canceling statement due to statement timeout");
	EXPECT_EQ(ServerMessage("plain"), "plain");
}

}  // namespace
}  // namespace walcast::auth
