#include "net/send_queue.hpp"

#include <cstdint>
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

SlowClientPolicy::SlowClientPolicy(std::size_t cap, std::chrono::milliseconds drain_window)
	: cap_bytes(cap),
	  window(drain_window),
	  hard_cap_bytes(cap > SIZE_MAX / kHardCapFactor ? SIZE_MAX : cap * kHardCapFactor) {}

DrainWindow SlowClientPolicy::Open(Clock::time_point now, std::size_t queued_bytes, std::uint64_t taken) const {
	return DrainWindow{now, queued_bytes > cap_bytes ? queued_bytes - cap_bytes : 0, taken};
}

SlowClientPolicy::Verdict SlowClientPolicy::Judge(DrainWindow& w, std::size_t queued_bytes, std::uint64_t taken,
                                                  Clock::time_point now) const {
	if (OverHardCap(queued_bytes)) return Verdict::Slow;
	if (!OverCap(queued_bytes)) return Verdict::UnderCap;
	if (now - w.start < window) return Verdict::Watching;
	const std::uint64_t drained = taken - w.taken_at_start;
	// A stalled socket drains nothing, so even an excess of one byte is not paid off.
	if (drained < w.owed || drained == 0) return Verdict::Slow;
	w = Open(now, queued_bytes, taken);
	return Verdict::Watching;
}

}  // namespace walcast::net
