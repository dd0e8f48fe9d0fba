#include "auth/pg_authorizer.hpp"

#include <optional>

#include "auth/pg_authorizer_query.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/pg_connection.hpp"
#include "core/post_waiters.hpp"

namespace walcast::auth {

namespace {

PgConnectionSettings ConnectionSettings(const PgAuthorizerSettings& s) {
	// Named in pg_stat_activity apart from the catalog's connection; the operator's extra keywords come after
	// and may still override it.
	std::vector<std::pair<std::string, std::string>> extra{{"application_name", "walcast-gateway authorizer"}};
	extra.insert(extra.end(), s.extra.begin(), s.extra.end());
	return {s.host, s.port, s.dbname, s.user, s.password, std::move(extra), s.query_timeout};
}

// Judged on the server's primary message only: the CONTEXT of any error raised inside the function also names
// walcast.check_access (e.g. `role "x" does not exist`, which is the role's fault, not a missing extension).
bool MissingExtension(const std::string& primary) {
	if (primary.find("does not exist") == std::string::npos) return false;
	return primary.find("function walcast.check_access") != std::string::npos ||
	       primary.find("schema \"walcast\"") != std::string::npos;
}

}  // namespace

PgAuthorizer::PgAuthorizer(PgAuthorizerSettings settings, Post post)
    : settings_(std::move(settings)),
      post_(std::move(post)),
      pending_(settings_.max_pending),
      cache_(settings_.cache_entries, settings_.cache_ttl),
      unreachable_(settings_.unreachable_retry),
      worker_([this] { Run(); }) {}

PgAuthorizer::~PgAuthorizer() {
	std::vector<Backlog::Waiter> dropped;
	{
		std::lock_guard lock(mutex_);
		stopping_ = true;
		dropped = pending_.Clear();
	}
	waker_.Poke();       // out of a connect or query
	wake_.notify_all();  // out of waiting for work
	worker_.join();
	// The dropped callbacks die here, on the thread that destroys the authorizer (the network thread's
	// shutdown), as the catalog's do.
}

AccessResult PgAuthorizer::Failure(std::string error) {
	counters_.errors.fetch_add(1, std::memory_order_relaxed);
	GlobalMetrics().auth_errors.fetch_add(1, std::memory_order_relaxed);
	AccessResult r;
	r.ok = false;
	r.error = std::move(error);
	return r;
}

void PgAuthorizer::Check(AccessRequest request, std::weak_ptr<const void> interest, Callback done) {
	AccessKey key = KeyOf(request);
	AccessResult immediate;
	if (key.topic_checks == 0 && key.tables.empty()) {
		// Nothing to decide: no query.
	} else if (key.role.empty()) {
		immediate = Failure("the token has no role to check access with");
	} else {
		std::lock_guard lock(mutex_);
		if (auto hit = cache_.Find(key, Clock::now())) {
			counters_.cached.fetch_add(1, std::memory_order_relaxed);
			GlobalMetrics().auth_cached.fetch_add(1, std::memory_order_relaxed);
			immediate = std::move(*hit);
		} else if (unreachable_) {
			immediate = Failure(*unreachable_.why());
		} else {
			Backlog::Waiter waiter{std::move(interest), std::move(done)};
			auto added = pending_.Add(key, std::move(waiter));
			if (added == Backlog::Added::queued) {
				wake_.notify_one();
				return;
			}
			if (added == Backlog::Added::coalesced) {
				counters_.coalesced.fetch_add(1, std::memory_order_relaxed);
				return;
			}
			done = std::move(waiter.done);  // not taken: answered below
			counters_.refused.fetch_add(1, std::memory_order_relaxed);
			GlobalMetrics().auth_refused.fetch_add(1, std::memory_order_relaxed);
			if (!overload_reported_) {
				overload_reported_ = true;
				WALCAST_LOG(warn, "auth", settings_.max_pending
				                              << " distinct authorization checks are waiting for the database "
				                                 "(AUTH_MAX_PENDING); further private joins are refused until the "
				                                 "backlog drains");
			}
			immediate = Failure("authorization checks busy: " + std::to_string(settings_.max_pending) +
			                    " are waiting for the database (AUTH_MAX_PENDING). Rejoin later.");
		}
	}
	// Posted, not called: the answer comes after Check returns, as with a query, and never re-enters the caller.
	post_([done = std::move(done), result = std::move(immediate)]() mutable { done(std::move(result)); });
}

void PgAuthorizer::Run() {
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

void PgAuthorizer::Serve(PgConnection& conn, Backlog::Batch batch) {
	auto departed = TakeDeparted(batch.waiters);
	if (!departed.empty()) {
		counters_.dropped.fetch_add(departed.size(), std::memory_order_relaxed);
		PostDiscard(post_, std::move(departed));  // destroyed on the network thread, like what they capture
	}
	if (batch.waiters.empty()) return;  // everyone who asked has left: the database is not asked
	std::optional<AccessResult> known;
	{
		// While this waited, the same question may have been answered (asked again while it ran) or the
		// database found unreachable.
		std::lock_guard lock(mutex_);
		if (auto hit = cache_.Find(batch.key, Clock::now())) {
			counters_.cached.fetch_add(batch.waiters.size(), std::memory_order_relaxed);
			GlobalMetrics().auth_cached.fetch_add(batch.waiters.size(), std::memory_order_relaxed);
			known = std::move(*hit);
		} else if (unreachable_) {
			known = Failure(*unreachable_.why());
		}
	}
	if (known) return PostAnswer(post_, std::move(batch.waiters), std::move(*known));
	auto result = Ask(conn, batch.key);
	if (result.ok) {
		std::lock_guard lock(mutex_);
		cache_.Put(batch.key, result, Clock::now());  // errors are asked again on the next join
	}
	PostAnswer(post_, std::move(batch.waiters), std::move(result));
}

std::string PgAuthorizer::TimeoutText() const {
	return "the database gave no answer to the authorization check within " +
	       std::to_string(settings_.query_timeout.count()) + " ms (AUTH_QUERY_TIMEOUT_MS)";
}

void PgAuthorizer::LogRejected(const std::string& error) {
	auto decision = rejected_log_.Admit(Clock::now());
	if (decision.suppressed_before)
		WALCAST_LOG(warn, "auth", decision.suppressed_before << " more authorization checks failed in the database");
	if (decision.write) WALCAST_LOG(warn, "auth", "authorization check failed in the database: " << error);
}

AccessResult PgAuthorizer::Ask(PgConnection& conn, const AccessKey& key) {
	using Status = PgConnection::Status;
	std::string invalid;
	auto query = BuildAccessQuery(key, invalid);
	if (!query) return Failure(invalid);
	const auto deadline = Clock::now() + settings_.query_timeout;
	// One retry within the same deadline: a connection that died since the last check fails the first query,
	// not the reconnect.
	for (int attempt = 0;; ++attempt) {
		counters_.queries.fetch_add(1, std::memory_order_relaxed);
		GlobalMetrics().auth_queries.fetch_add(1, std::memory_order_relaxed);
		auto outcome = conn.Query(kCheckAccessSql, query->params, deadline);
		switch (outcome.status) {
			case Status::ok: {
				MarkReachable();
				auto result = DecodeAccessAnswer(outcome.result.get(), *query);
				if (!result.ok) {
					counters_.errors.fetch_add(1, std::memory_order_relaxed);
					GlobalMetrics().auth_errors.fetch_add(1, std::memory_order_relaxed);
					LogRejected(result.error);
				}
				return result;
			}
			case Status::rejected:
				// The role cannot be SET, a statement timeout, the extension missing...: the gateway's operator
				// needs the whole line (with the server's HINT); the client gets the message.
				LogRejected(outcome.error);
				if (MissingExtension(ServerMessage(outcome.error)))
					return Failure("walcast.check_access() does not exist in the database: install the walcast "
					               "extension 0.3.0 (CREATE EXTENSION walcast, or ALTER EXTENSION walcast UPDATE)");
				return Failure(ServerMessage(outcome.error));
			case Status::stopped:
				return Failure(outcome.error);
			case Status::lost:
				if (attempt == 0) continue;
				MarkUnreachable(outcome.error);
				return Failure(outcome.error);
			case Status::timed_out:
				counters_.timeouts.fetch_add(1, std::memory_order_relaxed);
				GlobalMetrics().auth_timeouts.fetch_add(1, std::memory_order_relaxed);
				MarkUnreachable(TimeoutText());
				return Failure(TimeoutText());
			case Status::connect_failed:
				MarkUnreachable(outcome.error);
				return Failure(outcome.error);
		}
	}
}

void PgAuthorizer::Probe(PgConnection& conn) {
	auto outcome = conn.Connect(Clock::now() + settings_.query_timeout);
	if (outcome.status == PgConnection::Status::ok) return MarkReachable();
	if (outcome.status == PgConnection::Status::timed_out) {
		counters_.timeouts.fetch_add(1, std::memory_order_relaxed);
		GlobalMetrics().auth_timeouts.fetch_add(1, std::memory_order_relaxed);
	}
	WALCAST_LOG(debug, "auth", "still cannot reach the database: " << outcome.error);
	std::lock_guard lock(mutex_);
	unreachable_.ProbeFailed(Clock::now());
}

void PgAuthorizer::MarkUnreachable(const std::string& error) {
	std::lock_guard lock(mutex_);
	if (unreachable_.Mark(error, Clock::now()))
		WALCAST_LOG(warn, "auth", "cannot reach the database for authorization checks: "
		                              << error << "; private joins get an error until a reconnect (tried every "
		                              << settings_.unreachable_retry.count() << " ms) succeeds");
}

void PgAuthorizer::MarkReachable() {
	std::lock_guard lock(mutex_);
	if (unreachable_.Clear()) WALCAST_LOG(info, "auth", "database reachable again for authorization checks");
}

}  // namespace walcast::auth
