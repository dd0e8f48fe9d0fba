#include "core/rate_limiter.hpp"

#include <algorithm>

namespace walcast {

RateLimiter::RateLimiter(std::uint32_t per_second, std::uint32_t burst)
	: per_second_(per_second),
	  burst_(burst ? burst : per_second),
	  interval_(per_second ? Clock::duration(std::chrono::seconds(1)) / per_second : Clock::duration::zero()),
	  tolerance_(per_second ? interval_ * (burst_ - 1) : Clock::duration::zero()) {}

bool RateLimiter::TryTake(Clock::time_point now) {
	if (per_second_ == 0) return true;
	// A bucket that filled up meanwhile is full now, not "full since long ago": unused time is not saved up.
	const Clock::time_point full_at = started_ ? std::max(full_at_, now) : now;
	if (full_at - now > tolerance_) return false;
	full_at_ = full_at + interval_;
	started_ = true;
	return true;
}

}  // namespace walcast
