// CoalescingBacklog: the bound on distinct waiting keys at its edge, coalescing of equal requests, order, and
// telling departed askers apart.

#include "core/coalescing_backlog.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

namespace walcast {
namespace {

using Backlog = CoalescingBacklog<std::string, std::function<void(int)>>;
using Added = Backlog::Added;

Backlog::Waiter W(const std::shared_ptr<int>& asker, int* called = nullptr) {
	return {asker, [called](int) {
		        if (called) ++*called;
	        }};
}

TEST(CoalescingBacklog, AcceptsMaxDistinctKeysAndRefusesTheNext) {
	auto asker = std::make_shared<int>();
	Backlog pending(3);
	EXPECT_EQ(pending.Add("a", W(asker)), Added::queued);
	EXPECT_EQ(pending.Add("b", W(asker)), Added::queued);
	EXPECT_EQ(pending.Add("c", W(asker)), Added::queued);  // N allowed
	int called = 0;
	auto refused = W(asker, &called);
	EXPECT_EQ(pending.Add("d", std::move(refused)), Added::full);  // N+1 refused
	ASSERT_TRUE(refused.done) << "a refused waiter is left to the caller to answer";
	refused.done(0);
	EXPECT_EQ(called, 1);
	EXPECT_EQ(pending.size(), 3u);
}

TEST(CoalescingBacklog, EqualRequestsWaitTogetherEvenWhenFull) {
	auto asker = std::make_shared<int>();
	Backlog pending(1);
	EXPECT_EQ(pending.Add("a", W(asker)), Added::queued);
	for (int i = 0; i < 1000; ++i) EXPECT_EQ(pending.Add("a", W(asker)), Added::coalesced);
	EXPECT_EQ(pending.size(), 1u);
	auto batch = pending.Pop();
	EXPECT_EQ(batch.key, "a");
	EXPECT_EQ(batch.waiters.size(), 1001u) << "one query answers all of them";
	EXPECT_TRUE(pending.empty());
}

TEST(CoalescingBacklog, PopsOldestFirstAndFreesASlot) {
	auto asker = std::make_shared<int>();
	Backlog pending(2);
	pending.Add("a", W(asker));
	pending.Add("b", W(asker));
	EXPECT_EQ(pending.Add("c", W(asker)), Added::full);
	EXPECT_EQ(pending.Pop().key, "a");
	EXPECT_EQ(pending.Add("c", W(asker)), Added::queued);
	EXPECT_EQ(pending.Add("a", W(asker)), Added::full) << "a popped key is no longer waiting";
	EXPECT_EQ(pending.Pop().key, "b");
	EXPECT_EQ(pending.Pop().key, "c");
	EXPECT_TRUE(pending.empty());
}

TEST(CoalescingBacklog, DepartedAskersAreTakenOut) {
	auto stays = std::make_shared<int>();
	auto leaves = std::make_shared<int>();
	Backlog pending(4);
	pending.Add("a", W(leaves));
	pending.Add("a", W(stays));
	pending.Add("a", W(leaves));
	leaves.reset();
	auto batch = pending.Pop();
	auto departed = TakeDeparted(batch.waiters);
	EXPECT_EQ(departed.size(), 2u);
	ASSERT_EQ(batch.waiters.size(), 1u);
	EXPECT_FALSE(batch.waiters[0].interest.expired());
}

TEST(CoalescingBacklog, ClearReturnsEveryWaiter) {
	auto asker = std::make_shared<int>();
	Backlog pending(4);
	pending.Add("a", W(asker));
	pending.Add("a", W(asker));
	pending.Add("b", W(asker));
	EXPECT_EQ(pending.Clear().size(), 3u);
	EXPECT_TRUE(pending.empty());
	EXPECT_EQ(pending.Add("c", W(asker)), Added::queued);
}

}  // namespace
}  // namespace walcast
