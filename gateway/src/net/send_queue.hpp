#pragma once
// The per-client outgoing queue, counted in bytes, and the rule that decides when a client is too slow.
// Both are pure, so the policy is unit-tested with chosen time points: the session asks and acts on the answer.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>

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

// One stretch of time during which a client over its cap is watched. `owed` is how far over the cap it was
// when the window opened; `taken_at_start` the socket's lifetime byte count then (BatchingSocket::bytes_taken).
struct DrainWindow {
	std::chrono::steady_clock::time_point start{};
	std::size_t owed = 0;
	std::uint64_t taken_at_start = 0;
};

// When a client counts as slow: by how much it drains over a window, not by whether it drains at all.
//
// The network thread hands a whole replication batch to every client before any socket write can complete,
// so a burst briefly puts even a fast client over the cap; judging it at that instant would cut off healthy
// clients whenever one batch is larger than the cap. So a client over the cap gets a window: it is slow if,
// by the window's end, it is still over the cap AND its socket took fewer bytes during the window than the
// excess it had when the window opened. In other words it must show it could have got back under the cap
// within one window had nothing more been sent; if it did but is still over (more keeps arriving), a new
// window opens with the new excess. A fast reader clears a burst well inside a window; a client that stalls
// is slow after one window; a client that trickles (the old rule reset its grace on any byte of progress, so
// one MSS every 2 s was never slow) owes more each window while it drains the same few bytes, and is slow
// once its excess passes what it drains per window: within two windows when the stream is at least twice its
// drain rate, and in any case before it reaches the hard cap.
//
// The hard cap is HardCapFactor x the cap, with no floor: past it a client is slow at once, which is the
// bound on what one client can hold (plus the frame that crossed it). The factor is the burst allowance: a
// healthy client may briefly hold up to four caps' worth while one batch is handed over.
struct SlowClientPolicy {
	using Clock = std::chrono::steady_clock;
	static constexpr std::size_t kHardCapFactor = 4;

	std::size_t cap_bytes;
	std::chrono::milliseconds window;
	std::size_t hard_cap_bytes;

	SlowClientPolicy(std::size_t cap, std::chrono::milliseconds drain_window);

	bool OverCap(std::size_t queued_bytes) const { return queued_bytes > cap_bytes; }
	bool OverHardCap(std::size_t queued_bytes) const { return queued_bytes > hard_cap_bytes; }

	// A window opening now, for a client with `queued_bytes` waiting whose socket has taken `taken` bytes so far.
	DrainWindow Open(Clock::time_point now, std::size_t queued_bytes, std::uint64_t taken) const;

	enum class Verdict {
		UnderCap,  // back under the cap: stop watching
		Watching,  // over the cap, not judged slow (yet); `w` may have been renewed
		Slow,
	};
	Verdict Judge(DrainWindow& w, std::size_t queued_bytes, std::uint64_t taken, Clock::time_point now) const;
};

}  // namespace walcast::net
