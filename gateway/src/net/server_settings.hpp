#pragma once
// Everything the network stage can be tuned with; main fills it from the gateway configuration.

#include <chrono>
#include <cstddef>
#include <string>

#include "auth/token_verifier.hpp"

namespace walcast::net {

struct ServerSettings {
	// Largest inbound WebSocket message; a bigger one is refused with close 1009 (Realtime's cowboy limit).
	std::size_t max_message_bytes = 5'000'000;
	// Bytes a client may have waiting to be written; past it the client is closed with SlowClient (4008)
	// unless it drains fast enough (SlowClientPolicy), and past SlowClientPolicy::kHardCapFactor times it at once.
	std::size_t send_queue_cap_bytes = 8u << 20;
	// The window over which a client over its cap must drain what it is over by (see SlowClientPolicy).
	std::chrono::milliseconds slow_client_window = std::chrono::seconds(2);
	// Open WebSocket connections; an upgrade past it is refused with 503 (ConnectionSlots).
	std::size_t max_connections = 10'000;
	// Bytes waiting for all clients together; past it the clients furthest behind are closed with 4008 (QueueBudget).
	std::size_t max_queued_bytes = std::size_t{8} << 30;
	// A socket that sends no message (not even a heartbeat) for this long is closed with IdleTimeout.
	std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
	// Time to read an HTTP request and to complete a WebSocket opening or closing handshake.
	std::chrono::milliseconds handshake_timeout = std::chrono::seconds(30);
	// Once we decided to close a client, how long it may take before its TCP socket is torn down.
	std::chrono::milliseconds close_timeout = std::chrono::seconds(5);
	// How often idle and closing clients are checked.
	std::chrono::milliseconds sweep_interval = std::chrono::seconds(1);
	// Largest HTTP request body (REST broadcast); bigger gets 413. MAX_HTTP_BODY_BYTES.
	std::size_t http_body_limit = 1u << 20;
	// Most messages in one REST broadcast request; more gets 413. MAX_BROADCAST_MESSAGES.
	std::size_t max_broadcast_messages = 100;
	// Client tokens (apikey on the upgrade, REST broadcast): null = auth off. Owned by main, outlives the server.
	const auth::TokenVerifier* verifier = nullptr;
	// METRICS_JWT_SECRET: /metrics needs a bearer token it verifies, /health shows details only with one.
	const auth::TokenVerifier* metrics_verifier = nullptr;
	// Replication slot name shown by /health.
	std::string slot_name = "walcast";
	// Value of the Server header on every HTTP response and on the WebSocket upgrade.
	std::string server_header = "walcast-gateway";
};

}  // namespace walcast::net
