#include "replication/deduplicator.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace walcast::replication {
namespace {

WalEvent Change(Lsn lsn, Lsn commit) { return WalEvent{WalEventKind::Change, lsn, commit, nullptr, nullptr}; }
WalEvent Commit(Lsn commit) { return WalEvent{WalEventKind::Commit, commit, commit, nullptr, nullptr}; }
WalEvent Untransacted(Lsn lsn) { return WalEvent{WalEventKind::Message, lsn, kInvalidLsn, nullptr, nullptr}; }

// A transaction as the server sends it: changes at commit-0x10.., then the commit.
std::vector<WalEvent> Txn(Lsn commit, int changes) {
	std::vector<WalEvent> out;
	for (int i = 0; i < changes; ++i) out.push_back(Change(commit - 0x80 + i, commit));
	out.push_back(Commit(commit));
	return out;
}

int AdmitAll(Deduplicator& d, const std::vector<WalEvent>& events) {
	int admitted = 0;
	for (const auto& e : events) admitted += d.Admit(e) ? 1 : 0;
	return admitted;
}

TEST(Deduplicator, ForwardsAFreshStreamWhole) {
	Deduplicator d;
	EXPECT_EQ(AdmitAll(d, Txn(0x1000, 3)), 4);
	EXPECT_EQ(AdmitAll(d, Txn(0x2000, 1)), 2);
	EXPECT_EQ(d.LastForwardedCommit(), 0x2000u);
	EXPECT_EQ(d.Skipped(), 0u);
}

TEST(Deduplicator, SkipsWholeTransactionsReplayedAfterReconnect) {
	Deduplicator d;
	AdmitAll(d, Txn(0x1000, 3));
	AdmitAll(d, Txn(0x2000, 2));
	d.OnReconnect();
	// The server resends from an older confirmed_flush: both already forwarded.
	EXPECT_EQ(AdmitAll(d, Txn(0x1000, 3)), 0);
	EXPECT_EQ(AdmitAll(d, Txn(0x2000, 2)), 0);
	EXPECT_EQ(d.Skipped(), 7u);
	// New work flows again.
	EXPECT_EQ(AdmitAll(d, Txn(0x3000, 2)), 3);
}

TEST(Deduplicator, ResumesAPartiallyForwardedTransactionWhereItStopped) {
	Deduplicator d;
	auto txn = Txn(0x1000, 5);
	// Connection dropped after the first three changes.
	for (int i = 0; i < 3; ++i) EXPECT_TRUE(d.Admit(txn[i]));
	d.OnReconnect();
	std::vector<bool> admitted;
	for (const auto& e : txn) admitted.push_back(d.Admit(e));
	EXPECT_EQ(admitted, (std::vector<bool>{false, false, false, true, true, true}));
	EXPECT_EQ(d.LastForwardedCommit(), 0x1000u);
}

TEST(Deduplicator, SurvivesTwoDropsInsideTheSameTransaction) {
	Deduplicator d;
	auto txn = Txn(0x1000, 6);
	EXPECT_TRUE(d.Admit(txn[0]));
	EXPECT_TRUE(d.Admit(txn[1]));
	d.OnReconnect();
	EXPECT_FALSE(d.Admit(txn[0]));
	EXPECT_FALSE(d.Admit(txn[1]));
	EXPECT_TRUE(d.Admit(txn[2]));
	EXPECT_TRUE(d.Admit(txn[3]));
	d.OnReconnect();
	int admitted = AdmitAll(d, txn);
	EXPECT_EQ(admitted, 3);  // changes 4, 5 and the commit
}

TEST(Deduplicator, DropBeforeTheCommitEventOnlyForwardsTheCommit) {
	Deduplicator d;
	auto txn = Txn(0x1000, 2);
	EXPECT_TRUE(d.Admit(txn[0]));
	EXPECT_TRUE(d.Admit(txn[1]));
	d.OnReconnect();
	EXPECT_EQ(AdmitAll(d, txn), 1);
	EXPECT_EQ(d.LastForwardedCommit(), 0x1000u);
}

TEST(Deduplicator, ReplayThatStartsAfterThePartialTransactionForgetsIt) {
	// Cannot happen with a correct server (replays are in commit order), but must not block new work.
	Deduplicator d;
	auto partial = Txn(0x1000, 3);
	EXPECT_TRUE(d.Admit(partial[0]));
	d.OnReconnect();
	EXPECT_EQ(AdmitAll(d, Txn(0x2000, 2)), 3);
}

TEST(Deduplicator, NonTransactionalMessagesByLsn) {
	Deduplicator d;
	EXPECT_TRUE(d.Admit(Untransacted(0x500)));
	EXPECT_TRUE(d.Admit(Untransacted(0x600)));
	d.OnReconnect();
	EXPECT_FALSE(d.Admit(Untransacted(0x500)));
	EXPECT_FALSE(d.Admit(Untransacted(0x600)));
	EXPECT_TRUE(d.Admit(Untransacted(0x700)));
}

TEST(Deduplicator, InterleavedUntransactedMessagesDoNotDisturbTransactions) {
	Deduplicator d;
	AdmitAll(d, Txn(0x1000, 1));
	EXPECT_TRUE(d.Admit(Untransacted(0x1100)));
	auto txn = Txn(0x2000, 2);
	EXPECT_TRUE(d.Admit(txn[0]));
	d.OnReconnect();
	// Replay: committed 0x1000 again, the message again, then the partial transaction.
	EXPECT_EQ(AdmitAll(d, Txn(0x1000, 1)), 0);
	EXPECT_FALSE(d.Admit(Untransacted(0x1100)));
	EXPECT_EQ(AdmitAll(d, txn), 2);
}

TEST(Deduplicator, WithoutReconnectNothingIsSkipped) {
	// Same commit LSN can never legitimately repeat within a session; the counter just keeps going.
	Deduplicator d;
	auto txn = Txn(0x1000, 4);
	EXPECT_EQ(AdmitAll(d, txn), 5);
}

}  // namespace
}  // namespace walcast::replication
