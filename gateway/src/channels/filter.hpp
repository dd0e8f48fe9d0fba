#pragma once
// postgres_changes row filters, PostgREST style, evaluated in the gateway:
//   id=eq.1   status=in.(open,"on hold")   name=not.ilike.a*   deleted_at=is.null   id=gt.0,id=lt.100
// Comma-separated conditions are ANDed. A row matches only if every condition is true in SQL's
// three-valued sense: NULLs and columns missing from the row never match (not even under not.).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "channels/like_pattern.hpp"
#include "channels/typed_value.hpp"

namespace walcast::channels {

enum class FilterOp { Eq, Neq, Lt, Lte, Gt, Gte, In, Like, Ilike, Is, IsDistinct };

enum class IsValue { Null, NotNull, True, False, Unknown };

struct FilterCondition {
	std::string column;
	FilterOp op = FilterOp::Eq;
	bool negate = false;
	Literal value;                    // scalar operators
	std::vector<Literal> values;      // in
	IsValue is_value = IsValue::Null; // is
	std::optional<LikePattern> like;  // like, ilike: `value` compiled once here, not per change
};

struct Filter {
	std::vector<FilterCondition> conditions;  // empty: every row matches

	bool Empty() const { return conditions.empty(); }
	// `columns` is the change's [{name, type}] array (may be null: types are then inferred from the values).
	bool Matches(const boost::json::object& row, const boost::json::array* columns) const;
};

inline constexpr std::size_t kMaxInValues = 100;

// What one binding's filter may make the gateway do: a filter is parsed once at join but evaluated for
// every change of its table, on the network thread. Realtime's filters are a single condition of a few
// dozen bytes; the defaults are far above what an application writes, and bound the work per change to
// linear in the row: conditions x (column lookup + comparison over at most max_bytes of literals), and
// per like/ilike at most 9 words per byte of the column's value (like_pattern.hpp). Each is a gateway
// setting (config.cpp); the error messages name the setting.
struct FilterLimits {
	// MAX_FILTER_BYTES: the whole filter string. Room for an `in` of kMaxInValues quoted UUIDs (~4 KB)
	// four times over; parsing and each condition's comparisons are linear in it.
	std::size_t max_bytes = 16384;
	// MAX_FILTER_CONDITIONS: comma-separated (ANDed) conditions. Each looks its column up in the change.
	std::size_t max_conditions = 16;
	// MAX_LIKE_PATTERN_BYTES: one like/ilike pattern, which sets the matcher's words per text byte.
	std::size_t max_like_pattern_bytes = 256;
};

// Parses a filter string. An empty or blank string is the empty filter. On error returns nullopt and sets
// `error` to the message the client gets in the `system` error (e.g. "Error parsing `filter` params: [...]",
// or "filter too long: 20000 bytes. Maximum 16384 (MAX_FILTER_BYTES)").
std::optional<Filter> ParseFilter(std::string_view text, std::string& error, const FilterLimits& limits = {});

std::string_view FilterOpName(FilterOp op);

// [{"id", "eq", "1"}, ...] as the original server prints a subscription's filters in its error messages.
std::string DescribeFilters(const Filter& filter);

}  // namespace walcast::channels
