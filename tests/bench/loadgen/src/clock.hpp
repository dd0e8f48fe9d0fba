#pragma once
// One clock for the whole machine: CLOCK_MONOTONIC in nanoseconds. The writer stamps it into each row
// (`sent_ns`) and every receiver (this process, or a peer relaying the row) compares against the same
// clock, so latency needs no clock synchronisation. Python's time.monotonic_ns() reads the same clock.

#include <cstdint>
#include <ctime>

namespace loadgen {

inline std::int64_t MonotonicNs() {
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Sleeps until the absolute monotonic time `deadline_ns` (returns at once if it has passed).
inline void SleepUntilNs(std::int64_t deadline_ns) {
	timespec ts{time_t(deadline_ns / 1'000'000'000), long(deadline_ns % 1'000'000'000)};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) != 0) {
	}
}

}  // namespace loadgen
