#pragma once
// The log of one client: every line its input causes (a bad frame, a refused join, a limit hit) names the
// client and goes through a per-client LogThrottle, so a flood of bad frames costs at most a few lines (and
// no message formatting) per window. Lines left out are summarized in one line, written before the client's
// next line once the window has ended, or when the client leaves:
//   warn  log: 4990 similar messages from client 7 (127.0.0.1:51234) suppressed (...)
//
//   WALCAST_CLIENT_LOG(client_log, warn, "channels", "MalformedWebSocketMessage: " << why);

#include <chrono>
#include <cstdint>
#include <string>

#include "core/log.hpp"
#include "core/log_throttle.hpp"

namespace walcast::log {

class ClientLog {
public:
	// The window MAX_LOG_LINES_PER_CLIENT counts over.
	static constexpr std::chrono::seconds kWindow{10};

	ClientLog(std::string who, std::uint32_t lines_per_window);
	~ClientLog();  // summarizes what is still left out
	ClientLog(const ClientLog&) = delete;
	ClientLog& operator=(const ClientLog&) = delete;

	// True when a line at `level` is to be written now (after the summary of an ended window, if any).
	bool Admit(Level level);
	// Writes the summary of the lines left out so far, if any (the client is leaving).
	void Flush();

	const std::string& who() const { return who_; }

private:
	void Summarize(std::uint64_t suppressed);

	std::string who_;
	LogThrottle throttle_;
};

#define WALCAST_CLIENT_LOG(client_log, level, component, stream_expr)                             \
	do {                                                                                          \
		if ((client_log).Admit(::walcast::log::Level::level))                                     \
			WALCAST_LOG(level, component, (client_log).who() << ": " << stream_expr);             \
	} while (0)

}  // namespace walcast::log
