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
	SendQueue q(1000);
	EXPECT_TRUE(q.Push(Frame("ab", "cdef", "g")));
	EXPECT_TRUE(q.Push(OutFrame{"xyz", nullptr, "", true}));
	EXPECT_EQ(q.size(), 2u);
	EXPECT_EQ(q.bytes(), 7u + 3u);
	q.pop();
	EXPECT_EQ(q.bytes(), 3u);
	EXPECT_TRUE(q.front().binary);
	q.pop();
	EXPECT_TRUE(q.empty());
	EXPECT_EQ(q.bytes(), 0u);
}

TEST(SendQueue, RefusesAFrameThatWouldPassTheCap) {
	SendQueue q(10);
	EXPECT_TRUE(q.Push(Frame("", "12345")));
	EXPECT_TRUE(q.Push(Frame("", "12345")));  // exactly at the cap is fine
	EXPECT_FALSE(q.Push(Frame("", "1")));
	EXPECT_EQ(q.size(), 2u);
	EXPECT_EQ(q.bytes(), 10u);
}

TEST(SendQueue, AcceptsOneOversizedFrameIntoAnEmptyQueue) {
	SendQueue q(10);
	EXPECT_TRUE(q.Push(Frame("", std::string(50, 'x'))));
	EXPECT_FALSE(q.Push(Frame("", "y")));
	q.pop();
	EXPECT_TRUE(q.Push(Frame("", "y")));
}

TEST(SendQueue, DropAllButFrontKeepsTheFrameInFlight) {
	SendQueue q(100);
	q.Push(Frame("a", "1"));
	q.Push(Frame("b", "22"));
	q.Push(Frame("c", "333"));
	q.DropAllButFront();
	ASSERT_EQ(q.size(), 1u);
	EXPECT_EQ(q.front().head, "a");
	EXPECT_EQ(q.bytes(), 2u);
	q.clear();
	EXPECT_TRUE(q.empty());
	EXPECT_EQ(q.bytes(), 0u);
}

TEST(SendQueue, SharesThePayloadInsteadOfCopyingIt) {
	SendQueue q(100);
	auto payload = std::make_shared<const std::string>("record");
	q.Push(OutFrame{"[", payload, "]", false});
	q.Push(OutFrame{"{", payload, "}", false});
	EXPECT_EQ(payload.use_count(), 3);
	EXPECT_EQ(q.front().shared.get(), payload.get());
}

}  // namespace
}  // namespace walcast::net
