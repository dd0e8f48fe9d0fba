#include "net/send_queue.hpp"

#include <algorithm>
#include <utility>

namespace walcast::net {

void SendQueue::Push(OutFrame frame) {
	bytes_ += frame.size();
	frames_.push_back(std::move(frame));
}

void SendQueue::pop() {
	bytes_ -= frames_.front().size();
	frames_.pop_front();
}

void SendQueue::clear() {
	frames_.clear();
	// Give back the deque's blocks: a closed client should hold no memory while it waits for its socket.
	std::deque<OutFrame>().swap(frames_);
	bytes_ = 0;
}

namespace {
// Queued payloads are mostly shared with every other recipient, so the hard limit is about how far a
// client may fall behind more than about memory; a floor keeps small caps from cutting off bursts.
constexpr std::size_t kHardCapFloor = 64u << 20;
}  // namespace

SlowClientPolicy::SlowClientPolicy(std::size_t cap, std::chrono::milliseconds grace_period)
	: cap_bytes(cap), grace(grace_period), hard_cap_bytes(std::max(cap > (SIZE_MAX / 4) ? SIZE_MAX : cap * 4, kHardCapFloor)) {}

bool SlowClientPolicy::IsSlow(std::size_t queued_bytes, std::optional<Clock::time_point> write_started,
                              Clock::time_point now) const {
	if (queued_bytes > hard_cap_bytes) return true;
	if (queued_bytes <= cap_bytes) return false;
	return write_started && now - *write_started >= grace;
}

}  // namespace walcast::net
