#pragma once
// Decides which of one client's log lines are written: at most `lines_per_window` in a fixed window that
// starts with the client's first line; the rest are only counted. The count is handed back with the first
// line of a later window (or at the client's end), so the caller can write one summary line for them.
// Pure: the caller passes the time.

#include <chrono>
#include <cstdint>

namespace walcast::log {

class LogThrottle {
public:
	using Clock = std::chrono::steady_clock;

	// lines_per_window 0 means no limit.
	LogThrottle(std::uint32_t lines_per_window, Clock::duration window);

	struct Decision {
		bool write = false;                 // write this line
		std::uint64_t suppressed_before = 0;  // lines of an ended window left out: summarize them first
	};
	Decision Admit(Clock::time_point now);

	// Lines left out and not yet reported (the client is gone); the count restarts at zero.
	std::uint64_t TakeSuppressed();

	std::uint32_t lines_per_window() const { return lines_per_window_; }
	Clock::duration window() const { return window_; }

private:
	std::uint32_t lines_per_window_;
	Clock::duration window_;
	Clock::time_point window_start_{};
	std::uint32_t written_ = 0;
	std::uint64_t suppressed_ = 0;
	bool started_ = false;
};

}  // namespace walcast::log
