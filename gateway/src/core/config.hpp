#pragma once
// The gateway's settings, read from the environment like the original Realtime server. Every setting has
// a name, a default and a one-line description; --help prints this table.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/log.hpp"

namespace walcast {

struct Config {
	// database
	std::string db_host = "127.0.0.1";
	std::string db_port = "5432";
	std::string db_name = "postgres";
	std::string db_user = "postgres";
	std::string db_password;
	std::string slot_name = "walcast";
	std::string publication = "supabase_realtime";
	// network
	std::string bind_address = "0.0.0.0";
	std::uint16_t port = 4000;
	std::size_t max_message_bytes = 5'000'000;
	std::size_t max_client_queue_bytes = 8u << 20;
	std::chrono::seconds idle_timeout{60};
	// postgres_changes filters (channels::FilterLimits)
	std::size_t max_filter_bytes = 16384;
	std::size_t max_filter_conditions = 16;
	std::size_t max_like_pattern_bytes = 256;
	// presence (channels::PresenceLimits)
	std::size_t max_presence_meta_bytes = 4096;
	std::size_t max_presences_per_topic = 1000;
	// catalog lookups at join (channels::PgCatalogSettings)
	std::chrono::milliseconds catalog_query_timeout{5000};
	std::size_t catalog_max_pending = 256;
	std::size_t catalog_cache_entries = 1024;
	// per client connection (channels::ClientLimits)
	std::size_t max_channels_per_client = 100;
	std::uint32_t max_joins_per_second = 100;
	std::uint32_t max_events_per_second = 100;
	std::uint32_t max_log_lines_per_client = 10;
	// memory and connection bounds (net::ServerSettings, SlowClientPolicy, QueueBudget)
	std::size_t max_connections = 10'000;
	// 8 GiB: the sum counts a record shared by N subscribers N times, so it over-states memory by up to the
	// fan-out; 1 GiB closed every subscriber of a 10,000-change burst to 1,000 clients (478 MB of real memory).
	std::size_t max_queued_bytes = std::size_t{8} << 30;
	std::chrono::milliseconds slow_client_window{2000};
	// authorization (auth::VerifierSettings, auth::PgAuthorizerSettings, channels::Hub::AuthSettings)
	std::string jwt_secret;
	std::string jwt_jwks;
	std::string jwt_claim_validators;
	std::chrono::seconds jwt_leeway{5};
	std::size_t jwt_cache_entries = 1024;
	bool private_channels_only = false;
	std::string metrics_jwt_secret;
	std::string secret_key_base;  // accepted for Realtime's deployments; unused (see --help)
	std::chrono::milliseconds auth_cache_ttl{30000};
	std::size_t auth_cache_entries = 4096;
	std::size_t auth_max_pending = 1024;
	std::chrono::milliseconds auth_query_timeout{5000};
	// REST broadcast (POST /api/broadcast)
	std::size_t max_http_body_bytes = 1u << 20;
	std::size_t max_broadcast_messages = 100;
	// replication
	std::chrono::milliseconds status_interval{1000};
	std::chrono::milliseconds max_reconnect_backoff{5000};
	log::Level log_level = log::Level::info;
};

// Auth is on when tokens can be verified: a JWT_SECRET or a JWT_JWKS is set.
inline bool AuthEnabled(const Config& c) { return !c.jwt_secret.empty() || !c.jwt_jwks.empty(); }

struct ConfigSetting {
	const char* env;
	const char* default_text;
	const char* description;
	// Stores the value or returns an error text ("must be a port number 1-65535").
	std::function<std::optional<std::string>(Config&, const std::string&)> apply;
};

const std::vector<ConfigSetting>& ConfigSettings();

// Reads every setting through `lookup` (getenv in production). Returns the first error as a one-line
// message naming the variable, e.g. "PORT: must be a port number 1-65535, got 'abc'".
std::optional<std::string> LoadConfig(Config& config, const std::function<const char*(const char*)>& lookup);

std::string ConfigHelp();

}  // namespace walcast
