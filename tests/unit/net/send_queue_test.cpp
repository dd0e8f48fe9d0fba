#include "net/send_queue.hpp"

#include <gtest/gtest.h>

#include <cstdint>
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
using Verdict = SlowClientPolicy::Verdict;
using namespace std::chrono_literals;

// The fake clock: a fixed origin and explicit offsets, so every verdict is reproducible.
const Clock::time_point t0{};

TEST(SlowClientPolicy, HardCapIsFourTimesTheCapWithNoFloor) {
	EXPECT_EQ(SlowClientPolicy(1000, 2s).hard_cap_bytes, 4000u);  // was floored at 64 MiB
	EXPECT_EQ(SlowClientPolicy(64 * 1024, 2s).hard_cap_bytes, 256u * 1024);
	EXPECT_EQ(SlowClientPolicy(100u << 20, 2s).hard_cap_bytes, 400u << 20);
	EXPECT_EQ(SlowClientPolicy(SIZE_MAX / 2, 2s).hard_cap_bytes, SIZE_MAX);  // no overflow
}

TEST(SlowClientPolicy, UnderTheCapIsNeverSlow) {
	const SlowClientPolicy p(1000, 2s);
	EXPECT_FALSE(p.OverCap(1000));
	auto w = p.Open(t0, 1001, 0);
	// Back under the cap: stop watching, however long it has been and however little it drained.
	EXPECT_EQ(p.Judge(w, 1000, 0, t0 + 1h), Verdict::UnderCap);
	EXPECT_EQ(p.Judge(w, 0, 0, t0 + 1h), Verdict::UnderCap);
}

TEST(SlowClientPolicy, PastTheHardCapIsSlowAtOnce) {
	const SlowClientPolicy p(1000, 2s);
	auto w = p.Open(t0, 1500, 0);
	EXPECT_EQ(p.Judge(w, 4000, 1'000'000, t0), Verdict::Watching);
	EXPECT_EQ(p.Judge(w, 4001, 1'000'000, t0), Verdict::Slow);  // even draining fast, even at once
}

TEST(SlowClientPolicy, NotJudgedBeforeTheWindowEnds) {
	const SlowClientPolicy p(1000, 2s);
	auto w = p.Open(t0, 3000, 0);
	EXPECT_EQ(w.owed, 2000u);
	EXPECT_EQ(p.Judge(w, 3900, 0, t0 + 1999ms), Verdict::Watching);  // a burst: nothing taken yet
}

TEST(SlowClientPolicy, StalledSocketIsSlowAfterOneWindow) {
	const SlowClientPolicy p(1000, 2s);
	auto w = p.Open(t0, 1001, 500);  // over by a single byte
	EXPECT_EQ(p.Judge(w, 1001, 500, t0 + 2s), Verdict::Slow);
}

TEST(SlowClientPolicy, FastReaderThroughABurstIsNotSlow) {
	const SlowClientPolicy p(1000, 2s);
	// A batch puts it at the hard cap; it drains it all and more arrives: it keeps up, so it is not slow.
	auto w = p.Open(t0, 4000, 0);
	EXPECT_EQ(p.Judge(w, 3500, 3000, t0 + 2s), Verdict::Watching);
	EXPECT_EQ(w.start, t0 + 2s);  // a new window, owing the new excess
	EXPECT_EQ(w.owed, 2500u);
	EXPECT_EQ(w.taken_at_start, 3000u);
	EXPECT_EQ(p.Judge(w, 2000, 6000, t0 + 4s), Verdict::Watching);
	EXPECT_EQ(p.Judge(w, 900, 9000, t0 + 5s), Verdict::UnderCap);
}

TEST(SlowClientPolicy, ProgressIsNotEnoughWhenItDrainsLessThanItOwes) {
	// The finding: one MSS every 2 s reset the old grace, so such a client was never slow. Now it must
	// drain at least the excess it had when the window opened.
	const SlowClientPolicy p(64 * 1024, 2s);
	const std::size_t cap = 64 * 1024;
	auto w = p.Open(t0, cap + 100'000, 0);
	EXPECT_EQ(p.Judge(w, cap + 150'000, 1448, t0 + 2s), Verdict::Slow);
	// Draining exactly what it owed is enough, one byte less is not.
	auto exact = p.Open(t0, cap + 5000, 0);
	EXPECT_EQ(p.Judge(exact, cap + 9000, 5000, t0 + 2s), Verdict::Watching);
	auto short_by_one = p.Open(t0, cap + 5000, 0);
	EXPECT_EQ(p.Judge(short_by_one, cap + 9000, 4999, t0 + 2s), Verdict::Slow);
}

TEST(SlowClientPolicy, TricklerWhoseQueueGrowsIsSlowWithinTwoWindows) {
	// Crossing the cap by a little, a trickle pays off the first window; the stream (twice its rate) makes
	// the second window's excess larger than what it drains, however long the trickle goes on.
	const SlowClientPolicy p(10'000, 2s);
	const std::uint64_t per_window = 1448;  // what the socket takes per window
	const std::size_t incoming = 2 * per_window;
	std::size_t queued = 10'500;
	std::uint64_t taken = 0;
	auto w = p.Open(t0, queued, taken);
	int windows = 0;
	Verdict v = Verdict::Watching;
	while (v == Verdict::Watching && windows < 100) {
		++windows;
		taken += per_window;
		queued += incoming - per_window;
		v = p.Judge(w, queued, taken, t0 + windows * 2s);
	}
	EXPECT_EQ(v, Verdict::Slow);
	EXPECT_LE(windows, 2);
	EXPECT_LE(queued, p.hard_cap_bytes);  // caught by the window rule, long before the hard cap
}

}  // namespace
}  // namespace walcast::net
