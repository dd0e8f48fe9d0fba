#include "core/log_throttle.hpp"

#include <gtest/gtest.h>

namespace walcast::log {
namespace {

using namespace std::chrono_literals;
using Clock = LogThrottle::Clock;
const Clock::time_point t0 = Clock::time_point(1000h);

TEST(LogThrottle, WritesNLinesPerWindowAndCountsTheRest) {
	LogThrottle throttle(3, 10s);
	for (int i = 0; i < 3; ++i) {
		auto d = throttle.Admit(t0 + i * 1ms);
		EXPECT_TRUE(d.write);
		EXPECT_EQ(d.suppressed_before, 0u);
	}
	for (int i = 0; i < 997; ++i) EXPECT_FALSE(throttle.Admit(t0 + 5s).write);
	// The first line of the next window is written and carries the count for the summary.
	auto next = throttle.Admit(t0 + 10s);
	EXPECT_TRUE(next.write);
	EXPECT_EQ(next.suppressed_before, 997u);
	EXPECT_EQ(throttle.TakeSuppressed(), 0u);  // reported once only
}

TEST(LogThrottle, WindowStartsAtTheFirstLineAfterAQuietSpell) {
	LogThrottle throttle(1, 10s);
	EXPECT_TRUE(throttle.Admit(t0).write);
	EXPECT_FALSE(throttle.Admit(t0 + 9999ms).write);
	auto later = throttle.Admit(t0 + 1h);
	EXPECT_TRUE(later.write);
	EXPECT_EQ(later.suppressed_before, 1u);
	EXPECT_FALSE(throttle.Admit(t0 + 1h + 9s).write);  // the new window runs from t0 + 1h
	EXPECT_TRUE(throttle.Admit(t0 + 1h + 10s).write);
}

TEST(LogThrottle, TakeSuppressedAtTheEnd) {
	LogThrottle throttle(2, 10s);
	for (int i = 0; i < 7; ++i) throttle.Admit(t0);
	EXPECT_EQ(throttle.TakeSuppressed(), 5u);
	EXPECT_EQ(throttle.TakeSuppressed(), 0u);
	// A window whose lines were already summarized reports nothing when the next one starts.
	EXPECT_EQ(throttle.Admit(t0 + 11s).suppressed_before, 0u);
}

TEST(LogThrottle, ZeroMeansUnlimited) {
	LogThrottle throttle(0, 10s);
	for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(throttle.Admit(t0).write);
	EXPECT_EQ(throttle.TakeSuppressed(), 0u);
}

}  // namespace
}  // namespace walcast::log
