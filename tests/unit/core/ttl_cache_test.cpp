// TtlCache: the TTL of a value and the bound on how many keys are kept, tried at their edges.

#include "core/ttl_cache.hpp"

#include <gtest/gtest.h>

#include <string>

namespace walcast {
namespace {

using namespace std::chrono_literals;
using Cache = TtlCache<std::string, std::string>;
using Clock = Cache::Clock;

TEST(TtlCache, KeepsAValueForTheTtlOnly) {
	Cache cache(10, 3000ms);
	const auto t0 = Clock::now();
	cache.Put("a", "value", t0);
	auto hit = cache.Find("a", t0 + 2999ms);
	ASSERT_TRUE(hit);
	EXPECT_EQ(*hit, "value");
	EXPECT_FALSE(cache.Find("a", t0 + 3000ms));
	EXPECT_EQ(cache.size(), 0u) << "an expired entry is removed, not kept";
}

TEST(TtlCache, HoldsCapacityEntriesAndEvictsTheLeastRecentlyUsed) {
	constexpr std::size_t kCapacity = 4;
	Cache cache(kCapacity, 3000ms);
	const auto t0 = Clock::now();
	for (std::size_t i = 0; i < kCapacity; ++i) cache.Put("t" + std::to_string(i), "t", t0);
	EXPECT_EQ(cache.size(), kCapacity);  // N allowed
	for (std::size_t i = 0; i < kCapacity; ++i) EXPECT_TRUE(cache.Find("t" + std::to_string(i), t0));
	ASSERT_TRUE(cache.Find("t0", t0));  // t0 is now the most recently used, t1 the least

	cache.Put("new", "new", t0);  // N+1: one goes
	EXPECT_EQ(cache.size(), kCapacity);
	EXPECT_FALSE(cache.Find("t1", t0)) << "the least recently used entry is evicted";
	EXPECT_TRUE(cache.Find("t0", t0));
	EXPECT_TRUE(cache.Find("new", t0));
}

TEST(TtlCache, ManyDistinctKeysNeverGrowItPastCapacity) {
	Cache cache(16, 3000ms);
	const auto t0 = Clock::now();
	for (int i = 0; i < 100000; ++i) cache.Put("name" + std::to_string(i), "x", t0);
	EXPECT_EQ(cache.size(), 16u);
	EXPECT_TRUE(cache.Find("name99999", t0));
	EXPECT_FALSE(cache.Find("name0", t0));
}

TEST(TtlCache, ReplacingAnEntryRefreshesItWithoutGrowing) {
	Cache cache(2, 3000ms);
	const auto t0 = Clock::now();
	cache.Put("a", "old", t0);
	cache.Put("a", "new", t0 + 2000ms);
	EXPECT_EQ(cache.size(), 1u);
	auto hit = cache.Find("a", t0 + 4000ms);  // 2 s after the replacement: still fresh
	ASSERT_TRUE(hit);
	EXPECT_EQ(*hit, "new");
}

TEST(TtlCache, CapacityZeroOrAZeroTtlCachesNothing) {
	const auto t0 = Clock::now();
	Cache no_room(0, 3000ms);
	no_room.Put("a", "a", t0);
	EXPECT_EQ(no_room.size(), 0u);
	EXPECT_FALSE(no_room.Find("a", t0));
	Cache no_time(10, 0ms);
	no_time.Put("a", "a", t0);
	EXPECT_EQ(no_time.size(), 0u) << "nothing is stored that could never be found";
	EXPECT_FALSE(no_time.Find("a", t0));
}

}  // namespace
}  // namespace walcast
