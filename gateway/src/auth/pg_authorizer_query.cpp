#include "auth/pg_authorizer_query.hpp"

#include <array>
#include <cstring>

namespace walcast::auth {

const char* const kCheckAccessSql =
    "SELECT kind, name, allowed FROM walcast.check_access($1, $2, $3, $4::text[], $5::text[], $6::text[])";

namespace {

struct CheckName {
	unsigned right;
	const char* name;  // as walcast.check_access() names it
};
constexpr std::array<CheckName, 4> kChecks{{
    {kReadBroadcast, "read_broadcast"},
    {kReadPresence, "read_presence"},
    {kWriteBroadcast, "write_broadcast"},
    {kWritePresence, "write_presence"},
}};

bool HasNul(const std::string& s) { return s.find('\0') != std::string::npos; }

AccessResult Unexpected(const std::string& why) {
	AccessResult r;
	r.ok = false;
	r.error = "unexpected answer from walcast.check_access() (" + why +
	          "); is the walcast extension at version 0.3.0 or later?";
	return r;
}

}  // namespace

std::string ArrayLiteral(const std::vector<std::string>& items) {
	std::string out = "{";
	for (std::size_t i = 0; i < items.size(); ++i) {
		if (i) out += ',';
		out += '"';
		for (char c : items[i]) {
			if (c == '"' || c == '\\') out += '\\';
			out += c;
		}
		out += '"';
	}
	out += '}';
	return out;
}

std::optional<AccessQuery> BuildAccessQuery(const AccessKey& key, std::string& error) {
	if (key.role.empty()) {
		error = "the token has no role to check access with";
		return std::nullopt;
	}
	if (HasNul(key.role) || HasNul(key.topic) || HasNul(key.claims_json)) {
		error = "the role, topic or claims hold a NUL character";
		return std::nullopt;
	}
	AccessQuery q;
	std::vector<std::string> schemas, names;
	for (auto& c : kChecks)
		if (key.topic_checks & c.right) {
			q.checks.push_back(c.right);
			q.check_names.push_back(c.name);
		}
	q.table_count = key.tables.size();
	for (std::size_t i = 0; i < key.tables.size(); ++i) {
		auto& [schema, table] = key.tables[i];
		if (HasNul(schema) || HasNul(table)) continue;  // no such table can exist: false
		q.tables.push_back(i);
		schemas.push_back(schema);
		names.push_back(table);
	}
	q.params = {key.topic, key.role, key.claims_json, ArrayLiteral(q.check_names), ArrayLiteral(schemas), ArrayLiteral(names)};
	return q;
}

AccessResult DecodeAccessAnswer(const PGresult* result, const AccessQuery& query) {
	const int rows = PQntuples(result);
	if (PQnfields(result) != 3) return Unexpected(std::to_string(PQnfields(result)) + " columns");
	if (static_cast<std::size_t>(rows) != query.checks.size() + query.tables.size())
		return Unexpected(std::to_string(rows) + " rows for " + std::to_string(query.checks.size()) + " checks and " +
		                  std::to_string(query.tables.size()) + " tables");
	AccessResult out;
	out.table_select.assign(query.table_count, false);
	for (int i = 0; i < rows; ++i) {
		const std::string_view kind = PQgetvalue(result, i, 0);
		const bool allowed = !PQgetisnull(result, i, 2) && std::strcmp(PQgetvalue(result, i, 2), "t") == 0;
		const auto row = static_cast<std::size_t>(i);
		if (row < query.checks.size()) {
			if (kind != "topic" || query.check_names[row] != PQgetvalue(result, i, 1))
				return Unexpected("row " + std::to_string(i) + " is not the check " + query.check_names[row]);
			if (allowed) out.topic_allowed |= query.checks[row];
		} else {
			if (kind != "table") return Unexpected("row " + std::to_string(i) + " is not a table check");
			out.table_select[query.tables[row - query.checks.size()]] = allowed;
		}
	}
	return out;
}

std::string ServerMessage(std::string_view error) {
	if (error.substr(0, 7) == "ERROR: ") error.remove_prefix(7);
	std::size_t cut = error.size();
	for (const char* field : {" DETAIL: ", " HINT: ", " CONTEXT: ", " LINE "})
		if (auto at = error.find(field); at != std::string_view::npos && at < cut) cut = at;
	return std::string(error.substr(0, cut));
}

}  // namespace walcast::auth
