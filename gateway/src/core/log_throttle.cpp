#include "core/log_throttle.hpp"

namespace walcast::log {

LogThrottle::LogThrottle(std::uint32_t lines_per_window, Clock::duration window)
	: lines_per_window_(lines_per_window), window_(window) {}

LogThrottle::Decision LogThrottle::Admit(Clock::time_point now) {
	Decision decision;
	if (lines_per_window_ == 0) {
		decision.write = true;
		return decision;
	}
	if (!started_ || now - window_start_ >= window_) {
		decision.suppressed_before = TakeSuppressed();
		window_start_ = now;
		written_ = 0;
		started_ = true;
	}
	if (written_ < lines_per_window_) {
		++written_;
		decision.write = true;
	} else {
		++suppressed_;
	}
	return decision;
}

std::uint64_t LogThrottle::TakeSuppressed() {
	const std::uint64_t n = suppressed_;
	suppressed_ = 0;
	return n;
}

}  // namespace walcast::log
