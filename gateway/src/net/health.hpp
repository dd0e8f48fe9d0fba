#pragma once
// /health and /metrics bodies, rendered from a plain snapshot of the metrics so the rendering is tested
// with chosen numbers instead of the live process-wide counters.

#include <cstdint>
#include <string>

#include "core/lsn.hpp"
#include "core/metrics.hpp"

namespace walcast::net {

struct HealthSnapshot {
	bool replication_connected = false;
	std::string slot;
	Lsn received_lsn = kInvalidLsn;
	Lsn confirmed_lsn = kInvalidLsn;
	Lsn server_wal_end = kInvalidLsn;
	std::uint64_t changes_received = 0;
	std::uint64_t replication_reconnects = 0;
	std::uint64_t changes_dispatched = 0;
	std::uint64_t channels = 0;
	std::uint64_t client_errors = 0;
	std::uint64_t clients = 0;
	std::uint64_t messages_sent = 0;
	std::uint64_t bytes_sent = 0;
	std::uint64_t slow_client_closes = 0;
	std::uint64_t auth_queries = 0;
	std::uint64_t auth_cached = 0;
	std::uint64_t auth_refused = 0;
	std::uint64_t auth_timeouts = 0;
	std::uint64_t auth_errors = 0;
	std::uint64_t tokens_rejected = 0;
	std::uint64_t catalog_queries = 0;
	std::uint64_t catalog_lookups_dropped = 0;
	std::uint64_t catalog_lookups_refused = 0;
	std::uint64_t catalog_timeouts = 0;
	std::uint64_t connections_refused = 0;
	std::uint64_t queued_bytes = 0;
	std::uint64_t queued_bytes_peak = 0;
	std::uint64_t queue_limit_closes = 0;
	// The limits, from the server's settings (TakeSnapshot leaves them 0).
	std::uint64_t max_connections = 0;
	std::uint64_t max_queued_bytes = 0;
	// Shown in /health: whether tokens are checked, and whether this caller may see slot and LSNs.
	bool auth_on = false;
	bool show_details = true;
};

HealthSnapshot TakeSnapshot(const Metrics& metrics, std::string slot);

// How far the confirmed position trails the server's WAL end; 0 when either is unknown.
std::uint64_t LagBytes(const HealthSnapshot& s);

// {"status":"ok"|"degraded","replication":{...},"clients":N,"channels":N,
//  "connections":{"open":N,"max":N,"refused_total":N},"queue":{"bytes":N,"peak_bytes":N,"max_bytes":N,"shed_total":N}}
std::string RenderHealthJson(const HealthSnapshot& s);
// 200 when replication is connected, 503 otherwise (so a load balancer can tell).
unsigned HealthStatusCode(const HealthSnapshot& s);

// Prometheus text exposition format 0.0.4.
std::string RenderMetricsText(const HealthSnapshot& s);
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace walcast::net
