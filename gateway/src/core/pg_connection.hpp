#pragma once
// A libpq connection for short queries off the network thread (the catalog's, the authorizer's), driven with libpq's non-blocking calls and poll() so that every connect
// and query ends by a client-side deadline whatever the server (or a half-open TCP peer that acknowledges
// but never answers) does, and so that shutdown interrupts it at once: poll() also watches a wake fd.
// Blocking libpq (PQconnectdb, PQexec) would wait for the kernel to give up on the socket, ~15 minutes.
//
// One libpq call still blocks: resolving a host *name* in PQconnectStart (getaddrinfo). An IP address in
// DB_HOST avoids it.

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <libpq-fe.h>

namespace walcast {

struct PgConnectionSettings {
	std::string host;
	std::string port;
	std::string dbname;
	std::string user;
	std::string password;
	// Any further libpq keyword/value pairs (sslmode, ...), given after ours so they can override them.
	std::vector<std::pair<std::string, std::string>> extra;
	// The client-side deadline of one connect + query; 3/4 of it is the server-side statement_timeout.
	std::chrono::milliseconds timeout{5000};
};

class PgConnection {
public:
	using Clock = std::chrono::steady_clock;

	enum class Status {
		ok,              // the query answered (result holds its rows)
		rejected,        // the server answered with an error (e.g. statement_timeout); connection kept
		connect_failed,  // no connection could be made (refused, authentication, ...)
		lost,            // an established connection broke during the query
		timed_out,       // the deadline passed; the connection was dropped
		stopped,         // the wake fd fired (shutdown); the connection was dropped
	};
	struct ResultDeleter {
		void operator()(PGresult* r) const { PQclear(r); }
	};
	using Result = std::unique_ptr<PGresult, ResultDeleter>;
	struct Outcome {
		Status status = Status::ok;
		std::string error;  // one line, when status != ok
		Result result;      // when ok
	};

	// `wake_fd` is polled alongside the socket: once readable, every wait returns `stopped`.
	PgConnection(PgConnectionSettings settings, int wake_fd);
	~PgConnection();
	PgConnection(const PgConnection&) = delete;
	PgConnection& operator=(const PgConnection&) = delete;

	// Connects unless connected. ok or connect_failed/timed_out/stopped.
	Outcome Connect(Clock::time_point deadline);
	// Connects if needed, then runs one parameterized query.
	Outcome Query(const char* sql, const std::vector<std::string>& params, Clock::time_point deadline);
	bool connected() const { return conn_ != nullptr; }
	void Reset();

private:
	enum class Ready { ready, timed_out, woken, failed };
	Ready Wait(short events, Clock::time_point deadline);
	Outcome Fail(Status status, std::string error);
	std::string TimeoutText(const char* what) const;

	PgConnectionSettings settings_;
	int wake_fd_;
	PGconn* conn_ = nullptr;
};

}  // namespace walcast
