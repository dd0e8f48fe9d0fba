#include "core/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace walcast::log {

namespace {
std::atomic<int> g_level{static_cast<int>(Level::info)};

const char* Name(Level level) {
	switch (level) {
		case Level::debug: return "debug";
		case Level::info: return "info ";
		case Level::warn: return "warn ";
		case Level::error: return "error";
	}
	return "?    ";
}
}  // namespace

void SetLevel(Level level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }

bool Enabled(Level level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

bool ParseLevel(std::string_view text, Level& out) {
	if (text == "debug") out = Level::debug;
	else if (text == "info") out = Level::info;
	else if (text == "warn" || text == "warning") out = Level::warn;
	else if (text == "error") out = Level::error;
	else return false;
	return true;
}

std::string Sanitize(std::string_view message) {
	static const char kHex[] = "0123456789abcdef";
	const std::size_t kept = message.size() > kMaxMessageBytes ? kMaxMessageBytes : message.size();
	std::string out;
	out.reserve(kept + 32);
	for (std::size_t i = 0; i < kept; ++i) {
		const auto c = static_cast<unsigned char>(message[i]);
		if (c >= 0x20 && c != 0x7f) {
			out.push_back(static_cast<char>(c));
			continue;
		}
		out.append("\\x");
		out.push_back(kHex[c >> 4]);
		out.push_back(kHex[c & 0xf]);
	}
	if (kept < message.size()) out.append("... (").append(std::to_string(message.size() - kept)).append(" more bytes)");
	return out;
}

void Write(Level level, std::string_view component, std::string_view message) {
	using namespace std::chrono;
	auto now = system_clock::now();
	auto secs = system_clock::to_time_t(now);
	auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
	std::tm tm{};
	gmtime_r(&secs, &tm);
	char stamp[64];
	std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	              tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
	std::string line;
	line.reserve(message.size() + component.size() + 48);
	line.append(stamp).append(" ").append(Name(level)).append(" ").append(component).append(": ").append(Sanitize(message));
	line.push_back('\n');
	std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace walcast::log
