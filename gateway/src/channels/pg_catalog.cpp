#include "channels/pg_catalog.hpp"

#include <memory>

#include <libpq-fe.h>

#include "core/log.hpp"

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

struct ResultDeleter {
	void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

std::string Trimmed(const char* message) {
	std::string text = message ? message : "";
	while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
	return text;
}

}  // namespace

// One libpq connection, (re)opened on demand by the worker thread.
class PgCatalog::Connection {
public:
	explicit Connection(const PgCatalogSettings& settings) : settings_(settings) {}
	~Connection() { Reset(); }

	// nullptr with `error` set when the server cannot be reached.
	PGconn* Get(std::string& error) {
		if (conn_ && PQstatus(conn_) == CONNECTION_OK) return conn_;
		Reset();
		std::vector<std::pair<std::string, std::string>> params;
		auto add = [&](const char* key, const std::string& value) {
			if (!value.empty()) params.emplace_back(key, value);
		};
		add("host", settings_.host);
		add("port", settings_.port);
		add("dbname", settings_.dbname);
		add("user", settings_.user);
		add("password", settings_.password);
		bool has_timeout = false;
		for (auto& kv : settings_.extra) {
			params.push_back(kv);
			has_timeout |= kv.first == "connect_timeout";
		}
		if (!has_timeout) params.emplace_back("connect_timeout", "5");
		params.emplace_back("application_name", "walcast-gateway catalog");
		std::vector<const char*> keys, values;
		for (auto& [k, v] : params) {
			keys.push_back(k.c_str());
			values.push_back(v.c_str());
		}
		keys.push_back(nullptr);
		values.push_back(nullptr);
		conn_ = PQconnectdbParams(keys.data(), values.data(), 0);
		if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
			error = conn_ ? Trimmed(PQerrorMessage(conn_)) : "out of memory";
			Reset();
			return nullptr;
		}
		return conn_;
	}

	void Reset() {
		if (conn_) PQfinish(conn_);
		conn_ = nullptr;
	}

private:
	const PgCatalogSettings& settings_;
	PGconn* conn_ = nullptr;
};

PgCatalog::PgCatalog(PgCatalogSettings settings, Post post)
    : settings_(std::move(settings)), post_(std::move(post)), worker_([this] { Run(); }) {}

PgCatalog::~PgCatalog() {
	{
		std::lock_guard lock(mutex_);
		stopping_ = true;
		jobs_.clear();
	}
	wake_.notify_all();
	worker_.join();
}

void PgCatalog::Lookup(std::string schema, std::string table, Callback done) {
	{
		std::lock_guard lock(mutex_);
		jobs_.push_back(Job{std::move(schema), std::move(table), std::move(done)});
	}
	wake_.notify_one();
}

void PgCatalog::Run() {
	Connection conn(settings_);
	for (;;) {
		Job job;
		{
			std::unique_lock lock(mutex_);
			wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
			if (stopping_) return;
			job = std::move(jobs_.front());
			jobs_.pop_front();
		}
		auto key = std::make_pair(job.schema, job.table);
		auto now = std::chrono::steady_clock::now();
		CatalogResult result;
		auto cached = cache_.find(key);
		if (cached != cache_.end() && now - cached->second.at < settings_.cache_ttl) {
			result = cached->second.result;
		} else if (!unreachable_error_.empty() && now - unreachable_at_ < settings_.unreachable_ttl) {
			result = CatalogResult{false, unreachable_error_, {}};
		} else {
			result = Answer(conn, job.schema, job.table);
			if (result.ok) cache_[key] = CacheEntry{now, result};  // failures are retried on the next join
		}
		post_([done = std::move(job.done), result = std::move(result)]() mutable { done(std::move(result)); });
	}
}

CatalogResult PgCatalog::Answer(Connection& conn, const std::string& schema, const std::string& table) {
	CatalogResult out;
	// One retry: a connection that died since the last lookup fails the first query, not the reconnect.
	for (int attempt = 0; attempt < 2; ++attempt) {
		std::string error;
		PGconn* pg = conn.Get(error);
		if (!pg) {
			out.ok = false;
			out.error = error;
			unreachable_error_ = error;
			unreachable_at_ = std::chrono::steady_clock::now();
			WALCAST_LOG(warn, "catalog", "cannot reach the database: " << error);
			return out;
		}
		const char* params[] = {settings_.publication.c_str(), schema.c_str(), table.c_str()};
		Result res(PQexecParams(pg, kQuery, 3, nullptr, params, nullptr, nullptr, 0));
		if (res && PQresultStatus(res.get()) == PGRES_TUPLES_OK) {
			out = CatalogResult{};  // a failed first attempt must not leak into the answer
			unreachable_error_.clear();
			int rows = PQntuples(res.get());
			for (int i = 0; i < rows; ++i) {
				std::string s = PQgetvalue(res.get(), i, 0), t = PQgetvalue(res.get(), i, 1);
				if (out.tables.empty() || out.tables.back().schema != s || out.tables.back().table != t)
					out.tables.push_back(CatalogTable{s, t, {}});
				if (!PQgetisnull(res.get(), i, 2))
					out.tables.back().columns.push_back(CatalogColumn{PQgetvalue(res.get(), i, 2), PQgetvalue(res.get(), i, 3)});
			}
			return out;
		}
		error = Trimmed(res ? PQresultErrorMessage(res.get()) : PQerrorMessage(pg));
		if (PQstatus(pg) == CONNECTION_OK) {
			out.ok = false;
			out.error = error;
			WALCAST_LOG(warn, "catalog", "catalog query failed: " << error);
			return out;
		}
		conn.Reset();
		out.ok = false;
		out.error = error;
	}
	WALCAST_LOG(warn, "catalog", "catalog query failed: " << out.error);
	return out;
}

}  // namespace walcast::channels
