#include "replication/in_flight_budget.hpp"

#include <gtest/gtest.h>

namespace walcast::replication {
namespace {

TEST(InFlightBudget, ExhaustedByEventCount) {
	InFlightBudget b(100, 1 << 30);
	b.OnPosted(60, 10);
	EXPECT_FALSE(b.Exhausted());
	b.OnPosted(40, 10);
	EXPECT_TRUE(b.Exhausted());
	b.OnHandled(1);
	EXPECT_FALSE(b.Exhausted());
	EXPECT_EQ(b.Events(), 99u);
}

TEST(InFlightBudget, BytesReleasedPerBatchWhenItsLastEventIsHandled) {
	InFlightBudget b(1'000'000, 1000);
	b.OnPosted(10, 600);
	b.OnPosted(10, 500);
	EXPECT_TRUE(b.Exhausted());
	EXPECT_EQ(b.Bytes(), 1100u);
	b.OnHandled(9);
	EXPECT_EQ(b.Bytes(), 1100u);
	b.OnHandled(10);
	EXPECT_EQ(b.Bytes(), 500u);
	EXPECT_FALSE(b.Exhausted());
	b.OnHandled(20);
	EXPECT_EQ(b.Bytes(), 0u);
	EXPECT_EQ(b.Events(), 0u);
}

TEST(InFlightBudget, HandledCountNeverMovesBack) {
	InFlightBudget b(10, 1000);
	b.OnPosted(5, 50);
	b.OnHandled(5);
	b.OnHandled(2);
	EXPECT_EQ(b.Events(), 0u);
	EXPECT_EQ(b.Bytes(), 0u);
}

TEST(InFlightBudget, EmptyBatchesAreIgnored) {
	InFlightBudget b(10, 1000);
	b.OnPosted(0, 0);
	EXPECT_EQ(b.Events(), 0u);
	EXPECT_FALSE(b.Exhausted());
}

TEST(InFlightBudget, UnpostedBatchLeavesNothingInFlight) {
	// A hand-over that threw must not count as in flight forever (reads would stay paused).
	InFlightBudget b(10, 1000);
	b.OnPosted(4, 40);
	b.OnPosted(6, 600);
	EXPECT_TRUE(b.Exhausted());
	b.OnUnposted(6, 600);
	EXPECT_EQ(b.Events(), 4u);
	EXPECT_EQ(b.Bytes(), 40u);
	EXPECT_FALSE(b.Exhausted());
	b.OnHandled(4);
	EXPECT_EQ(b.Events(), 0u);
	EXPECT_EQ(b.Bytes(), 0u);
	b.OnPosted(3, 30);  // the same events, posted again after the reconnect
	b.OnHandled(7);
	EXPECT_EQ(b.Events(), 0u);
	EXPECT_EQ(b.Bytes(), 0u);
}

}  // namespace
}  // namespace walcast::replication
