// CatalogCache: the TTL of an answer and the bound on how many patterns are kept, tried at its edge.

#include "channels/catalog_cache.hpp"

#include <gtest/gtest.h>

namespace walcast::channels {
namespace {

using namespace std::chrono_literals;
using Clock = CatalogCache::Clock;

CatalogResult Named(const std::string& table) {
	CatalogResult r;
	r.tables.push_back(CatalogTable{"public", table, {}});
	return r;
}

CatalogCache::Key K(const std::string& table) { return {"public", table}; }

TEST(CatalogCache, KeepsAnAnswerForTheTtlOnly) {
	CatalogCache cache(10, 3000ms);
	const auto t0 = Clock::now();
	cache.Put(K("a"), Named("a"), t0);
	auto hit = cache.Find(K("a"), t0 + 2999ms);
	ASSERT_TRUE(hit);
	EXPECT_EQ(hit->tables.at(0).table, "a");
	EXPECT_FALSE(cache.Find(K("a"), t0 + 3000ms));
	EXPECT_EQ(cache.size(), 0u) << "an expired entry is removed, not kept";
}

TEST(CatalogCache, HoldsCapacityEntriesAndEvictsTheLeastRecentlyUsed) {
	constexpr std::size_t kCapacity = 4;
	CatalogCache cache(kCapacity, 3000ms);
	const auto t0 = Clock::now();
	for (std::size_t i = 0; i < kCapacity; ++i) cache.Put(K("t" + std::to_string(i)), Named("t"), t0);
	EXPECT_EQ(cache.size(), kCapacity);  // N allowed
	for (std::size_t i = 0; i < kCapacity; ++i) EXPECT_TRUE(cache.Find(K("t" + std::to_string(i)), t0));
	ASSERT_TRUE(cache.Find(K("t0"), t0));  // t0 is now the most recently used, t1 the least

	cache.Put(K("new"), Named("new"), t0);  // N+1: one goes
	EXPECT_EQ(cache.size(), kCapacity);
	EXPECT_FALSE(cache.Find(K("t1"), t0)) << "the least recently used entry is evicted";
	EXPECT_TRUE(cache.Find(K("t0"), t0));
	EXPECT_TRUE(cache.Find(K("new"), t0));
}

TEST(CatalogCache, ManyDistinctNamesNeverGrowItPastCapacity) {
	CatalogCache cache(16, 3000ms);
	const auto t0 = Clock::now();
	for (int i = 0; i < 100000; ++i) cache.Put(K("name" + std::to_string(i)), Named("x"), t0);
	EXPECT_EQ(cache.size(), 16u);
	EXPECT_TRUE(cache.Find(K("name99999"), t0));
	EXPECT_FALSE(cache.Find(K("name0"), t0));
}

TEST(CatalogCache, ReplacingAnEntryRefreshesItWithoutGrowing) {
	CatalogCache cache(2, 3000ms);
	const auto t0 = Clock::now();
	cache.Put(K("a"), Named("old"), t0);
	cache.Put(K("a"), Named("new"), t0 + 2000ms);
	EXPECT_EQ(cache.size(), 1u);
	auto hit = cache.Find(K("a"), t0 + 4000ms);  // 2 s after the replacement: still fresh
	ASSERT_TRUE(hit);
	EXPECT_EQ(hit->tables.at(0).table, "new");
}

TEST(CatalogCache, CapacityZeroCachesNothing) {
	CatalogCache cache(0, 3000ms);
	const auto t0 = Clock::now();
	cache.Put(K("a"), Named("a"), t0);
	EXPECT_EQ(cache.size(), 0u);
	EXPECT_FALSE(cache.Find(K("a"), t0));
}

}  // namespace
}  // namespace walcast::channels
