#pragma once
// Catalog answered by the database: published tables and their columns, asked over one libpq connection
// on a worker thread of its own (the network thread must never wait on the database), with answers
// posted back to the network thread. Everything a client can make it hold or do is bounded:
//   - the backlog: at most `max_pending` distinct (schema, table) patterns wait for the worker; past it a
//     join's lookup is refused at once (CATALOG_MAX_PENDING). Identical lookups wait together (one query).
//   - work for departed clients: a lookup whose every asker has left (channel left, socket closed) is
//     dropped unasked when its turn comes.
//   - the cache: answers are kept `cache_ttl` for at most `cache_entries` patterns, least recently used
//     out first (CATALOG_CACHE_ENTRIES).
//   - time: every connect and query ends within `query_timeout` on the client side, even against a peer
//     that acknowledges but never answers (CATALOG_QUERY_TIMEOUT_MS); the connection is then dropped.
// After a connect failure or a timeout the database is "unreachable": lookups are answered with that
// error at once (one stuck connection must not make every join wait its own timeout) while the worker
// tries to reconnect every `unreachable_retry`; the first success ends it. Shutdown never waits on the
// database: the destructor wakes the worker out of any connect or query.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "channels/catalog.hpp"
#include "core/coalescing_backlog.hpp"
#include "core/ttl_cache.hpp"
#include "core/unreachable.hpp"
#include "core/waker.hpp"

namespace walcast {
class PgConnection;
}

namespace walcast::channels {

struct PgCatalogSettings {
	std::string host;
	std::string port;
	std::string dbname;
	std::string user;
	std::string password;
	std::string publication;  // whose tables may be subscribed to
	// Any further libpq keyword/value pairs (sslmode, ...).
	std::vector<std::pair<std::string, std::string>> extra;
	std::chrono::milliseconds cache_ttl{3000};
	std::size_t cache_entries = 1024;                 // CATALOG_CACHE_ENTRIES
	std::size_t max_pending = 256;                    // CATALOG_MAX_PENDING
	std::chrono::milliseconds query_timeout{5000};    // CATALOG_QUERY_TIMEOUT_MS
	// While unreachable, how often the worker tries to connect again.
	std::chrono::milliseconds unreachable_retry{2000};
};

class PgCatalog : public Catalog {
public:
	// `post` runs a function on the network thread (e.g. boost::asio::post(io_context, f)).
	using Post = std::function<void(std::function<void()>)>;

	PgCatalog(PgCatalogSettings settings, Post post);
	~PgCatalog() override;  // stops the worker, interrupting a connect or query; pending lookups are dropped
	PgCatalog(const PgCatalog&) = delete;
	PgCatalog& operator=(const PgCatalog&) = delete;

	void Lookup(std::string schema, std::string table, std::weak_ptr<const void> interest, Callback done) override;

private:
	using Clock = std::chrono::steady_clock;
	using Key = std::pair<std::string, std::string>;  // (schema, table) as asked, "*" included
	using Backlog = CoalescingBacklog<Key, Callback>;
	using Cache = TtlCache<Key, CatalogResult>;

	void Run();
	// Answers one pattern's waiters: from the cache, the unreachable state, or the database.
	void Serve(PgConnection& conn, Backlog::Batch batch);
	CatalogResult Ask(PgConnection& conn, const Key& key);
	void Probe(PgConnection& conn);
	void MarkUnreachable(const std::string& error);
	void MarkReachable();

	PgCatalogSettings settings_;
	Post post_;
	Waker waker_;  // poked once, on shutdown; never drained, so every later wait returns at once
	std::mutex mutex_;
	std::condition_variable wake_;
	// guarded by mutex_
	bool stopping_ = false;
	Backlog pending_;
	Cache cache_;
	Unreachable unreachable_;
	bool overload_reported_ = false;  // one warning per episode of a full backlog
	std::thread worker_;
};

}  // namespace walcast::channels
