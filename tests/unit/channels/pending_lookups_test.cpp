// PendingLookups: the bound on distinct waiting patterns at its edge, coalescing of identical lookups,
// order, and telling departed askers apart.

#include "channels/pending_lookups.hpp"

#include <gtest/gtest.h>

namespace walcast::channels {
namespace {

using Added = PendingLookups::Added;

PendingLookups::Waiter W(const std::shared_ptr<int>& asker, int* called = nullptr) {
	return {asker, [called](CatalogResult) {
		        if (called) ++*called;
	        }};
}

PendingLookups::Key K(const std::string& table) { return {"public", table}; }

TEST(PendingLookups, AcceptsMaxDistinctPatternsAndRefusesTheNext) {
	auto asker = std::make_shared<int>();
	PendingLookups pending(3);
	EXPECT_EQ(pending.Add(K("a"), W(asker)), Added::queued);
	EXPECT_EQ(pending.Add(K("b"), W(asker)), Added::queued);
	EXPECT_EQ(pending.Add(K("c"), W(asker)), Added::queued);  // N allowed
	int called = 0;
	auto refused = W(asker, &called);
	EXPECT_EQ(pending.Add(K("d"), std::move(refused)), Added::full);  // N+1 refused
	ASSERT_TRUE(refused.done) << "a refused waiter is left to the caller to answer";
	refused.done(CatalogResult{});
	EXPECT_EQ(called, 1);
	EXPECT_EQ(pending.size(), 3u);
}

TEST(PendingLookups, IdenticalLookupsWaitTogetherEvenWhenFull) {
	auto asker = std::make_shared<int>();
	PendingLookups pending(1);
	EXPECT_EQ(pending.Add(K("a"), W(asker)), Added::queued);
	for (int i = 0; i < 1000; ++i) EXPECT_EQ(pending.Add(K("a"), W(asker)), Added::coalesced);
	EXPECT_EQ(pending.size(), 1u);
	auto batch = pending.Pop();
	EXPECT_EQ(batch.key, K("a"));
	EXPECT_EQ(batch.waiters.size(), 1001u) << "one query answers all of them";
	EXPECT_TRUE(pending.empty());
}

TEST(PendingLookups, PopsOldestFirstAndFreesASlot) {
	auto asker = std::make_shared<int>();
	PendingLookups pending(2);
	pending.Add(K("a"), W(asker));
	pending.Add(K("b"), W(asker));
	EXPECT_EQ(pending.Add(K("c"), W(asker)), Added::full);
	EXPECT_EQ(pending.Pop().key, K("a"));
	EXPECT_EQ(pending.Add(K("c"), W(asker)), Added::queued);
	EXPECT_EQ(pending.Add(K("a"), W(asker)), Added::full) << "a popped pattern is no longer waiting";
	EXPECT_EQ(pending.Pop().key, K("b"));
	EXPECT_EQ(pending.Pop().key, K("c"));
	EXPECT_TRUE(pending.empty());
}

TEST(PendingLookups, DepartedAskersAreTakenOut) {
	auto stays = std::make_shared<int>();
	auto leaves = std::make_shared<int>();
	PendingLookups pending(4);
	pending.Add(K("a"), W(leaves));
	pending.Add(K("a"), W(stays));
	pending.Add(K("a"), W(leaves));
	leaves.reset();
	auto batch = pending.Pop();
	auto departed = TakeDeparted(batch.waiters);
	EXPECT_EQ(departed.size(), 2u);
	ASSERT_EQ(batch.waiters.size(), 1u);
	EXPECT_FALSE(batch.waiters[0].interest.expired());
}

TEST(PendingLookups, ClearReturnsEveryWaiter) {
	auto asker = std::make_shared<int>();
	PendingLookups pending(4);
	pending.Add(K("a"), W(asker));
	pending.Add(K("a"), W(asker));
	pending.Add(K("b"), W(asker));
	EXPECT_EQ(pending.Clear().size(), 3u);
	EXPECT_TRUE(pending.empty());
	EXPECT_EQ(pending.Add(K("c"), W(asker)), Added::queued);
}

}  // namespace
}  // namespace walcast::channels
