#include "core/lsn.hpp"

#include <charconv>
#include <cstdio>

namespace walcast {

namespace {

std::optional<std::uint32_t> ParseHalf(std::string_view half) {
	if (half.empty() || half.size() > 8) return std::nullopt;
	std::uint32_t value = 0;
	auto [end, ec] = std::from_chars(half.data(), half.data() + half.size(), value, 16);
	if (ec != std::errc{} || end != half.data() + half.size()) return std::nullopt;
	return value;
}

}  // namespace

std::optional<Lsn> ParseLsn(std::string_view text) {
	auto slash = text.find('/');
	if (slash == std::string_view::npos) return std::nullopt;
	auto hi = ParseHalf(text.substr(0, slash));
	auto lo = ParseHalf(text.substr(slash + 1));
	if (!hi || !lo) return std::nullopt;
	return (static_cast<Lsn>(*hi) << 32) | *lo;
}

std::string FormatLsn(Lsn lsn) {
	char buf[32];
	std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(lsn >> 32), static_cast<unsigned>(lsn & 0xffffffffu));
	return buf;
}

}  // namespace walcast
