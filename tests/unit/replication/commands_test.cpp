#include "replication/commands.hpp"

#include <gtest/gtest.h>

namespace walcast::replication {
namespace {

TEST(Commands, SlotNameValidation) {
	EXPECT_TRUE(IsValidSlotName("walcast"));
	EXPECT_TRUE(IsValidSlotName("slot_1"));
	EXPECT_TRUE(IsValidSlotName(std::string(63, 'a')));
	EXPECT_FALSE(IsValidSlotName(std::string(64, 'a')));
	EXPECT_FALSE(IsValidSlotName(""));
	EXPECT_FALSE(IsValidSlotName("Walcast"));
	EXPECT_FALSE(IsValidSlotName("a-b"));
	EXPECT_FALSE(IsValidSlotName("a\"b"));
	EXPECT_FALSE(IsValidSlotName("a b"));
}

TEST(Commands, Quoting) {
	EXPECT_EQ(QuoteIdentifier("walcast"), "\"walcast\"");
	EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
	EXPECT_EQ(QuoteLiteral("it's"), "'it''s'");
	EXPECT_EQ(QuoteLiteral(""), "''");
}

TEST(Commands, StartReplicationForWalcast) {
	EXPECT_EQ(StartReplicationCommand("walcast", OptionsForPlugin("walcast", "supabase_realtime")),
	          "START_REPLICATION SLOT \"walcast\" LOGICAL 0/0 (\"publication\" 'supabase_realtime', "
	          "\"include-transaction\" 'true')");
}

TEST(Commands, PublicationNameIsQuotedAsLiteral) {
	EXPECT_EQ(StartReplicationCommand("s", OptionsForPlugin("walcast", "pub'); DROP")),
	          "START_REPLICATION SLOT \"s\" LOGICAL 0/0 (\"publication\" 'pub''); DROP', \"include-transaction\" 'true')");
}

TEST(Commands, OtherPluginsGetNoOptions) {
	EXPECT_EQ(StartReplicationCommand("s", OptionsForPlugin("test_decoding", "p")), "START_REPLICATION SLOT \"s\" LOGICAL 0/0");
}

TEST(Commands, CreateSlotAndLookup) {
	EXPECT_EQ(CreateSlotCommand("walcast", "walcast"), "CREATE_REPLICATION_SLOT \"walcast\" LOGICAL \"walcast\" (SNAPSHOT 'nothing')");
	EXPECT_NE(SlotLookupQuery("walcast").find("WHERE slot_name = 'walcast'"), std::string::npos);
}

}  // namespace
}  // namespace walcast::replication
