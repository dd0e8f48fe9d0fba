#pragma once
// Whether a database worker's database is known unreachable (after a connect failure or a timeout), and when
// its worker should next try to connect. While it is, requests are answered with `why()` at once: one stuck
// connection must not make every request wait out its own timeout. The worker probes every `retry`; the
// first success ends it. Not thread-safe (the worker guards it with its mutex); times are passed in.

#include <chrono>
#include <optional>
#include <string>
#include <utility>

namespace walcast {

class Unreachable {
public:
	using Clock = std::chrono::steady_clock;

	explicit Unreachable(std::chrono::milliseconds retry) : retry_(retry) {}

	explicit operator bool() const { return why_.has_value(); }
	// The last error, while unreachable.
	const std::optional<std::string>& why() const { return why_; }
	// When the worker should try to connect again (meaningful while unreachable).
	Clock::time_point next_probe() const { return next_probe_; }

	// Records `error` and puts the next probe `retry` away. True when the database was reachable until now,
	// so the caller tells the operator once per episode.
	bool Mark(std::string error, Clock::time_point now) {
		const bool was_reachable = !why_;
		why_ = std::move(error);
		next_probe_ = now + retry_;
		return was_reachable;
	}
	// A probe failed: the next one is `retry` away.
	void ProbeFailed(Clock::time_point now) { next_probe_ = now + retry_; }
	// The database answered. True when it was unreachable until now.
	bool Clear() {
		const bool was_unreachable = why_.has_value();
		why_.reset();
		return was_unreachable;
	}

private:
	std::chrono::milliseconds retry_;
	std::optional<std::string> why_;
	Clock::time_point next_probe_{};
};

}  // namespace walcast
