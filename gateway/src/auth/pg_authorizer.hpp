#pragma once
// Authorizer answered by the database: one statement per question, walcast.check_access() (extension 0.3.0),
// which runs the policies on walcast.messages and the table privileges under the token's role and claims and
// rolls everything back. Asked over one libpq connection on a worker thread of its own (the network thread
// never waits on the database), answers posted back to the network thread. As with channels::PgCatalog,
// everything a client can make it hold or do is bounded:
//   - the backlog: at most `max_pending` distinct questions wait for the worker; past it a check is refused at
//     once with "authorization checks busy" (AUTH_MAX_PENDING). Equal questions wait together (one query).
//   - work for departed clients: a question whose every asker has left is dropped unasked when its turn comes.
//   - the cache: decided answers (allowed or denied) are kept `cache_ttl` for at most `cache_entries`
//     questions, least recently used out first; errors are never kept.
//   - time: every connect and query ends within `query_timeout` on the client side (AUTH_QUERY_TIMEOUT_MS);
//     the server cancels the statement itself at 3/4 of it, so a policy that runs away is an error, not a hang.
// A denial is an answer (ok, bits clear). "Could not decide" is ok=false with one line: the role cannot be SET
// by the gateway's database user, the extension is missing, the database is unreachable or too slow.
// After a connect failure or a timeout the database is "unreachable": checks are answered with that error at
// once while the worker tries to reconnect every `unreachable_retry`. Shutdown never waits on the database.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "auth/access_key.hpp"
#include "auth/authorizer.hpp"
#include "core/coalescing_backlog.hpp"
#include "core/log_throttle.hpp"
#include "core/ttl_cache.hpp"
#include "core/unreachable.hpp"
#include "core/waker.hpp"

namespace walcast {
class PgConnection;
}

namespace walcast::auth {

struct PgAuthorizerSettings {
	std::string host;
	std::string port;
	std::string dbname;
	std::string user;  // must be a member of every role tokens name and may EXECUTE walcast.insert_access_probes
	std::string password;
	// Any further libpq keyword/value pairs (sslmode, ...).
	std::vector<std::pair<std::string, std::string>> extra;
	// AUTH_CACHE_TTL_MS. A join decides for the channel's whole life, so an answer is already relied on far
	// longer than this; 30 s covers a client's reconnects and page reloads (same token, same topics) while a
	// changed policy or revoked grant reaches new joins within half a minute.
	std::chrono::milliseconds cache_ttl{30000};
	std::size_t cache_entries = 4096;  // AUTH_CACHE_ENTRIES
	// AUTH_MAX_PENDING. A check is a short query (a few subtransactions), about a millisecond with simple
	// policies, so a full backlog is about a second of work: far inside a client's join timeout.
	std::size_t max_pending = 1024;
	std::chrono::milliseconds query_timeout{5000};  // AUTH_QUERY_TIMEOUT_MS
	// While unreachable, how often the worker tries to connect again.
	std::chrono::milliseconds unreachable_retry{2000};
};

class PgAuthorizer : public Authorizer {
public:
	// `post` runs a function on the network thread (e.g. boost::asio::post(io_context, f)).
	using Post = std::function<void(std::function<void()>)>;

	// What it did, for metrics and tests (read from any thread).
	struct Counters {
		std::atomic<std::uint64_t> queries{0};   // statements sent (a retry after a broken connection counts again)
		std::atomic<std::uint64_t> cached{0};    // checks answered from the cache
		std::atomic<std::uint64_t> coalesced{0}; // checks that joined an equal waiting one
		std::atomic<std::uint64_t> dropped{0};   // checks not asked because their client had left
		std::atomic<std::uint64_t> refused{0};   // checks refused because AUTH_MAX_PENDING were waiting
		std::atomic<std::uint64_t> timeouts{0};  // connects or queries that passed AUTH_QUERY_TIMEOUT_MS
		std::atomic<std::uint64_t> errors{0};    // checks answered ok=false (any reason)
	};

	PgAuthorizer(PgAuthorizerSettings settings, Post post);
	~PgAuthorizer() override;  // stops the worker, interrupting a connect or query; waiting checks are dropped
	PgAuthorizer(const PgAuthorizer&) = delete;
	PgAuthorizer& operator=(const PgAuthorizer&) = delete;

	// `done` is always posted (never run inside Check), also for cached and refused checks.
	void Check(AccessRequest request, std::weak_ptr<const void> interest, Callback done) override;

	const Counters& counters() const { return counters_; }

private:
	using Clock = std::chrono::steady_clock;
	using Backlog = CoalescingBacklog<AccessKey, Callback>;
	// Only decided answers are stored: errors are asked again on the next join.
	using Cache = TtlCache<AccessKey, AccessResult>;

	void Run();
	void Serve(PgConnection& conn, Backlog::Batch batch);
	AccessResult Ask(PgConnection& conn, const AccessKey& key);
	void Probe(PgConnection& conn);
	void MarkUnreachable(const std::string& error);
	void MarkReachable();
	AccessResult Failure(std::string error);
	std::string TimeoutText() const;
	void LogRejected(const std::string& error);

	PgAuthorizerSettings settings_;
	Post post_;
	Counters counters_;
	Waker waker_;  // poked once, on shutdown; never drained, so every later wait returns at once
	std::mutex mutex_;
	std::condition_variable wake_;
	// guarded by mutex_
	bool stopping_ = false;
	Backlog pending_;
	Cache cache_;
	Unreachable unreachable_;
	bool overload_reported_ = false;  // one warning per episode of a full backlog
	// worker thread only
	log::LogThrottle rejected_log_{5, std::chrono::minutes(1)};
	std::thread worker_;
};

}  // namespace walcast::auth
