#include "replication/flush_policy.hpp"

#include <gtest/gtest.h>

#include "core/delivery_progress.hpp"

namespace walcast::replication {
namespace {

WalEvent Change(Lsn lsn, Lsn commit) { return WalEvent{WalEventKind::Change, lsn, commit, nullptr, nullptr}; }
WalEvent Commit(Lsn commit) { return WalEvent{WalEventKind::Commit, commit, commit, nullptr, nullptr}; }

Lsn Flush(FlushPolicy& p, const DeliveryProgress& progress, bool txn_open) {
	return p.Compute(progress.HandledCount(), progress.HandledCommit(), txn_open);
}

TEST(FlushPolicy, NothingReceivedNothingConfirmed) {
	FlushPolicy p;
	DeliveryProgress progress;
	EXPECT_EQ(Flush(p, progress, false), kInvalidLsn);
}

TEST(FlushPolicy, ConfirmsOnlyHandledCommits) {
	FlushPolicy p;
	DeliveryProgress progress;
	// Two transactions received and posted, nothing handled yet.
	p.OnReceived(0x1000);
	p.OnReceived(0x2000);
	p.OnPosted(4);
	EXPECT_EQ(Flush(p, progress, false), kInvalidLsn);

	progress.MarkHandled(Change(0xF00, 0x1000));
	EXPECT_EQ(Flush(p, progress, false), kInvalidLsn) << "a change of an unfinished transaction is no boundary";
	progress.MarkHandled(Commit(0x1000));
	EXPECT_EQ(Flush(p, progress, false), 0x1000u);
	progress.MarkHandled(Change(0x1F00, 0x2000));
	EXPECT_EQ(Flush(p, progress, false), 0x1000u);
	progress.MarkHandled(Commit(0x2000));
	EXPECT_EQ(Flush(p, progress, false), 0x2000u);
}

TEST(FlushPolicy, IdleAdvancesToKeepaliveWalEnd) {
	FlushPolicy p;
	DeliveryProgress progress;
	p.OnReceived(0x2000);
	p.OnPosted(2);
	progress.MarkHandled(Change(0x1F00, 0x2000));
	progress.MarkHandled(Commit(0x2000));
	p.OnReceived(0x9000);  // keepalive: server decoded up to here, nothing for us
	EXPECT_EQ(Flush(p, progress, false), 0x9000u);
}

TEST(FlushPolicy, NoIdleAdvanceWhileEventsAreInFlight) {
	FlushPolicy p;
	DeliveryProgress progress;
	p.OnReceived(0x2000);
	p.OnPosted(2);
	progress.MarkHandled(Change(0x1F00, 0x2000));
	p.OnReceived(0x9000);
	EXPECT_EQ(Flush(p, progress, false), kInvalidLsn);
}

TEST(FlushPolicy, NoIdleAdvanceInsideAnOpenTransaction) {
	FlushPolicy p;
	DeliveryProgress progress;
	p.OnReceived(0x1000);
	p.OnPosted(2);
	progress.MarkHandled(Change(0xF00, 0x1000));
	progress.MarkHandled(Commit(0x1000));
	// BEGIN and a change of the next transaction received and handled; its COMMIT not yet received.
	p.OnReceived(0x1800);
	p.OnPosted(1);
	progress.MarkHandled(Change(0x1800, 0x2000));
	EXPECT_EQ(Flush(p, progress, true), 0x1000u);
	// Once the transaction closes and everything is handled, idle again.
	p.OnReceived(0x2000);
	p.OnPosted(1);
	progress.MarkHandled(Commit(0x2000));
	EXPECT_EQ(Flush(p, progress, false), 0x2000u);
}

TEST(FlushPolicy, NeverGoesBackwards) {
	FlushPolicy p;
	p.OnReceived(0x9000);
	EXPECT_EQ(p.Compute(0, kInvalidLsn, false), 0x9000u);
	// Later something is posted and in flight; the handled commit is older than what was confirmed idle.
	p.OnPosted(3);
	EXPECT_EQ(p.Compute(0, 0x100, false), 0x9000u);
	EXPECT_EQ(p.Flush(), 0x9000u);
}

TEST(FlushPolicy, ReceivedIsTheMaximumSeen) {
	FlushPolicy p;
	p.OnReceived(0x500);
	p.OnReceived(0x300);
	EXPECT_EQ(p.Received(), 0x500u);
}

TEST(FlushPolicy, InFlightCounts) {
	FlushPolicy p;
	p.OnPosted(10);
	EXPECT_EQ(p.InFlight(3), 7u);
	EXPECT_EQ(p.InFlight(10), 0u);
	EXPECT_EQ(p.InFlight(12), 0u);
}

TEST(FlushPolicy, UndeliveredEventsAreNotConfirmedWhenIdle) {
	// Events received and then dropped by a failed hand-over: with them uncounted the consumer looks idle,
	// so the received position must be taken back or the flush would jump over them.
	FlushPolicy p;
	p.OnReceived(0x100);
	p.OnPosted(2);
	EXPECT_EQ(p.Compute(2, 0x100, false), 0x100u);
	p.OnReceived(0x900);
	p.OnPosted(5);
	p.OnUnposted(5);
	p.RewindReceived();
	EXPECT_EQ(p.Compute(2, 0x100, false), 0x100u);
	p.OnReceived(0x900);  // received again in the next session, then handed over
	p.OnPosted(5);
	EXPECT_EQ(p.Compute(2, 0x100, false), 0x100u);
	EXPECT_EQ(p.Compute(7, 0x900, false), 0x900u);
}

}  // namespace
}  // namespace walcast::replication
