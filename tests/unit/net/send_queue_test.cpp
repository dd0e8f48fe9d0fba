#include "net/send_queue.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace walcast::net {
namespace {

OutFrame Frame(std::string head, std::string shared, std::string tail = "") {
	return OutFrame{std::move(head), std::make_shared<const std::string>(std::move(shared)), std::move(tail), false};
}

TEST(SendQueue, CountsBytesOfHeadSharedAndTail) {
	SendQueue q;
	q.Push(Frame("ab", "cdef", "g"));
	q.Push(OutFrame{"xyz", nullptr, "", true});
	EXPECT_EQ(q.size(), 2u);
	EXPECT_EQ(q.bytes(), 7u + 3u);
	q.pop();
	EXPECT_EQ(q.bytes(), 3u);
	EXPECT_TRUE(q.front().binary);
	q.pop();
	EXPECT_TRUE(q.empty());
	EXPECT_EQ(q.bytes(), 0u);
}

TEST(SendQueue, PopAndClearKeepTheByteCount) {
	SendQueue q;
	q.Push(Frame("a", "1"));
	q.Push(Frame("b", "22"));
	q.Push(Frame("c", "333"));
	q.pop();
	ASSERT_EQ(q.size(), 2u);
	EXPECT_EQ(q.front().head, "b");
	EXPECT_EQ(q.bytes(), 2u + 1u + 3u + 1u);
	q.clear();
	EXPECT_TRUE(q.empty());
	EXPECT_EQ(q.bytes(), 0u);
}

TEST(SendQueue, SharesThePayloadInsteadOfCopyingIt) {
	SendQueue q;
	auto payload = std::make_shared<const std::string>("record");
	q.Push(OutFrame{"[", payload, "]", false});
	q.Push(OutFrame{"{", payload, "}", false});
	EXPECT_EQ(payload.use_count(), 3);
	EXPECT_EQ(q.front().shared.get(), payload.get());
}

using Clock = SlowClientPolicy::Clock;
using namespace std::chrono_literals;

TEST(SlowClientPolicy, UnderTheCapIsNeverSlow) {
	const SlowClientPolicy p(1000, 2s);
	const auto t0 = Clock::now();
	EXPECT_FALSE(p.OverCap(1000));
	EXPECT_FALSE(p.IsSlow(1000, t0 - 1h, t0));  // a stuck write alone is not slowness
	EXPECT_FALSE(p.IsSlow(0, std::nullopt, t0));
}

TEST(SlowClientPolicy, OverTheCapIsSlowOnlyOnceTheSocketStalledForTheGrace) {
	const SlowClientPolicy p(1000, 2s);
	const auto t0 = Clock::now();
	EXPECT_TRUE(p.OverCap(1001));
	EXPECT_FALSE(p.IsSlow(50'000, t0, t0 + 1999ms));  // a burst: the write in flight is recent
	EXPECT_TRUE(p.IsSlow(50'000, t0, t0 + 2s));       // the socket took nothing for the grace
	EXPECT_FALSE(p.IsSlow(50'000, std::nullopt, t0));  // no write in flight: one is about to start
}

TEST(SlowClientPolicy, PastTheHardCapIsSlowAtOnce) {
	const SlowClientPolicy small(1000, 2s);
	EXPECT_EQ(small.hard_cap_bytes, 64u << 20);  // small caps get a floor so bursts still pass
	const SlowClientPolicy big(100u << 20, 2s);
	EXPECT_EQ(big.hard_cap_bytes, 400u << 20);
	const auto t0 = Clock::now();
	EXPECT_FALSE(big.IsSlow(400u << 20, t0, t0));
	EXPECT_TRUE(big.IsSlow((400u << 20) + 1, t0, t0));
	EXPECT_TRUE(big.IsSlow((400u << 20) + 1, std::nullopt, t0));
}

}  // namespace
}  // namespace walcast::net
