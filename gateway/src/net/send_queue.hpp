#pragma once
// The per-client outgoing queue, counted in bytes, and the rule that decides when a client is too slow.
// Both are pure, so the policy is unit-tested without sockets: the session asks and acts on the answer.

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>

#include "core/client_transport.hpp"

namespace walcast::net {

class SendQueue {
public:
	void Push(OutFrame frame);

	bool empty() const { return frames_.empty(); }
	std::size_t size() const { return frames_.size(); }
	// Bytes of every queued frame.
	std::size_t bytes() const { return bytes_; }

	OutFrame& front() { return frames_.front(); }
	void pop();

	void clear();

private:
	std::deque<OutFrame> frames_;
	std::size_t bytes_ = 0;
};

// When a client counts as slow. The network thread hands a whole replication batch to every client
// before any socket write can complete, so a burst briefly puts even a fast client over the cap; judging
// it then would cut off healthy clients whenever one batch is larger than the cap. A client is slow
// when it is over the cap AND its socket has not taken the frame being written for `grace`. Past
// `hard_cap_bytes` it is slow at once, which bounds what one client can hold.
struct SlowClientPolicy {
	using Clock = std::chrono::steady_clock;

	std::size_t cap_bytes;
	std::chrono::milliseconds grace;
	std::size_t hard_cap_bytes;

	SlowClientPolicy(std::size_t cap, std::chrono::milliseconds grace_period);

	bool OverCap(std::size_t queued_bytes) const { return queued_bytes > cap_bytes; }
	// write_started: when the write in flight began, if one is.
	bool IsSlow(std::size_t queued_bytes, std::optional<Clock::time_point> write_started, Clock::time_point now) const;
};

}  // namespace walcast::net
