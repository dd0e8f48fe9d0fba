#pragma once
// Owning handles for libpq objects, so every exit path frees them.

#include <memory>

#include <libpq-fe.h>

namespace walcast::replication {

struct PgConnCloser {
	void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct PgResultClearer {
	void operator()(PGresult* result) const { PQclear(result); }
};
struct PgBufferFreer {
	void operator()(char* buffer) const { PQfreemem(buffer); }
};

using PgConnPtr = std::unique_ptr<PGconn, PgConnCloser>;
using PgResultPtr = std::unique_ptr<PGresult, PgResultClearer>;
using PgBufferPtr = std::unique_ptr<char, PgBufferFreer>;

}  // namespace walcast::replication
