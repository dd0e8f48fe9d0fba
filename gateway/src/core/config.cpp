#include "core/config.hpp"

#include <charconv>
#include <regex>
#include <sstream>
#include <string>

namespace walcast {

namespace {

using Apply = std::function<std::optional<std::string>(Config&, const std::string&)>;

std::optional<std::uint64_t> ParseUnsigned(const std::string& text, std::uint64_t min, std::uint64_t max) {
	std::uint64_t value = 0;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
	if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < min || value > max)
		return std::nullopt;
	return value;
}

Apply Text(std::string Config::*member, bool allow_empty = false) {
	return [member, allow_empty](Config& c, const std::string& v) -> std::optional<std::string> {
		if (v.empty() && !allow_empty) return "must not be empty";
		c.*member = v;
		return std::nullopt;
	};
}

// Slot names are identifiers PostgreSQL itself restricts to this set; checking here gives a clear error
// at startup instead of a replication error later.
Apply SlotName() {
	return [](Config& c, const std::string& v) -> std::optional<std::string> {
		static const std::regex valid("[a-z0-9_]{1,63}");
		if (!std::regex_match(v, valid)) return "must be 1-63 characters of a-z, 0-9 and _, got '" + v + "'";
		c.slot_name = v;
		return std::nullopt;
	};
}

template <typename T>
Apply Number(T Config::*member, std::uint64_t min, std::uint64_t max, const char* what) {
	return [=](Config& c, const std::string& v) -> std::optional<std::string> {
		auto n = ParseUnsigned(v, min, max);
		if (!n) return std::string("must be ") + what + ", got '" + v + "'";
		c.*member = static_cast<T>(*n);
		return std::nullopt;
	};
}

template <typename Duration>
Apply Span(Duration Config::*member, std::uint64_t min, std::uint64_t max, const char* what) {
	return [=](Config& c, const std::string& v) -> std::optional<std::string> {
		auto n = ParseUnsigned(v, min, max);
		if (!n) return std::string("must be ") + what + ", got '" + v + "'";
		c.*member = Duration(static_cast<typename Duration::rep>(*n));
		return std::nullopt;
	};
}

Apply Level() {
	return [](Config& c, const std::string& v) -> std::optional<std::string> {
		if (!log::ParseLevel(v, c.log_level)) return "must be debug, info, warn or error, got '" + v + "'";
		return std::nullopt;
	};
}

Apply PortText(std::string Config::*member) {
	return [member](Config& c, const std::string& v) -> std::optional<std::string> {
		if (!ParseUnsigned(v, 1, 65535)) return "must be a port number 1-65535, got '" + v + "'";
		c.*member = v;
		return std::nullopt;
	};
}

Apply Flag(bool Config::*member) {
	return [member](Config& c, const std::string& v) -> std::optional<std::string> {
		if (v == "true" || v == "1") c.*member = true;
		else if (v == "false" || v == "0" || v.empty()) c.*member = false;
		else return "must be true or false, got '" + v + "'";
		return std::nullopt;
	};
}

}  // namespace

const std::vector<ConfigSetting>& ConfigSettings() {
	static const std::vector<ConfigSetting> settings = {
		{"DB_HOST", "127.0.0.1", "database host name, IP address or Unix socket directory", Text(&Config::db_host)},
		{"DB_PORT", "5432", "database port", PortText(&Config::db_port)},
		{"DB_NAME", "postgres", "database to stream changes from", Text(&Config::db_name)},
		{"DB_USER", "postgres", "database user; needs the REPLICATION attribute (or superuser)", Text(&Config::db_user)},
		{"DB_PASSWORD", "", "database password (empty: none, or from ~/.pgpass)", Text(&Config::db_password, true)},
		{"SLOT_NAME", "walcast", "logical replication slot; created with the walcast plugin if missing", SlotName()},
		{"PUBLICATION", "supabase_realtime", "publication whose tables and actions are streamed",
		 Text(&Config::publication)},
		{"HOSTNAME", "0.0.0.0", "address the HTTP/WebSocket server binds to", Text(&Config::bind_address)},
		{"PORT", "4000", "HTTP/WebSocket port", Number(&Config::port, 1, 65535, "a port number 1-65535")},
		{"MAX_MESSAGE_BYTES", "5000000", "largest WebSocket message a client may send (bigger: close 1009)",
		 Number(&Config::max_message_bytes, 1024, 1ull << 30, "a byte count 1024-1073741824")},
		{"MAX_CLIENT_QUEUE_BYTES", "8388608", "send queue cap per client, counting data frames, pongs and the close frame; over it and draining too slowly, or over 4 x it, a client is closed with 4008",
		 Number(&Config::max_client_queue_bytes, 1024, 1ull << 34, "a byte count 1024-17179869184")},
		{"MAX_FILTER_BYTES", "16384", "longest postgres_changes filter; a join over it gets a system error",
		 Number(&Config::max_filter_bytes, 1, 1u << 20, "a byte count 1-1048576")},
		{"MAX_FILTER_CONDITIONS", "16", "most comma-separated conditions in one filter (Realtime's have one)",
		 Number(&Config::max_filter_conditions, 1, 1000, "a count 1-1000")},
		{"MAX_LIKE_PATTERN_BYTES", "256", "longest like/ilike pattern in a filter (matching cost grows with it)",
		 Number(&Config::max_like_pattern_bytes, 1, 65536, "a byte count 1-65536")},
		{"MAX_PRESENCE_META_BYTES", "4096", "largest presence state one client may track, as JSON; over it the track gets an error",
		 Number(&Config::max_presence_meta_bytes, 2, 1u << 20, "a byte count 2-1048576")},
		{"MAX_PRESENCES_PER_TOPIC", "1000", "most tracked presences on one topic; a track past it gets an error",
		 Number(&Config::max_presences_per_topic, 1, 1000000, "a count 1-1000000")},
		{"CATALOG_QUERY_TIMEOUT_MS", "5000", "deadline of each catalog connect+query at join (client- and server-side); past it the join gets a system error and the connection is re-made",
		 Span(&Config::catalog_query_timeout, 100, 600000, "milliseconds 100-600000")},
		{"CATALOG_MAX_PENDING", "256", "most distinct (schema, table) catalog lookups waiting for the database; a join past it gets a system error",
		 Number(&Config::catalog_max_pending, 1, 1000000, "a count 1-1000000")},
		{"CATALOG_CACHE_ENTRIES", "1024", "most (schema, table) catalog answers cached (3 s each, least recently used out first); 0: no cache",
		 Number(&Config::catalog_cache_entries, 0, 1000000, "a count 0-1000000")},
		// Per client connection; Realtime's names (per tenant there) and defaults.
		{"MAX_CHANNELS_PER_CLIENT", "100", "channels one connection may have joined; one more join gets \"ChannelRateLimitReached: Too many channels\"",
		 Number(&Config::max_channels_per_client, 1, 1000000, "a count 1-1000000")},
		{"MAX_JOINS_PER_SECOND", "100", "joins per second per connection (burst of as many); one more gets \"ClientJoinRateLimitReached: Too many joins per second\"",
		 Number(&Config::max_joins_per_second, 1, 1000000, "a rate 1-1000000")},
		{"MAX_EVENTS_PER_SECOND", "100", "messages per second per connection other than joins, heartbeats and access_token (burst of as many); one more closes it with 4029",
		 Number(&Config::max_events_per_second, 1, 1000000, "a rate 1-1000000")},
		{"MAX_LOG_LINES_PER_CLIENT", "10", "log lines one connection's messages may cause per 10 s; the rest are counted in one summary line",
		 Number(&Config::max_log_lines_per_client, 1, 1000000, "a count 1-1000000")},
		// Memory and connection bounds. The hard per-client cap is 4 x MAX_CLIENT_QUEUE_BYTES (no floor).
		{"MAX_CONNECTIONS", "10000", "open WebSocket connections; an upgrade past it is refused with HTTP 503",
		 Number(&Config::max_connections, 1, 10'000'000, "a count 1-10000000")},
		{"MAX_QUEUED_BYTES", "8589934592", "bytes waiting for all clients together; past it the clients furthest behind are closed with 4008",
		 Number(&Config::max_queued_bytes, 65536, 1ull << 40, "a byte count 65536-1099511627776")},
		{"SLOW_CLIENT_WINDOW_MS", "2000", "a client over MAX_CLIENT_QUEUE_BYTES that drains less than its excess within this window is closed with 4008",
		 Span(&Config::slow_client_window, 50, 600000, "milliseconds 50-600000")},
		{"IDLE_TIMEOUT_SECONDS", "60", "close a socket that sent nothing (not even a heartbeat) for this long",
		 Span(&Config::idle_timeout, 1, 86400, "seconds 1-86400")},
		// Authorization (README "Security"). Secrets are never logged or shown.
		{"JWT_SECRET", "", "HS256/HS384/HS512 secret for client tokens, used as given; with JWT_JWKS unset and this empty, auth is off and every client may read and send everything",
		 Text(&Config::jwt_secret, true)},
		{"JWT_JWKS", "", "JWKS document (inline JSON or a file path) with RS256, ES256 and EdDSA keys chosen by kid; turns auth on",
		 Text(&Config::jwt_jwks, true)},
		{"JWT_CLAIM_VALIDATORS", "", "JSON object of claim -> value every token must carry, e.g. {\"iss\":\"https://auth.example\"}",
		 Text(&Config::jwt_claim_validators, true)},
		{"JWT_LEEWAY_SECONDS", "5", "clock skew allowed when judging exp, nbf and iat",
		 Span(&Config::jwt_leeway, 0, 300, "seconds 0-300")},
		{"JWT_CACHE_ENTRIES", "1024", "tokens remembered after they verified, so one token used for many joins is checked once (until its exp); 0: none",
		 Number(&Config::jwt_cache_entries, 0, 1000000, "a count 0-1000000")},
		{"PRIVATE_CHANNELS_ONLY", "false", "refuse joins of public channels (without config.private); needs auth",
		 Flag(&Config::private_channels_only)},
		{"METRICS_JWT_SECRET", "", "when set, /metrics needs Authorization: Bearer <HS256 token signed with it> and /health shows slot and LSNs only with it",
		 Text(&Config::metrics_jwt_secret, true)},
		{"SECRET_KEY_BASE", "", "accepted so Realtime's deployment files run unchanged; walcast signs no cookies or sessions and does not use it",
		 Text(&Config::secret_key_base, true)},
		{"AUTH_CACHE_TTL_MS", "30000", "how long a policy decision for one (role, claims, topic) is reused at join, refresh and REST send; policy changes take effect after it",
		 Span(&Config::auth_cache_ttl, 0, 3600000, "milliseconds 0-3600000")},
		{"AUTH_CACHE_ENTRIES", "4096", "most policy decisions cached (least recently used out first); 0: no cache",
		 Number(&Config::auth_cache_entries, 0, 10000000, "a count 0-10000000")},
		{"AUTH_MAX_PENDING", "1024", "most distinct authorization checks waiting for the database; a join or send past it gets an error",
		 Number(&Config::auth_max_pending, 1, 1000000, "a count 1-1000000")},
		{"AUTH_QUERY_TIMEOUT_MS", "5000", "deadline of each authorization check (client- and server-side); past it the join or send gets an error",
		 Span(&Config::auth_query_timeout, 100, 600000, "milliseconds 100-600000")},
		{"MAX_HTTP_BODY_BYTES", "1048576", "largest HTTP request body (REST broadcast); bigger gets 413",
		 Number(&Config::max_http_body_bytes, 1024, 1u << 30, "a byte count 1024-1073741824")},
		{"MAX_BROADCAST_MESSAGES", "100", "most messages in one REST broadcast request; more gets 413",
		 Number(&Config::max_broadcast_messages, 1, 100000, "a count 1-100000")},
		{"STATUS_INTERVAL_MS", "1000", "how often the confirmed position is reported to the database",
		 Span(&Config::status_interval, 10, 60000, "milliseconds 10-60000")},
		{"MAX_RECONNECT_BACKOFF_MS", "5000", "longest wait between database reconnect attempts",
		 Span(&Config::max_reconnect_backoff, 10, 600000, "milliseconds 10-600000")},
		{"LOG_LEVEL", "info", "debug, info, warn or error", Level()},
	};
	return settings;
}

std::optional<std::string> LoadConfig(Config& config, const std::function<const char*(const char*)>& lookup) {
	for (const auto& setting : ConfigSettings()) {
		const char* raw = lookup(setting.env);
		if (raw == nullptr) raw = setting.default_text;
		if (auto error = setting.apply(config, raw)) return std::string(setting.env) + ": " + *error;
	}
	return std::nullopt;
}

std::string ConfigHelp() {
	std::ostringstream out;
	out << "walcast-gateway: streams PostgreSQL changes from a logical replication slot to WebSocket clients\n"
	       "speaking the Supabase Realtime (Phoenix Channels) protocol.\n\n"
	       "Usage: walcast-gateway [--help]\n\n"
	       "Configured by environment variables:\n";
	for (const auto& setting : ConfigSettings()) {
		std::string def = *setting.default_text ? setting.default_text : "(empty)";
		std::string name = setting.env;
		name.resize(26, ' ');
		out << "  " << name << setting.description << " [default: " << def << "]\n";
	}
	return out.str();
}

}  // namespace walcast
