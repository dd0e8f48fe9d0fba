#pragma once
// What one client connection may do per second and hold at once (README "Limits a client meets").
// Realtime has the same names as per-tenant settings (TENANT_MAX_CHANNELS_PER_CLIENT,
// TENANT_MAX_JOINS_PER_SECOND, TENANT_MAX_EVENTS_PER_SECOND in supabase/realtime config/runtime.exs, each 100);
// here there is no tenant, so they apply to each connection.

#include <cstddef>
#include <cstdint>

namespace walcast::channels {

struct ClientLimits {
	// Channels joined at once; one more join gets "ChannelRateLimitReached: Too many channels".
	std::size_t max_channels = 100;  // MAX_CHANNELS_PER_CLIENT
	// phx_join frames a second (burst of as many); one more gets
	// "ClientJoinRateLimitReached: Too many joins per second" and counts as an event.
	std::uint32_t max_joins_per_second = 100;  // MAX_JOINS_PER_SECOND
	// Events a second (burst of as many); one more closes the socket with 4029. An event is any frame other
	// than phx_join, heartbeat and access_token: broadcast, presence, phx_leave, unknown events, frames on
	// topics not joined, frames that cannot be decoded. Heartbeats and access_token frames have an allowance
	// of their own at the same rate, with a burst of max_channels more (realtime-js sends one access_token
	// per joined channel whenever its token changes).
	std::uint32_t max_events_per_second = 100;  // MAX_EVENTS_PER_SECOND
	// Log lines one client's input may cause per 10 s; the rest are summarized in one line.
	std::uint32_t max_log_lines = 10;  // MAX_LOG_LINES_PER_CLIENT
};

}  // namespace walcast::channels
