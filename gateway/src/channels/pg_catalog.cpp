#include "channels/pg_catalog.hpp"

#include <optional>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/pg_connection.hpp"
#include "core/post_waiters.hpp"

namespace walcast::channels {

namespace {

// Published tables matching the patterns ('*' = any), with their live columns in attnum order.
constexpr const char* kQuery = R"SQL(
SELECT pt.schemaname::text, pt.tablename::text, a.attname::text, t.typname::text
FROM pg_catalog.pg_publication_tables pt
JOIN pg_catalog.pg_namespace n ON n.nspname = pt.schemaname
JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = pt.tablename
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE pt.pubname = $1 AND ($2 = '*' OR pt.schemaname = $2) AND ($3 = '*' OR pt.tablename = $3)
ORDER BY 1, 2, a.attnum
)SQL";

CatalogResult Failure(std::string error, bool busy = false) {
	CatalogResult r;
	r.ok = false;
	r.error = std::move(error);
	r.busy = busy;
	return r;
}

CatalogResult Tables(const PGresult* res) {
	CatalogResult out;
	int rows = PQntuples(res);
	for (int i = 0; i < rows; ++i) {
		std::string s = PQgetvalue(res, i, 0), t = PQgetvalue(res, i, 1);
		if (out.tables.empty() || out.tables.back().schema != s || out.tables.back().table != t)
			out.tables.push_back(CatalogTable{s, t, {}});
		if (!PQgetisnull(res, i, 2))
			out.tables.back().columns.push_back(CatalogColumn{PQgetvalue(res, i, 2), PQgetvalue(res, i, 3)});
	}
	return out;
}

PgConnectionSettings ConnectionSettings(const PgCatalogSettings& s) {
	return {s.host, s.port, s.dbname, s.user, s.password, s.extra, s.query_timeout};
}

}  // namespace

PgCatalog::PgCatalog(PgCatalogSettings settings, Post post)
    : settings_(std::move(settings)),
      post_(std::move(post)),
      pending_(settings_.max_pending),
      cache_(settings_.cache_entries, settings_.cache_ttl),
      unreachable_(settings_.unreachable_retry),
      worker_([this] { Run(); }) {}

PgCatalog::~PgCatalog() {
	std::vector<Backlog::Waiter> dropped;
	{
		std::lock_guard lock(mutex_);
		stopping_ = true;
		dropped = pending_.Clear();
	}
	waker_.Poke();  // out of a connect or query
	wake_.notify_all();  // out of waiting for work
	worker_.join();
}

void PgCatalog::Lookup(std::string schema, std::string table, std::weak_ptr<const void> interest, Callback done) {
	Key key{std::move(schema), std::move(table)};
	CatalogResult immediate;
	{
		std::lock_guard lock(mutex_);
		if (auto hit = cache_.Find(key, Clock::now())) {
			immediate = std::move(*hit);
		} else if (unreachable_) {
			immediate = Failure(*unreachable_.why());
		} else {
			Backlog::Waiter waiter{std::move(interest), std::move(done)};
			auto added = pending_.Add(key, std::move(waiter));
			if (added != Backlog::Added::full) {
				if (added == Backlog::Added::queued) wake_.notify_one();
				return;
			}
			done = std::move(waiter.done);  // not taken: answered below
			GlobalMetrics().catalog_lookups_refused.fetch_add(1, std::memory_order_relaxed);
			if (!overload_reported_) {
				overload_reported_ = true;
				WALCAST_LOG(warn, "catalog", settings_.max_pending
				                                 << " distinct lookups are waiting for the database (CATALOG_MAX_PENDING); "
				                                    "further joins' postgres_changes are refused until the backlog drains");
			}
			immediate = Failure("too many catalog lookups are waiting for the database (CATALOG_MAX_PENDING = " +
			                        std::to_string(settings_.max_pending) + "). Rejoin later.",
			                    true);
		}
	}
	// Posted, not called: the answer comes after Lookup returns, as with a query, and never re-enters
	// the caller.
	post_([done = std::move(done), result = std::move(immediate)]() mutable { done(std::move(result)); });
}

void PgCatalog::Run() {
	PgConnection conn(ConnectionSettings(settings_), waker_.fd());
	std::unique_lock lock(mutex_);
	for (;;) {
		if (stopping_) return;
		if (pending_.empty()) {
			if (!unreachable_) {
				wake_.wait(lock, [&] { return stopping_ || !pending_.empty() || unreachable_; });
				continue;
			}
			if (Clock::now() < unreachable_.next_probe()) {
				wake_.wait_until(lock, unreachable_.next_probe(), [&] { return stopping_ || !pending_.empty(); });
				continue;
			}
			lock.unlock();
			Probe(conn);
			lock.lock();
			continue;
		}
		auto batch = pending_.Pop();
		if (pending_.empty()) overload_reported_ = false;
		lock.unlock();
		Serve(conn, std::move(batch));
		lock.lock();
	}
}

void PgCatalog::Serve(PgConnection& conn, Backlog::Batch batch) {
	auto departed = TakeDeparted(batch.waiters);
	if (!departed.empty()) {
		GlobalMetrics().catalog_lookups_dropped.fetch_add(departed.size(), std::memory_order_relaxed);
		PostDiscard(post_, std::move(departed));  // destroyed on the network thread, like what they capture
	}
	if (batch.waiters.empty()) return;  // everyone who asked has left: the database is not asked
	std::optional<CatalogResult> known;
	{
		// While this waited, the same pattern may have been answered (a lookup that arrived while it ran)
		// or the database found unreachable.
		std::lock_guard lock(mutex_);
		if (auto hit = cache_.Find(batch.key, Clock::now())) known = std::move(*hit);
		else if (unreachable_) known = Failure(*unreachable_.why());
	}
	if (known) return PostAnswer(post_, std::move(batch.waiters), std::move(*known));
	auto result = Ask(conn, batch.key);
	if (result.ok) {
		std::lock_guard lock(mutex_);
		cache_.Put(batch.key, result, Clock::now());  // failures are retried on the next join
	}
	PostAnswer(post_, std::move(batch.waiters), std::move(result));
}

CatalogResult PgCatalog::Ask(PgConnection& conn, const Key& key) {
	using Status = PgConnection::Status;
	const auto deadline = Clock::now() + settings_.query_timeout;
	const std::vector<std::string> params{settings_.publication, key.first, key.second};
	// One retry within the same deadline: a connection that died since the last lookup fails the first
	// query, not the reconnect.
	for (int attempt = 0;; ++attempt) {
		GlobalMetrics().catalog_queries.fetch_add(1, std::memory_order_relaxed);
		auto outcome = conn.Query(kQuery, params, deadline);
		switch (outcome.status) {
			case Status::ok:
				MarkReachable();
				return Tables(outcome.result.get());
			case Status::rejected:
				WALCAST_LOG(warn, "catalog", "catalog query failed: " << outcome.error);
				return Failure(outcome.error);
			case Status::stopped:
				return Failure(outcome.error);
			case Status::lost:
				if (attempt == 0) continue;
				MarkUnreachable(outcome.error);
				return Failure(outcome.error);
			case Status::timed_out:
				GlobalMetrics().catalog_timeouts.fetch_add(1, std::memory_order_relaxed);
				MarkUnreachable(outcome.error);
				return Failure(outcome.error);
			case Status::connect_failed:
				MarkUnreachable(outcome.error);
				return Failure(outcome.error);
		}
	}
}

void PgCatalog::Probe(PgConnection& conn) {
	auto outcome = conn.Connect(Clock::now() + settings_.query_timeout);
	if (outcome.status == PgConnection::Status::ok) return MarkReachable();
	if (outcome.status == PgConnection::Status::timed_out)
		GlobalMetrics().catalog_timeouts.fetch_add(1, std::memory_order_relaxed);
	WALCAST_LOG(debug, "catalog", "still cannot reach the database: " << outcome.error);
	std::lock_guard lock(mutex_);
	unreachable_.ProbeFailed(Clock::now());
}

void PgCatalog::MarkUnreachable(const std::string& error) {
	std::lock_guard lock(mutex_);
	if (unreachable_.Mark(error, Clock::now()))
		WALCAST_LOG(warn, "catalog", "cannot reach the database: " << error << "; joins with postgres_changes get an "
		                                 "error until a reconnect (tried every " << settings_.unreachable_retry.count()
		                                 << " ms) succeeds");
}

void PgCatalog::MarkReachable() {
	std::lock_guard lock(mutex_);
	if (unreachable_.Clear()) WALCAST_LOG(info, "catalog", "database reachable again");
}

}  // namespace walcast::channels
