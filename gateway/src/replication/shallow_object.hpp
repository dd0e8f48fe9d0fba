#pragma once
// The top-level members of a JSON object too deep to parse whole, each parsed on its own.
//
// The gateway parses plugin objects with a depth limit (destroying a parsed value recurses once per level), and
// a json or jsonb column can be nested deeper than that. Dropping such a change would lose it for every
// subscriber of its table; instead its routing members (type, schema, table, columns, errors, ...) are kept and
// only the members too deep to parse (usually "record") are left out, so it still reaches subscribers whose
// bindings need no filter, with the plugin's bytes unchanged.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace walcast::replication {

// Splits `payload`, a JSON object, into its members without recursion and parses each value with `max_depth`
// (counting the object itself as one level). Members whose value is deeper are left out and their keys appended
// to `left_out`. nullopt when `payload` is not a well-formed object.
std::optional<boost::json::object> ParseTopLevelMembers(std::string_view payload, std::size_t max_depth,
                                                        std::vector<std::string>& left_out);

}  // namespace walcast::replication
