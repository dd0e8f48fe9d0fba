#include "net/health.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace walcast::net {

HealthSnapshot TakeSnapshot(const Metrics& m, std::string slot) {
	constexpr auto relaxed = std::memory_order_relaxed;
	HealthSnapshot s;
	s.replication_connected = m.replication_connected.load(relaxed);
	s.slot = std::move(slot);
	s.received_lsn = m.received_lsn.load(relaxed);
	s.confirmed_lsn = m.confirmed_lsn.load(relaxed);
	s.server_wal_end = m.server_wal_end.load(relaxed);
	s.changes_received = m.changes_received.load(relaxed);
	s.replication_reconnects = m.replication_reconnects.load(relaxed);
	s.changes_dispatched = m.changes_dispatched.load(relaxed);
	s.channels = m.channels.load(relaxed);
	s.client_errors = m.client_errors.load(relaxed);
	s.clients = m.clients.load(relaxed);
	s.messages_sent = m.messages_sent.load(relaxed);
	s.bytes_sent = m.bytes_sent.load(relaxed);
	s.slow_client_closes = m.slow_client_closes.load(relaxed);
	s.auth_queries = m.auth_queries.load(relaxed);
	s.auth_cached = m.auth_cached.load(relaxed);
	s.auth_refused = m.auth_refused.load(relaxed);
	s.auth_timeouts = m.auth_timeouts.load(relaxed);
	s.auth_errors = m.auth_errors.load(relaxed);
	s.tokens_rejected = m.tokens_rejected.load(relaxed);
	s.catalog_queries = m.catalog_queries.load(relaxed);
	s.catalog_lookups_dropped = m.catalog_lookups_dropped.load(relaxed);
	s.catalog_lookups_refused = m.catalog_lookups_refused.load(relaxed);
	s.catalog_timeouts = m.catalog_timeouts.load(relaxed);
	s.connections_refused = m.connections_refused.load(relaxed);
	s.queued_bytes = m.queued_bytes.load(relaxed);
	s.queued_bytes_peak = m.queued_bytes_peak.load(relaxed);
	s.queue_limit_closes = m.queue_limit_closes.load(relaxed);
	return s;
}

std::uint64_t LagBytes(const HealthSnapshot& s) {
	if (s.server_wal_end == kInvalidLsn || s.confirmed_lsn == kInvalidLsn) return 0;
	if (s.server_wal_end < s.confirmed_lsn) return 0;
	return s.server_wal_end - s.confirmed_lsn;
}

std::string RenderHealthJson(const HealthSnapshot& s) {
	boost::json::object replication;
	replication["connected"] = s.replication_connected;
	if (s.show_details) {
		replication["slot"] = s.slot;
		replication["received_lsn"] = FormatLsn(s.received_lsn);
		replication["confirmed_lsn"] = FormatLsn(s.confirmed_lsn);
		replication["lag_bytes"] = LagBytes(s);
	}

	boost::json::object root;
	root["status"] = s.replication_connected ? "ok" : "degraded";
	root["auth"] = s.auth_on ? "on" : "off";
	root["replication"] = std::move(replication);
	root["clients"] = s.clients;
	root["channels"] = s.channels;

	boost::json::object connections;
	connections["open"] = s.clients;
	connections["max"] = s.max_connections;
	connections["refused_total"] = s.connections_refused;
	root["connections"] = std::move(connections);

	// Bytes waiting for all clients together (MAX_QUEUED_BYTES), and how many clients were closed for it.
	boost::json::object queue;
	queue["bytes"] = s.queued_bytes;
	queue["peak_bytes"] = s.queued_bytes_peak;
	queue["max_bytes"] = s.max_queued_bytes;
	queue["shed_total"] = s.queue_limit_closes;
	root["queue"] = std::move(queue);
	return boost::json::serialize(root);
}

unsigned HealthStatusCode(const HealthSnapshot& s) { return s.replication_connected ? 200 : 503; }

namespace {

void Emit(std::string& out, const char* name, const char* type, const char* help, std::uint64_t value) {
	out += "# HELP ";
	out += name;
	out += ' ';
	out += help;
	out += "\n# TYPE ";
	out += name;
	out += ' ';
	out += type;
	out += '\n';
	out += name;
	out += ' ';
	out += std::to_string(value);
	out += '\n';
}

}  // namespace

std::string RenderMetricsText(const HealthSnapshot& s) {
	std::string out;
	out.reserve(2048);
	Emit(out, "walcast_changes_received_total", "counter", "Row changes received from the replication slot.",
	     s.changes_received);
	Emit(out, "walcast_changes_dispatched_total", "counter", "Row changes that matched at least one subscriber.",
	     s.changes_dispatched);
	Emit(out, "walcast_messages_sent_total", "counter", "WebSocket messages written to clients.", s.messages_sent);
	Emit(out, "walcast_bytes_sent_total", "counter", "WebSocket payload bytes written to clients.", s.bytes_sent);
	Emit(out, "walcast_clients", "gauge", "Open WebSocket connections.", s.clients);
	Emit(out, "walcast_channels", "gauge", "Joined channels across all clients.", s.channels);
	Emit(out, "walcast_slow_client_closes_total", "counter",
	     "Clients closed because their send queue exceeded its byte cap.", s.slow_client_closes);
	Emit(out, "walcast_connections_refused_total", "counter",
	     "WebSocket upgrades refused with 503 because MAX_CONNECTIONS connections were open.", s.connections_refused);
	Emit(out, "walcast_queued_bytes", "gauge", "Bytes waiting to be written to all clients together.", s.queued_bytes);
	Emit(out, "walcast_queued_bytes_peak", "gauge", "The largest walcast_queued_bytes seen.", s.queued_bytes_peak);
	Emit(out, "walcast_queue_limit_closes_total", "counter",
	     "Clients closed as slow to bring walcast_queued_bytes back under MAX_QUEUED_BYTES.", s.queue_limit_closes);
	Emit(out, "walcast_client_errors_total", "counter", "Malformed frames, refused joins and bad filters.",
	     s.client_errors);
	Emit(out, "walcast_tokens_rejected_total", "counter",
	     "Tokens that did not verify (WebSocket upgrade, join, access_token, REST broadcast).", s.tokens_rejected);
	Emit(out, "walcast_auth_queries_total", "counter", "walcast.check_access statements sent for policy and privilege checks.",
	     s.auth_queries);
	Emit(out, "walcast_auth_checks_cached_total", "counter", "Authorization checks answered from the cache (AUTH_CACHE_TTL_MS).",
	     s.auth_cached);
	Emit(out, "walcast_auth_checks_refused_total", "counter",
	     "Authorization checks refused because AUTH_MAX_PENDING were waiting.", s.auth_refused);
	Emit(out, "walcast_auth_timeouts_total", "counter",
	     "Authorization connects or checks that passed AUTH_QUERY_TIMEOUT_MS.", s.auth_timeouts);
	Emit(out, "walcast_auth_errors_total", "counter",
	     "Authorization checks that could not be decided (role not allowed, extension missing, unreachable).", s.auth_errors);
	Emit(out, "walcast_catalog_queries_total", "counter", "Catalog queries attempted for joins (a retry after a broken connection counts again).",
	     s.catalog_queries);
	Emit(out, "walcast_catalog_lookups_dropped_total", "counter",
	     "Catalog lookups not run because every client that wanted them had left.", s.catalog_lookups_dropped);
	Emit(out, "walcast_catalog_lookups_refused_total", "counter",
	     "Catalog lookups refused because CATALOG_MAX_PENDING were waiting.", s.catalog_lookups_refused);
	Emit(out, "walcast_catalog_timeouts_total", "counter",
	     "Catalog connects or queries that passed CATALOG_QUERY_TIMEOUT_MS.", s.catalog_timeouts);
	Emit(out, "walcast_replication_reconnects_total", "counter", "Reconnections of the replication stream.",
	     s.replication_reconnects);
	Emit(out, "walcast_replication_connected", "gauge", "1 while the replication stream is connected.",
	     s.replication_connected ? 1 : 0);
	Emit(out, "walcast_replication_lag_bytes", "gauge", "Server WAL end minus the confirmed flush position.",
	     LagBytes(s));
	return out;
}

}  // namespace walcast::net
