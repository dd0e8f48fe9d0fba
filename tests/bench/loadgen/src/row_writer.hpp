#pragma once
// Writes benchmark rows over one libpq connection: INSERT (seq, sent_ns, body), each statement its own
// transaction, `sent_ns` taken on the shared monotonic clock just before the statement that commits is sent.

#include <libpq-fe.h>

#include <cstdint>
#include <string>

#include "histogram.hpp"

namespace loadgen {

struct WriteReport {
	std::int64_t rows = 0, transactions = 0;
	std::int64_t first_sent_ns = 0, last_sent_ns = 0, end_ns = 0;
	Histogram commit_latency;  // send to result, per transaction
	double Seconds() const { return double(end_ns - first_sent_ns) / 1e9; }
};

class RowWriter {
public:
	// Connects and prepares; throws std::runtime_error with libpq's message.
	RowWriter(const std::string& conninfo, const std::string& table, int body_bytes);
	~RowWriter();
	RowWriter(const RowWriter&) = delete;
	RowWriter& operator=(const RowWriter&) = delete;

	// Inserts rows first..last (inclusive) in one transaction, all stamped now; returns the stamp.
	std::int64_t Insert(std::int64_t first, std::int64_t last);
	// `rows` rows from `first_seq` on at `rate` rows/s: a row is sent when its time comes; rows that are
	// overdue (the previous commit took longer than the gap) go together in the next transaction, at most
	// `max_batch` of them, so the offered rate holds as long as Postgres can commit at all.
	WriteReport WriteAtRate(std::int64_t first_seq, std::int64_t rows, double rate, std::int64_t max_batch);
	// Single-row transactions back to back for `seconds`; returns the number committed.
	std::int64_t WriteFlatOut(std::int64_t first_seq, double seconds);
	int BackendPid() const;

private:
	PGconn* conn_ = nullptr;
	std::string body_;
};

}  // namespace loadgen
