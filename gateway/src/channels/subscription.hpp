#pragma once
// A postgres_changes binding: which changes one `.on('postgres_changes', {...})` of a channel wants, and
// the integer id the client matches deliveries against. Parsing of the join entries and legacy topics,
// and validation against the catalog.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "channels/catalog.hpp"
#include "channels/filter.hpp"

namespace walcast::channels {

// Change types as bits, so a binding's event filter is one AND.
enum EventBits : unsigned {
	kInsert = 1,
	kUpdate = 2,
	kDelete = 4,
	kTruncate = 8,
	kAnyEvent = kInsert | kUpdate | kDelete | kTruncate,
};

struct PostgresBinding {
	std::int64_t id = 0;        // sent to the client in the join reply; never 0
	std::string event = "*";    // as normalised: *, INSERT, UPDATE, DELETE
	unsigned events = kAnyEvent;
	std::string schema = "*";   // "*" matches any
	std::string table = "*";    // "*" matches any
	Filter filter;
	std::string filter_text;

	// [event: *, schema: public, table: users, filters: [...]] as the original server prints params.
	std::string Describe() const;
};

// The change type ("INSERT", ...) as a bit; 0 when it is not a row change.
unsigned EventBit(std::string_view type);

bool PatternMatches(std::string_view pattern, std::string_view name);

// Deterministic id for a join entry: identical entries (whatever their key order) give identical ids,
// in 1..2^27-1, never 0 (realtime-js treats 0 as "no id").
std::int64_t BindingId(const boost::json::object& entry);

// One entry of config.postgres_changes. On error returns nullopt with the client-facing message; a filter
// over `limits` is such an error.
std::optional<PostgresBinding> ParseBindingEntry(const boost::json::object& entry, std::string& error,
                                                 const FilterLimits& limits = {});

// A legacy (pre-`config`) sub-topic: "*", "schema", "schema:table", "schema:table:col=op.value".
std::optional<PostgresBinding> ParseLegacyTopic(std::string_view subtopic, std::string& error,
                                                const FilterLimits& limits = {});

// Checks a binding against the published tables the catalog found for its pattern: at least one table,
// and every filter column present (with a literal its type accepts) in each. Empty string when fine.
std::string ValidateBinding(const PostgresBinding& binding, const std::vector<CatalogTable>& tables);

}  // namespace walcast::channels
