#pragma once
// A per-client rate limit checked in O(1) on the network thread: a token bucket holding `burst` tokens,
// full at the start and refilled continuously at `per_second` a second. A burst of `burst` events passes at
// once, the next one is refused, and after that one event passes every 1/per_second s.
//
// Kept as the time at which the bucket would be full again (the GCRA form of a token bucket): one time point
// per limiter, integer arithmetic, no timer. The caller passes the time, so tests drive it with a fake clock.

#include <chrono>
#include <cstdint>

namespace walcast {

class RateLimiter {
public:
	using Clock = std::chrono::steady_clock;

	// per_second 0 means no limit; burst 0 means per_second (one second's worth).
	explicit RateLimiter(std::uint32_t per_second, std::uint32_t burst = 0);

	// Takes a token if one is left at `now`; false (nothing taken) when the bucket is empty.
	bool TryTake(Clock::time_point now);

	std::uint32_t per_second() const { return per_second_; }
	std::uint32_t burst() const { return burst_; }

private:
	std::uint32_t per_second_;
	std::uint32_t burst_;
	Clock::duration interval_;   // the time one token takes to come back
	Clock::duration tolerance_;  // how far the refill may lag behind `now`: burst - 1 tokens
	Clock::time_point full_at_{};  // when the bucket is full again; meaningful once started_
	bool started_ = false;
};

}  // namespace walcast
