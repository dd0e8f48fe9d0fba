// Unreachable: the error it answers with, the probe timing, and telling the operator once per episode.

#include "core/unreachable.hpp"

#include <gtest/gtest.h>

namespace walcast {
namespace {

using namespace std::chrono_literals;
using Clock = Unreachable::Clock;

TEST(Unreachable, StartsReachable) {
	Unreachable state(2000ms);
	EXPECT_FALSE(state);
	EXPECT_FALSE(state.why());
	EXPECT_FALSE(state.Clear()) << "nothing to announce when it was never unreachable";
}

TEST(Unreachable, MarkKeepsTheLastErrorAndSaysOncePerEpisode) {
	Unreachable state(2000ms);
	const auto t0 = Clock::time_point{} + 1h;
	EXPECT_TRUE(state.Mark("refused", t0)) << "the first failure starts an episode";
	EXPECT_FALSE(state.Mark("timed out", t0 + 1s)) << "a second failure does not";
	ASSERT_TRUE(state);
	EXPECT_EQ(*state.why(), "timed out");
	EXPECT_EQ(state.next_probe(), t0 + 3s) << "the retry counts from the latest failure";
	EXPECT_TRUE(state.Clear());
	EXPECT_FALSE(state);
	EXPECT_TRUE(state.Mark("refused", t0 + 10s)) << "a new episode is announced again";
}

TEST(Unreachable, AFailedProbePutsTheNextOneARetryAway) {
	Unreachable state(500ms);
	const auto t0 = Clock::time_point{} + 1h;
	state.Mark("refused", t0);
	EXPECT_EQ(state.next_probe(), t0 + 500ms);
	state.ProbeFailed(t0 + 700ms);
	EXPECT_EQ(state.next_probe(), t0 + 1200ms);
	EXPECT_EQ(*state.why(), "refused") << "the error answered with stays until a probe succeeds";
}

}  // namespace
}  // namespace walcast
