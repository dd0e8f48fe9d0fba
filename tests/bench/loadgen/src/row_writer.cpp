#include "row_writer.hpp"

#include <sys/prctl.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "clock.hpp"

namespace loadgen {

namespace {

std::string QuoteIdent(const std::string& name) {
	std::string out = "\"";
	for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
	return out + "\"";
}

}  // namespace

RowWriter::RowWriter(const std::string& conninfo, const std::string& table, int body_bytes)
    : body_(std::size_t(std::max(0, body_bytes)), 'x') {
	conn_ = PQconnectdb(conninfo.c_str());
	if (PQstatus(conn_) != CONNECTION_OK) {
		std::string message = PQerrorMessage(conn_);
		PQfinish(conn_);
		conn_ = nullptr;
		throw std::runtime_error("writer connection: " + message);
	}
	const std::string sql = "INSERT INTO " + QuoteIdent(table) +
	                        " (seq, sent_ns, body) SELECT g, $2::int8, $3::text FROM generate_series($1::int8, $4::int8) g";
	PGresult* res = PQprepare(conn_, "ins", sql.c_str(), 4, nullptr);
	const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	std::string message = PQresultErrorMessage(res);
	PQclear(res);
	if (!ok) throw std::runtime_error("prepare: " + message);
	// The writer sleeps to a schedule of 100 µs gaps at 10k rows/s; the default 50 µs timer slack would
	// bunch them.
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
}

RowWriter::~RowWriter() {
	if (conn_) PQfinish(conn_);
}

std::int64_t RowWriter::Insert(std::int64_t first, std::int64_t last) {
	const std::string a = std::to_string(first), d = std::to_string(last);
	const std::int64_t stamp = MonotonicNs();
	const std::string b = std::to_string(stamp);
	const char* params[4] = {a.c_str(), b.c_str(), body_.c_str(), d.c_str()};
	PGresult* res = PQexecPrepared(conn_, "ins", 4, params, nullptr, nullptr, 0);
	const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	std::string message = PQresultErrorMessage(res);
	PQclear(res);
	if (!ok) throw std::runtime_error("insert: " + message);
	return stamp;
}

WriteReport RowWriter::WriteAtRate(std::int64_t first_seq, std::int64_t rows, double rate, std::int64_t max_batch) {
	WriteReport report;
	const std::int64_t start = MonotonicNs();
	const double gap_ns = 1e9 / rate;
	std::int64_t sent = 0;
	while (sent < rows) {
		const std::int64_t due = start + std::int64_t(std::llround(double(sent) * gap_ns));
		if (MonotonicNs() < due) SleepUntilNs(due);
		// Every row whose time has come goes now.
		const std::int64_t elapsed = MonotonicNs() - start;
		std::int64_t n = std::int64_t(double(elapsed) / gap_ns) + 1 - sent;
		n = std::clamp<std::int64_t>(n, 1, std::min(max_batch, rows - sent));
		const std::int64_t stamp = Insert(first_seq + sent, first_seq + sent + n - 1);
		report.commit_latency.Add(MonotonicNs() - stamp);
		if (report.transactions == 0) report.first_sent_ns = stamp;
		report.last_sent_ns = stamp;
		++report.transactions;
		sent += n;
	}
	report.rows = sent;
	report.end_ns = MonotonicNs();
	return report;
}

std::int64_t RowWriter::WriteFlatOut(std::int64_t first_seq, double seconds) {
	const std::int64_t end = MonotonicNs() + std::int64_t(seconds * 1e9);
	std::int64_t n = 0;
	while (MonotonicNs() < end) {
		Insert(first_seq + n, first_seq + n);
		++n;
	}
	return n;
}

int RowWriter::BackendPid() const { return PQbackendPID(conn_); }

}  // namespace loadgen
