#include "net/queue_budget.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace walcast::net {
namespace {

TEST(QueueBudget, SumsOpenClientsAndKeepsClosingOnesApart) {
	QueueBudget b(1000);
	b.Move(0, true, 600, true);
	b.Move(0, true, 400, true);
	EXPECT_EQ(b.open_bytes(), 1000u);
	EXPECT_FALSE(b.Over());  // at the limit is allowed
	b.Move(400, true, 401, true);
	EXPECT_TRUE(b.Over());
	EXPECT_EQ(b.excess(), 1u);
	// The 600-byte client is being closed with 100 bytes left in its write in flight: those go by
	// themselves, so they no longer count against the limit, but still show in the total.
	b.Move(600, true, 100, false);
	EXPECT_FALSE(b.Over());
	EXPECT_EQ(b.total(), 501u);
	EXPECT_EQ(b.peak(), 1001u);
	b.Move(100, false, 0, false);
	b.Move(401, true, 0, false);
	EXPECT_EQ(b.total(), 0u);
	EXPECT_EQ(b.peak(), 1001u);
}

TEST(ChooseClientsToShed, LargestQueueFirstUntilTheExcessIsFreed) {
	const std::vector<ShedCandidate> c = {
		{100, 90},   // 0: keeps up
		{900, 800},  // 1: furthest behind
		{500, 450},  // 2
		{700, 600},  // 3
	};
	EXPECT_EQ(ChooseClientsToShed(c, 1), (std::vector<std::size_t>{1}));
	EXPECT_EQ(ChooseClientsToShed(c, 800), (std::vector<std::size_t>{1}));
	EXPECT_EQ(ChooseClientsToShed(c, 801), (std::vector<std::size_t>{1, 3}));
	EXPECT_EQ(ChooseClientsToShed(c, 1400), (std::vector<std::size_t>{1, 3}));
	EXPECT_EQ(ChooseClientsToShed(c, 1401), (std::vector<std::size_t>{1, 3, 2}));
	// More than all of them can free: all of them, the one keeping up last.
	EXPECT_EQ(ChooseClientsToShed(c, 1u << 30), (std::vector<std::size_t>{1, 3, 2, 0}));
	EXPECT_TRUE(ChooseClientsToShed(c, 0).empty());
	EXPECT_TRUE(ChooseClientsToShed({}, 100).empty());
}

TEST(ChooseClientsToShed, EqualQueuesGoInListOrder) {
	const std::vector<ShedCandidate> c = {{500, 500}, {500, 500}, {500, 500}};
	EXPECT_EQ(ChooseClientsToShed(c, 501), (std::vector<std::size_t>{0, 1}));
}

}  // namespace
}  // namespace walcast::net
