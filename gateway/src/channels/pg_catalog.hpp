#pragma once
// Catalog answered by the database: published tables and their columns, asked over a plain libpq
// connection on a worker thread of its own (libpq blocks; the network thread must not), with answers
// posted back to the network thread. Reconnects on the next lookup after a failure; caches answers for
// a few seconds so a reconnect storm of rejoining clients costs a handful of queries.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "channels/catalog.hpp"

namespace walcast::channels {

struct PgCatalogSettings {
	std::string host;
	std::string port;
	std::string dbname;
	std::string user;
	std::string password;
	std::string publication;  // whose tables may be subscribed to
	// Any further libpq keyword/value pairs (sslmode, ...). connect_timeout defaults to 5 s.
	std::vector<std::pair<std::string, std::string>> extra;
	std::chrono::milliseconds cache_ttl{3000};
	// After a failed connect, lookups are answered with that failure for this long instead of each
	// waiting out its own connect timeout (a reconnect storm while the database is down).
	std::chrono::milliseconds unreachable_ttl{2000};
};

class PgCatalog : public Catalog {
public:
	// `post` runs a function on the network thread (e.g. boost::asio::post(io_context, f)).
	using Post = std::function<void(std::function<void()>)>;

	PgCatalog(PgCatalogSettings settings, Post post);
	~PgCatalog() override;  // stops the worker; pending lookups are dropped
	PgCatalog(const PgCatalog&) = delete;
	PgCatalog& operator=(const PgCatalog&) = delete;

	void Lookup(std::string schema, std::string table, Callback done) override;

private:
	struct Job {
		std::string schema;
		std::string table;
		Callback done;
	};
	struct CacheEntry {
		std::chrono::steady_clock::time_point at;
		CatalogResult result;
	};
	class Connection;

	void Run();
	CatalogResult Answer(Connection& conn, const std::string& schema, const std::string& table);

	PgCatalogSettings settings_;
	Post post_;
	std::mutex mutex_;
	std::condition_variable wake_;
	std::deque<Job> jobs_;
	bool stopping_ = false;
	std::map<std::pair<std::string, std::string>, CacheEntry> cache_;  // worker thread only
	std::chrono::steady_clock::time_point unreachable_at_{};            // worker thread only
	std::string unreachable_error_;                                     // worker thread only
	std::thread worker_;
};

}  // namespace walcast::channels
