#include "core/client_log.hpp"

#include <utility>

namespace walcast::log {

ClientLog::ClientLog(std::string who, std::uint32_t lines_per_window)
	: who_(std::move(who)), throttle_(lines_per_window, kWindow) {}

ClientLog::~ClientLog() { Flush(); }

bool ClientLog::Admit(Level level) {
	// A line that would not be written anyway is not counted either: only lines at enabled levels are left out.
	if (!Enabled(level)) return false;
	const auto decision = throttle_.Admit(LogThrottle::Clock::now());
	if (decision.suppressed_before) Summarize(decision.suppressed_before);
	return decision.write;
}

void ClientLog::Flush() {
	if (const auto suppressed = throttle_.TakeSuppressed()) Summarize(suppressed);
}

void ClientLog::Summarize(std::uint64_t suppressed) {
	WALCAST_LOG(warn, "log", suppressed << " similar messages from " << who_ << " suppressed (at most "
	                                    << throttle_.lines_per_window() << " lines per client every " << kWindow.count()
	                                    << " s: MAX_LOG_LINES_PER_CLIENT)");
}

}  // namespace walcast::log
