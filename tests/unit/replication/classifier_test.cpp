#include "replication/classifier.hpp"
#include "replication/shallow_object.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace walcast::replication {
namespace {

constexpr const char* kBegin = R"({"type":"BEGIN","xid":700,"commit_lsn":"0/1A0","commit_timestamp":"2024-01-01 00:00:00+00"})";
constexpr const char* kCommit = R"({"type":"COMMIT","xid":700,"commit_lsn":"0/1A0","commit_timestamp":"2024-01-01 00:00:00+00"})";
constexpr const char* kInsert =
    R"({"schema":"public","table":"t","type":"INSERT","commit_timestamp":"x","columns":[],"record":{"id":1},"old_record":{},"errors":null})";

TEST(Classifier, TransactionGivesChangesTheCommitLsn) {
	Classifier c;
	EXPECT_FALSE(c.Classify(0x100, kBegin));
	EXPECT_TRUE(c.InTransaction());

	auto change = c.Classify(0x110, kInsert);
	ASSERT_TRUE(change);
	EXPECT_EQ(change->kind, WalEventKind::Change);
	EXPECT_EQ(change->lsn, 0x110u);
	EXPECT_EQ(change->commit_lsn, 0x1A0u);
	ASSERT_TRUE(change->json);
	EXPECT_EQ(*change->json, kInsert);
	ASSERT_TRUE(change->data);
	EXPECT_EQ(change->data->at("table").as_string(), "t");

	auto commit = c.Classify(0x1A0, kCommit);
	ASSERT_TRUE(commit);
	EXPECT_EQ(commit->kind, WalEventKind::Commit);
	EXPECT_EQ(commit->commit_lsn, 0x1A0u);
	EXPECT_EQ(commit->lsn, 0x1A0u);
	EXPECT_FALSE(commit->json);
	EXPECT_FALSE(c.InTransaction());
	EXPECT_EQ(c.Rejected(), 0u);
}

TEST(Classifier, DeeplyNestedValuesAreNotRejected) {
	// A change whose jsonb column is nested deep: Boost.JSON's default depth limit (32) would have dropped it.
	// The object is level 1 and "record" level 2, so a value of depth d makes a document of depth d + 2.
	auto insert_of_depth = [](std::size_t depth) {
		std::size_t value_depth = depth - 2;
		return R"({"schema":"public","table":"t","type":"INSERT","columns":[{"name":"j","type":"jsonb"}],"record":{"j":)" +
		       std::string(value_depth, '[') + std::string(value_depth, ']') + R"(},"errors":null})";
	};
	Classifier c;
	auto change = c.Classify(0x110, insert_of_depth(4096));
	ASSERT_TRUE(change) << "4096 levels, the limit, are parsed whole";
	EXPECT_TRUE(change->data->as_object().contains("record"));

	// Deeper: still a change (the plugin's bytes go out unchanged), routed without the member too deep to
	// parse, so bindings without a filter still receive it.
	const std::string deep = insert_of_depth(200000);
	change = c.Classify(0x120, deep);
	ASSERT_TRUE(change);
	EXPECT_EQ(change->kind, WalEventKind::Change);
	EXPECT_EQ(*change->json, deep);
	const auto& obj = change->data->as_object();
	EXPECT_FALSE(obj.contains("record"));
	EXPECT_EQ(obj.at("table").as_string(), "t");
	EXPECT_EQ(obj.at("type").as_string(), "INSERT");
	EXPECT_EQ(obj.at("columns").as_array().size(), 1u);
	EXPECT_TRUE(obj.at("errors").is_null());
	EXPECT_EQ(c.Rejected(), 0u);

	// Broken JSON is still rejected, deep or not.
	EXPECT_FALSE(c.Classify(0x130, deep.substr(0, deep.size() - 1)));
	EXPECT_EQ(c.Rejected(), 1u);
}

TEST(ShallowObject, SplitsMembersWithoutRecursion) {
	std::vector<std::string> left_out;
	auto members = ParseTopLevelMembers(
	    R"( { "a" : "x\"}" , "b":[1,{"c":"]"}], "d": true,"e\u0041":-1.5e3 ,"deep":[[[[[]]]]]} )", 4, left_out);
	ASSERT_TRUE(members);
	EXPECT_EQ(boost::json::serialize(*members), R"({"a":"x\"}","b":[1,{"c":"]"}],"d":true,"eA":-1.5E3})");
	EXPECT_EQ(left_out, std::vector<std::string>{"deep"});
	for (const char* bad : {"", "[]", "{", R"({"a")", R"({"a":})", R"({"a":1,})", R"({"a":1} x)", R"({"a":[1})", R"({a:1})",
	                        "{} x", "{}\x01"}) {
		left_out.clear();
		EXPECT_FALSE(ParseTopLevelMembers(bad, 4, left_out)) << bad;
	}
	EXPECT_TRUE(ParseTopLevelMembers("{}", 4, left_out));
	EXPECT_TRUE(ParseTopLevelMembers(" { } \n", 4, left_out));
}

TEST(Classifier, AllChangeTypesAreChanges) {
	Classifier c;
	c.Classify(1, kBegin);
	for (const char* type : {"INSERT", "UPDATE", "DELETE", "TRUNCATE"}) {
		std::string json = std::string(R"({"schema":"s","table":"t","type":")") + type + "\"}";
		auto ev = c.Classify(2, json);
		ASSERT_TRUE(ev) << type;
		EXPECT_EQ(ev->kind, WalEventKind::Change);
	}
}

TEST(Classifier, TransactionalMessageBelongsToTransaction) {
	Classifier c;
	c.Classify(0x100, kBegin);
	auto msg = c.Classify(0x120, R"({"type":"MESSAGE","prefix":"walcast","transactional":true,"content":"hi"})");
	ASSERT_TRUE(msg);
	EXPECT_EQ(msg->kind, WalEventKind::Message);
	EXPECT_EQ(msg->commit_lsn, 0x1A0u);
}

TEST(Classifier, NonTransactionalMessageHasNoCommitLsn) {
	Classifier c;
	auto msg = c.Classify(0x120, R"({"type":"MESSAGE","prefix":"walcast","transactional":false,"content":"hi"})");
	ASSERT_TRUE(msg);
	EXPECT_EQ(msg->kind, WalEventKind::Message);
	EXPECT_EQ(msg->commit_lsn, kInvalidLsn);
	EXPECT_EQ(msg->lsn, 0x120u);
}

TEST(Classifier, RejectsGarbageWithoutChangingState) {
	Classifier c;
	c.Classify(0x100, kBegin);
	const char* bad[] = {
	    "",
	    "BEGIN 700",                                   // test_decoding text
	    "{\"type\":\"INSERT\"",                         // truncated JSON
	    "[1,2,3]",                                      // not an object
	    "{}",                                           // no type
	    R"({"type":5})",                                // type not a string
	    R"({"type":"UPSERT","schema":"s","table":"t"})", // unknown type
	    R"({"type":"INSERT","table":"t"})",             // change without schema
	    R"({"type":"MESSAGE","prefix":"walcast"})",     // message without transactional
	    "{\"type\":\"INSERT\",\"schema\":\"s\",\"table\":\"t\"}garbage",
	    "\xff\xfe\x00",
	};
	for (const char* payload : bad) EXPECT_FALSE(c.Classify(0x110, payload)) << payload;
	EXPECT_EQ(c.Rejected(), std::size(bad));
	EXPECT_TRUE(c.InTransaction());
	auto change = c.Classify(0x111, kInsert);
	ASSERT_TRUE(change);
	EXPECT_EQ(change->commit_lsn, 0x1A0u);
}

TEST(Classifier, BeginWithoutValidCommitLsnIsRejected) {
	Classifier c;
	EXPECT_FALSE(c.Classify(1, R"({"type":"BEGIN","xid":1})"));
	EXPECT_FALSE(c.Classify(1, R"({"type":"BEGIN","xid":1,"commit_lsn":"zz"})"));
	EXPECT_FALSE(c.InTransaction());
	EXPECT_EQ(c.Rejected(), 2u);
}

TEST(Classifier, CommitWithoutLsnUsesTheOpenTransactionsLsn) {
	Classifier c;
	c.Classify(0x100, kBegin);
	auto commit = c.Classify(0x1A0, R"({"type":"COMMIT","xid":700})");
	ASSERT_TRUE(commit);
	EXPECT_EQ(commit->commit_lsn, 0x1A0u);
}

TEST(Classifier, CommitOutsideTransactionWithoutLsnIsRejected) {
	Classifier c;
	EXPECT_FALSE(c.Classify(0x1A0, R"({"type":"COMMIT","xid":700})"));
	EXPECT_EQ(c.Rejected(), 1u);
}

TEST(Classifier, ResetForgetsAHalfReceivedTransaction) {
	Classifier c;
	c.Classify(0x100, kBegin);
	c.Reset();
	EXPECT_FALSE(c.InTransaction());
}

}  // namespace
}  // namespace walcast::replication
