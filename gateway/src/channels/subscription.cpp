#include "channels/subscription.hpp"

#include <algorithm>
#include <cctype>

#include <boost/json/serialize.hpp>

#include "channels/phoenix_codec.hpp"
#include "channels/typed_value.hpp"

namespace walcast::channels {

namespace json = boost::json;

namespace {

// Key-order independent text of a JSON value, so {"a":1,"b":2} and {"b":2,"a":1} hash alike.
void Canonical(const json::value& value, std::string& out) {
	if (auto* obj = value.if_object()) {
		std::vector<std::pair<std::string_view, const json::value*>> items;
		for (auto& kv : *obj) items.emplace_back(kv.key(), &kv.value());
		std::sort(items.begin(), items.end(), [](auto& a, auto& b) { return a.first < b.first; });
		out.push_back('{');
		for (std::size_t i = 0; i < items.size(); ++i) {
			if (i) out.push_back(',');
			out += QuoteJson(items[i].first);
			out.push_back(':');
			Canonical(*items[i].second, out);
		}
		out.push_back('}');
	} else if (auto* arr = value.if_array()) {
		out.push_back('[');
		for (std::size_t i = 0; i < arr->size(); ++i) {
			if (i) out.push_back(',');
			Canonical((*arr)[i], out);
		}
		out.push_back(']');
	} else {
		out += json::serialize(value);
	}
}

std::string Upper(std::string_view text) {
	std::string out(text);
	for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
	return out;
}

void SetEvent(PostgresBinding& b, std::string_view event) {
	auto upper = Upper(event);
	unsigned bit = EventBit(upper);
	// Anything but INSERT/UPDATE/DELETE means every event, as the original server does.
	if (bit == kInsert || bit == kUpdate || bit == kDelete) {
		b.event = upper;
		b.events = bit;
	} else {
		b.event = "*";
		b.events = kAnyEvent;
	}
}

bool SetFilter(PostgresBinding& b, std::string_view text, const FilterLimits& limits, std::string& error) {
	auto filter = ParseFilter(text, error, limits);
	if (!filter) return false;
	b.filter = std::move(*filter);
	b.filter_text = std::string(text);
	return true;
}

}  // namespace

std::string PostgresBinding::Describe() const {
	return "[event: " + event + ", schema: " + schema + ", table: " + table + ", filters: " + DescribeFilters(filter) +
	       "]";
}

unsigned EventBit(std::string_view type) {
	if (type == "INSERT") return kInsert;
	if (type == "UPDATE") return kUpdate;
	if (type == "DELETE") return kDelete;
	if (type == "TRUNCATE") return kTruncate;
	return 0;
}

bool PatternMatches(std::string_view pattern, std::string_view name) { return pattern == "*" || pattern == name; }

std::int64_t BindingId(const json::object& entry) {
	std::string text;
	Canonical(entry, text);
	std::uint64_t hash = 14695981039346656037ull;  // FNV-1a 64
	for (unsigned char c : text) {
		hash ^= c;
		hash *= 1099511628211ull;
	}
	constexpr std::uint64_t kMax = (1u << 27) - 1;  // the range of the original server's phash2 ids
	return static_cast<std::int64_t>(hash % kMax + 1);
}

std::optional<PostgresBinding> ParseBindingEntry(const json::object& entry, std::string& error,
                                                 const FilterLimits& limits) {
	PostgresBinding b;
	b.id = BindingId(entry);
	if (auto* event = entry.if_contains("event"); event && event->is_string()) SetEvent(b, event->get_string());
	// Present means present and not null; a present non-string makes the params unusable.
	auto field = [&](const char* key, const json::string*& out) {
		auto* v = entry.if_contains(key);
		out = nullptr;
		if (!v || v->is_null()) return true;
		out = v->if_string();
		return out != nullptr;
	};
	const json::string *schema = nullptr, *table = nullptr, *filter = nullptr;
	bool types_ok = field("schema", schema) & field("table", table) & field("filter", filter);
	if (!types_ok || (!schema && !table)) {
		error = "No subscription params provided. Please provide at least a `schema` or `table` to subscribe to: " +
		        json::serialize(entry);
		return std::nullopt;
	}
	b.schema = schema ? std::string(*schema) : "public";
	b.table = table ? std::string(*table) : "*";
	if (b.schema.empty() || b.table.empty()) {
		error = "No subscription params provided. Please provide at least a `schema` or `table` to subscribe to: " +
		        json::serialize(entry);
		return std::nullopt;
	}
	if (filter && !SetFilter(b, *filter, limits, error)) return std::nullopt;
	return b;
}

std::optional<PostgresBinding> ParseLegacyTopic(std::string_view subtopic, std::string& error,
                                                const FilterLimits& limits) {
	PostgresBinding b;
	b.id = 0;
	// At most three parts: the filter itself may contain ':' (timestamps).
	std::vector<std::string_view> parts;
	std::string_view rest = subtopic;
	while (parts.size() < 2) {
		auto colon = rest.find(':');
		if (colon == std::string_view::npos) break;
		parts.push_back(rest.substr(0, colon));
		rest.remove_prefix(colon + 1);
	}
	parts.push_back(rest);
	b.schema = std::string(parts[0]);
	if (parts.size() > 1) b.table = std::string(parts[1]);
	if (b.schema.empty() || b.table.empty()) {
		error = "invalid topic: expected schema[:table[:filter]], got " + std::string(subtopic);
		return std::nullopt;
	}
	if (parts.size() > 2 && !SetFilter(b, parts[2], limits, error)) return std::nullopt;
	return b;
}

std::string ValidateBinding(const PostgresBinding& binding, const std::vector<CatalogTable>& tables) {
	bool any = false;
	for (auto& t : tables) {
		if (!PatternMatches(binding.schema, t.schema) || !PatternMatches(binding.table, t.table)) continue;
		any = true;
		for (auto& c : binding.filter.conditions) {
			auto column = std::find_if(t.columns.begin(), t.columns.end(), [&](auto& col) { return col.name == c.column; });
			if (column == t.columns.end()) return "invalid column for filter " + c.column;
			TypeClass type = ClassifyType(column->type);
			std::vector<const Literal*> literals;
			for (auto& v : c.values) literals.push_back(&v);
			if (c.op != FilterOp::In && c.op != FilterOp::Is && c.op != FilterOp::Like && c.op != FilterOp::Ilike)
				literals.push_back(&c.value);
			for (auto* literal : literals) {
				if (!LiteralFits(type, literal->text))
					return "invalid input syntax for type " + column->type + ": " + QuoteJson(literal->text) +
					       " (filter on column " + c.column + ")";
			}
		}
	}
	if (!any) {
		return "Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given "
		       "connect parameters: " +
		       binding.Describe();
	}
	return {};
}

}  // namespace walcast::channels
