#pragma once
// One line per event that matters, with a level and a component, to stderr:
//   2026-11-28T05:40:01.123Z info  replication: connected, slot walcast resumed at 0/16B3740
// Thread-safe: each line is written with one call.

#include <cstddef>
#include <sstream>
#include <string>
#include <string_view>

namespace walcast::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

void SetLevel(Level level);
bool Enabled(Level level);
bool ParseLevel(std::string_view text, Level& out);
void Write(Level level, std::string_view component, std::string_view message);

// Messages often carry what a client or the database sent (topics, filters, event names). Control bytes are
// written as \xNN, so a newline in a topic cannot forge a log line, and a message is cut after
// kMaxMessageBytes with the count of what was left out, so one client cannot write megabytes per line.
inline constexpr std::size_t kMaxMessageBytes = 4096;
std::string Sanitize(std::string_view message);

// Builds the message only when the level is on:  WALCAST_LOG(info, "hub", "client " << id << " closed");
#define WALCAST_LOG(level, component, stream_expr)                                   \
	do {                                                                             \
		if (::walcast::log::Enabled(::walcast::log::Level::level)) {                 \
			std::ostringstream walcast_log_os_;                                      \
			walcast_log_os_ << stream_expr;                                          \
			::walcast::log::Write(::walcast::log::Level::level, component, walcast_log_os_.str()); \
		}                                                                            \
	} while (0)

}  // namespace walcast::log
