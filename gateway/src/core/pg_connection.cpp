#include "core/pg_connection.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

namespace walcast {

namespace {

using namespace std::chrono_literals;

// libpq and server messages can span lines ("connection to server ... failed: ...\n"); clients and the
// log get one line.
std::string OneLine(const char* message) {
	std::string out;
	bool space = false;
	for (const char* p = message ? message : ""; *p; ++p) {
		if (*p == '\n' || *p == '\r' || *p == '\t' || *p == ' ') {
			space = !out.empty();
			continue;
		}
		if (space) out.push_back(' ');
		space = false;
		out.push_back(*p);
	}
	return out;
}

long long Millis(std::chrono::milliseconds d) { return static_cast<long long>(d.count()); }

}  // namespace

PgConnection::PgConnection(PgConnectionSettings settings, int wake_fd)
    : settings_(std::move(settings)), wake_fd_(wake_fd) {}

PgConnection::~PgConnection() { Reset(); }

void PgConnection::Reset() {
	// The connection is non-blocking once made (and a connection still being made has nothing queued), so
	// PQfinish's goodbye message never waits on a peer that stopped reading.
	if (conn_) PQfinish(conn_);
	conn_ = nullptr;
}

PgConnection::Outcome PgConnection::Fail(Status status, std::string error) {
	Reset();
	Outcome out;
	out.status = status;
	out.error = std::move(error);
	return out;
}

std::string PgConnection::TimeoutText(const char* what) const {
	return std::string(what) + " got no answer within " + std::to_string(Millis(settings_.timeout)) +
	       " ms (CATALOG_QUERY_TIMEOUT_MS)";
}

PgConnection::Ready PgConnection::Wait(short events, Clock::time_point deadline) {
	pollfd fds[2] = {{PQsocket(conn_), events, 0}, {wake_fd_, POLLIN, 0}};
	for (;;) {
		auto left = deadline - Clock::now();
		// Rounded up so the wait never ends a hair before the deadline and spins.
		int timeout_ms = left <= Clock::duration::zero()
		                     ? 0
		                     : static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
		int n = ::poll(fds, 2, timeout_ms);
		if (n < 0) {
			if (errno == EINTR) continue;
			return Ready::failed;
		}
		if (fds[1].revents != 0) return Ready::woken;  // shutdown wins over anything the socket has
		if (n > 0) return Ready::ready;
		if (Clock::now() >= deadline) return Ready::timed_out;
	}
}

PgConnection::Outcome PgConnection::Connect(Clock::time_point deadline) {
	if (conn_) return {};
	const long long timeout_ms = Millis(settings_.timeout);
	// libpq's own connect_timeout is whole seconds, at least 2; it only matters if our deadline did not
	// exist (libpq enforces it in blocking connects only), so it is set for completeness.
	const std::string connect_timeout = std::to_string(std::max<long long>(2, (timeout_ms + 999) / 1000));
	// The server-side limit, at three quarters of the budget so that a server that is slow but alive (the
	// query waits on a lock) cancels the statement itself first: that lookup gets the server's error, the
	// connection is kept and other joins go on. The client deadline is left for servers that cannot even
	// do that (frozen, half-open), and the server-side limit also ends a query whose client gave up.
	const std::string options = "-c statement_timeout=" + std::to_string(std::max<long long>(1, timeout_ms * 3 / 4));
	std::vector<std::pair<std::string, std::string>> params;
	auto add = [&](const char* key, const std::string& value) {
		if (!value.empty()) params.emplace_back(key, value);  // empty: libpq's default (environment, ...)
	};
	add("host", settings_.host);
	add("port", settings_.port);
	add("dbname", settings_.dbname);
	add("user", settings_.user);
	add("password", settings_.password);
	add("application_name", "walcast-gateway catalog");
	add("connect_timeout", connect_timeout);
	add("options", options);
	// An idle catalog connection whose peer vanished is noticed in ~25 s (keepalives) and unacknowledged
	// data gives up after 30 s (tcp_user_timeout), so the next lookup usually finds it already broken
	// and reconnects instead of waiting out its deadline. Same values as the replication connection.
	add("keepalives", "1");
	add("keepalives_idle", "10");
	add("keepalives_interval", "5");
	add("keepalives_count", "3");
	add("tcp_user_timeout", "30000");
	for (auto& kv : settings_.extra) params.push_back(kv);  // later keywords override earlier ones
	std::vector<const char*> keys, values;
	for (auto& [k, v] : params) {
		keys.push_back(k.c_str());
		values.push_back(v.c_str());
	}
	keys.push_back(nullptr);
	values.push_back(nullptr);

	conn_ = PQconnectStartParams(keys.data(), values.data(), 0);
	if (!conn_) return Fail(Status::connect_failed, "out of memory");
	if (PQstatus(conn_) == CONNECTION_BAD) return Fail(Status::connect_failed, OneLine(PQerrorMessage(conn_)));
	PostgresPollingStatusType state = PGRES_POLLING_WRITING;
	while (state != PGRES_POLLING_OK) {
		if (state == PGRES_POLLING_FAILED) return Fail(Status::connect_failed, OneLine(PQerrorMessage(conn_)));
		// The socket can change between polls (several hosts or addresses), so it is read again each time.
		switch (Wait(state == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline)) {
			case Ready::ready: break;
			case Ready::timed_out: return Fail(Status::timed_out, TimeoutText("connecting to the database"));
			case Ready::woken: return Fail(Status::stopped, "shutting down");
			case Ready::failed: return Fail(Status::connect_failed, std::string("poll: ") + std::strerror(errno));
		}
		state = PQconnectPoll(conn_);
	}
	// Non-blocking from here on: sending a query or the goodbye message never waits for the peer.
	if (PQsetnonblocking(conn_, 1) != 0) return Fail(Status::connect_failed, OneLine(PQerrorMessage(conn_)));
	return {};
}

PgConnection::Outcome PgConnection::Query(const char* sql, const std::vector<std::string>& params,
                                                    Clock::time_point deadline) {
	if (auto connected = Connect(deadline); connected.status != Status::ok) return connected;
	std::vector<const char*> values;
	for (auto& p : params) values.push_back(p.c_str());
	if (!PQsendQueryParams(conn_, sql, static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0))
		return Fail(Status::lost, OneLine(PQerrorMessage(conn_)));

	auto wait = [&](short events) -> std::optional<Outcome> {
		switch (Wait(events, deadline)) {
			case Ready::ready:
				if (!PQconsumeInput(conn_)) return Fail(Status::lost, OneLine(PQerrorMessage(conn_)));
				return std::nullopt;
			case Ready::timed_out: return Fail(Status::timed_out, TimeoutText("the catalog query"));
			case Ready::woken: return Fail(Status::stopped, "shutting down");
			case Ready::failed: return Fail(Status::lost, std::string("poll: ") + std::strerror(errno));
		}
		return std::nullopt;
	};
	// The query may sit in libpq's buffer until the socket takes it; the server's answers are read
	// meanwhile, as libpq asks of non-blocking senders.
	for (;;) {
		int flushed = PQflush(conn_);
		if (flushed == 0) break;
		if (flushed < 0) return Fail(Status::lost, OneLine(PQerrorMessage(conn_)));
		if (auto failed = wait(POLLOUT | POLLIN)) return std::move(*failed);
	}
	Result kept;
	for (;;) {
		while (PQisBusy(conn_))
			if (auto failed = wait(POLLIN)) return std::move(*failed);
		Result next(PQgetResult(conn_));
		if (!next) break;
		// An error result is more telling than rows before it.
		if (!kept || (PQresultStatus(kept.get()) == PGRES_TUPLES_OK && PQresultStatus(next.get()) != PGRES_TUPLES_OK))
			kept = std::move(next);
	}
	if (!kept) return Fail(Status::lost, "no result from the server");
	if (PQresultStatus(kept.get()) == PGRES_TUPLES_OK) {
		Outcome out;
		out.result = std::move(kept);
		return out;
	}
	std::string error = OneLine(PQresultErrorMessage(kept.get()));
	if (error.empty()) error = OneLine(PQerrorMessage(conn_));
	if (PQstatus(conn_) == CONNECTION_OK) {
		Outcome out;
		out.status = Status::rejected;
		out.error = std::move(error);
		return out;
	}
	return Fail(Status::lost, std::move(error));
}

}  // namespace walcast
