#include "core/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace walcast {
namespace {

using namespace std::chrono_literals;
using Clock = RateLimiter::Clock;

// A fake clock: time points built from a fixed origin, so nothing depends on how fast the test runs.
const Clock::time_point t0 = Clock::time_point(1000h);

int TakeAll(RateLimiter& limiter, Clock::time_point now, int tries) {
	int taken = 0;
	for (int i = 0; i < tries; ++i) taken += limiter.TryTake(now) ? 1 : 0;
	return taken;
}

TEST(RateLimiter, BurstOfNPassesAndTheNextIsRefused) {
	RateLimiter limiter(100);
	for (int i = 0; i < 100; ++i) ASSERT_TRUE(limiter.TryTake(t0)) << i;
	EXPECT_FALSE(limiter.TryTake(t0));
	EXPECT_FALSE(limiter.TryTake(t0 + 9ms));  // a token takes 10 ms to come back
	EXPECT_TRUE(limiter.TryTake(t0 + 10ms));
	EXPECT_FALSE(limiter.TryTake(t0 + 10ms));
}

TEST(RateLimiter, RefusedAttemptsCostNothing) {
	RateLimiter limiter(2);
	EXPECT_EQ(TakeAll(limiter, t0, 2), 2);
	EXPECT_EQ(TakeAll(limiter, t0 + 100ms, 1000), 0);  // hammering an empty bucket does not push refill back
	EXPECT_EQ(TakeAll(limiter, t0 + 500ms, 10), 1);
}

TEST(RateLimiter, RefillsToAFullBucketAfterOneSecondAndNoMore) {
	RateLimiter limiter(3);  // 1 s / 3 does not divide evenly: a full second must still give all 3 back
	EXPECT_EQ(TakeAll(limiter, t0, 10), 3);
	EXPECT_EQ(TakeAll(limiter, t0 + 1s, 10), 3);
	// Idle time is not saved up: an hour of silence still allows only one burst.
	EXPECT_EQ(TakeAll(limiter, t0 + 1h, 10), 3);
}

TEST(RateLimiter, SteadyRateAtTheLimitIsNeverRefused) {
	RateLimiter limiter(50);
	for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(limiter.TryTake(t0 + i * 20ms)) << i;
	// ...and one faster than the rate after a drained bucket is.
	RateLimiter drained(50);
	EXPECT_EQ(TakeAll(drained, t0, 50), 50);
	EXPECT_TRUE(drained.TryTake(t0 + 20ms));
	EXPECT_FALSE(drained.TryTake(t0 + 39ms));
}

TEST(RateLimiter, BurstLargerThanTheRate) {
	RateLimiter limiter(10, 25);
	EXPECT_EQ(limiter.burst(), 25u);
	EXPECT_EQ(TakeAll(limiter, t0, 100), 25);
	EXPECT_EQ(TakeAll(limiter, t0 + 1s, 100), 10);  // refilled at the rate, not the burst
	EXPECT_EQ(TakeAll(limiter, t0 + 1h, 100), 25);
}

TEST(RateLimiter, ZeroMeansUnlimited) {
	RateLimiter limiter(0);
	EXPECT_EQ(TakeAll(limiter, t0, 100'000), 100'000);
}

TEST(RateLimiter, ClockGoingBackwardsRefusesRatherThanGrants) {
	RateLimiter limiter(5);
	EXPECT_EQ(TakeAll(limiter, t0 + 10s, 5), 5);
	EXPECT_EQ(TakeAll(limiter, t0, 5), 0);  // steady_clock does not do this; if it did, no extra tokens
}

}  // namespace
}  // namespace walcast
