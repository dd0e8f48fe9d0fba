#pragma once
// The one statement PgAuthorizer sends per question, and the reading of its answer. walcast.check_access()
// (extension 0.3.0, sql/) does the work in the database: probe rows, SET ROLE, claims, the policy and privilege
// checks, and a rollback of all of it; this file only turns an AccessKey into its parameters and its rows
// back into an AccessResult. Kept apart from the worker so it can be read (and tested) on its own.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <libpq-fe.h>

#include "auth/access_key.hpp"
#include "auth/authorizer.hpp"

namespace walcast::auth {

// $1 topic, $2 role, $3 claims, $4 checks, $5 table schemas, $6 table names.
extern const char* const kCheckAccessSql;

struct AccessQuery {
	std::vector<std::string> params;  // $1..$6 as text
	std::vector<unsigned> checks;     // the TopicRight of each topic row, in the order asked
	std::vector<std::string> check_names;  // and its name in walcast.check_access()
	// For each table row, the index of its table in the key; tables that cannot exist (a NUL byte in the name)
	// are not asked and stay false.
	std::vector<std::size_t> tables;
	std::size_t table_count = 0;  // tables in the key
};

// The query for `key`, or nullopt with `error` set when it cannot be asked (a NUL byte in the role, topic or
// claims: libpq would cut the parameter there and ask another question).
std::optional<AccessQuery> BuildAccessQuery(const AccessKey& key, std::string& error);

// The rows of walcast.check_access() as an answer; ok=false when they are not the rows asked for.
AccessResult DecodeAccessAnswer(const PGresult* result, const AccessQuery& query);

// A text[] literal holding exactly these strings (each one quoted, so commas, braces, quotes, backslashes,
// spaces and NULL-looking words are data).
std::string ArrayLiteral(const std::vector<std::string>& items);

// A server error as PgConnection gives it ("ERROR: message DETAIL: ... HINT: ... CONTEXT: ...", one line)
// cut to its message, for the client; the log keeps the whole line.
std::string ServerMessage(std::string_view error);

}  // namespace walcast::auth
