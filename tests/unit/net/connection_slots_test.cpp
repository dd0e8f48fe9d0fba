#include "net/connection_slots.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace walcast::net {
namespace {

TEST(ConnectionSlots, NAreGivenTheNextIsRefusedAndAFreedOneIsGivenAgain) {
	ConnectionSlots slots(3);
	std::vector<ConnectionSlots::Slot> taken;
	for (int i = 0; i < 3; ++i) {
		taken.push_back(slots.TryTake());
		EXPECT_TRUE(taken.back());
	}
	EXPECT_EQ(slots.used(), 3u);
	EXPECT_FALSE(slots.TryTake());  // N+1
	EXPECT_EQ(slots.used(), 3u);    // a refusal takes nothing
	taken[1].Release();
	EXPECT_EQ(slots.used(), 2u);
	auto again = slots.TryTake();
	EXPECT_TRUE(again);
	EXPECT_FALSE(slots.TryTake());
}

TEST(ConnectionSlots, ASlotIsGivenBackOnceWhetherReleasedMovedOrDestroyed) {
	ConnectionSlots slots(2);
	{
		auto a = slots.TryTake();
		auto b = std::move(a);  // moved: still one slot
		EXPECT_FALSE(a);
		EXPECT_EQ(slots.used(), 1u);
		b.Release();
		b.Release();  // twice: given back once
		EXPECT_EQ(slots.used(), 0u);
		auto c = slots.TryTake();
		auto d = slots.TryTake();
		c = std::move(d);  // c's own slot is given back, d's moves in
		EXPECT_EQ(slots.used(), 1u);
	}
	EXPECT_EQ(slots.used(), 0u);
}

}  // namespace
}  // namespace walcast::net
