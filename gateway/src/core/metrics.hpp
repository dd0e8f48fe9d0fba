#pragma once
// Counters and gauges every stage updates and /health and /metrics read. Plain relaxed atomics: each is
// an independent figure, no reader needs two of them to agree exactly.

#include <atomic>
#include <cstdint>

#include "core/lsn.hpp"

namespace walcast {

struct Metrics {
	using Counter = std::atomic<std::uint64_t>;

	// replication stage
	std::atomic<bool> replication_connected{false};
	std::atomic<Lsn> received_lsn{kInvalidLsn};   // last XLogData or keepalive position seen
	std::atomic<Lsn> confirmed_lsn{kInvalidLsn};  // last flush position reported to the server
	std::atomic<Lsn> server_wal_end{kInvalidLsn}; // server's WAL end from the last keepalive/XLogData
	Counter changes_received{0};
	Counter replication_reconnects{0};

	// channels stage
	Counter changes_dispatched{0};  // changes that matched at least one subscriber
	Counter channels{0};            // gauge: joined channels
	Counter client_errors{0};       // malformed frames, bad joins, bad filters

	// authorization (auth::PgAuthorizer, and token checks anywhere)
	Counter auth_queries{0};    // walcast.check_access statements sent
	Counter auth_cached{0};     // checks answered from the cache
	Counter auth_refused{0};    // checks refused because AUTH_MAX_PENDING were waiting
	Counter auth_timeouts{0};   // connects or checks that passed AUTH_QUERY_TIMEOUT_MS
	Counter auth_errors{0};     // checks that could not be decided (role not allowed, unreachable, ...)
	Counter tokens_rejected{0};  // tokens that did not verify (upgrade, join, access_token, REST)
	// catalog (channels::PgCatalog)
	Counter catalog_queries{0};          // queries attempted (a retry after a broken connection counts again)
	Counter catalog_lookups_dropped{0};  // lookups not asked because every client wanting them had left
	Counter catalog_lookups_refused{0};  // lookups refused because CATALOG_MAX_PENDING patterns were waiting
	Counter catalog_timeouts{0};         // connects or queries that passed CATALOG_QUERY_TIMEOUT_MS

	// network stage
	Counter clients{0};             // gauge: open WebSocket connections
	Counter messages_sent{0};
	Counter bytes_sent{0};
	Counter slow_client_closes{0};
	Counter queued_bytes{0};            // gauge: bytes waiting for all clients (QueueBudget::total)
	Counter queued_bytes_peak{0};       // gauge: the largest queued_bytes seen
	Counter connections_refused{0};     // upgrades refused at MAX_CONNECTIONS
	Counter queue_limit_closes{0};      // clients closed to bring queued_bytes back under MAX_QUEUED_BYTES
};

// The process-wide instance.
Metrics& GlobalMetrics();

}  // namespace walcast
