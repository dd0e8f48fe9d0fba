#include "channels/filter.hpp"

#include <cctype>

#include "channels/phoenix_codec.hpp"
#include "channels/typed_value.hpp"

namespace walcast::channels {

namespace json = boost::json;

namespace {

struct OpName {
	std::string_view name;
	FilterOp op;
};
constexpr OpName kOps[] = {
	{"eq", FilterOp::Eq},       {"neq", FilterOp::Neq},     {"lt", FilterOp::Lt},
	{"lte", FilterOp::Lte},     {"gt", FilterOp::Gt},       {"gte", FilterOp::Gte},
	{"in", FilterOp::In},       {"like", FilterOp::Like},   {"ilike", FilterOp::Ilike},
	{"is", FilterOp::Is},       {"isdistinct", FilterOp::IsDistinct},
};

std::string_view Trim(std::string_view text) {
	while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
	while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
	return text;
}

// The original server splits a filter on "=" and "." into at most three parts and prints that list when
// it does not make sense; we print the same so users recognise the message.
std::string ParseError(std::string_view condition) {
	std::vector<std::string_view> parts;
	std::string_view rest = condition;
	while (parts.size() < 2) {
		auto at = rest.find_first_of("=.");
		if (at == std::string_view::npos) break;
		parts.push_back(rest.substr(0, at));
		rest.remove_prefix(at + 1);
	}
	parts.push_back(rest);
	std::string out = "Error parsing `filter` params: [";
	for (std::size_t i = 0; i < parts.size(); ++i) {
		if (i) out += ", ";
		out += QuoteJson(parts[i]);
	}
	return out + "]";
}

// Splits on commas outside quotes and parentheses.
std::vector<std::string_view> SplitTopLevel(std::string_view text, char separator) {
	std::vector<std::string_view> parts;
	int depth = 0;
	bool quoted = false;
	std::size_t start = 0;
	for (std::size_t i = 0; i < text.size(); ++i) {
		char c = text[i];
		if (quoted) {
			if (c == '\\') ++i;
			else if (c == '"') quoted = false;
		} else if (c == '"') {
			quoted = true;
		} else if (c == '(') {
			++depth;
		} else if (c == ')') {
			if (depth > 0) --depth;
		} else if (c == separator && depth == 0) {
			parts.push_back(text.substr(start, i - start));
			start = i + 1;
		}
	}
	parts.push_back(text.substr(start));
	return parts;
}

std::optional<FilterOp> LookupOp(std::string_view name) {
	for (auto& entry : kOps)
		if (entry.name == name) return entry.op;
	return std::nullopt;
}

// Does this piece start a new condition ("col=op." or "col=not.op.")? If not, a comma belonged to the
// previous value (single-condition filters from older clients may carry unquoted commas).
bool StartsCondition(std::string_view piece) {
	auto eq = piece.find('=');
	if (eq == std::string_view::npos || Trim(piece.substr(0, eq)).empty()) return false;
	auto rest = piece.substr(eq + 1);
	if (rest.substr(0, 4) == "not.") rest.remove_prefix(4);
	auto dot = rest.find('.');
	return dot != std::string_view::npos && LookupOp(rest.substr(0, dot)).has_value();
}

// "quoted \"value\"" -> quoted "value"; anything else unchanged.
std::string Unquote(std::string_view text) {
	if (text.size() < 2 || text.front() != '"' || text.back() != '"') return std::string(text);
	std::string out;
	for (std::size_t i = 1; i + 1 < text.size(); ++i) {
		if (text[i] == '\\' && i + 2 < text.size()) ++i;
		out.push_back(text[i]);
	}
	return out;
}

// "... Maximum N (SETTING)", worded like the original server's "too many values for `in` filter. Maximum 100".
std::string OverLimit(const std::string& what, std::size_t max, const char* setting) {
	return what + ". Maximum " + std::to_string(max) + " (" + setting + ")";
}

bool ParseCondition(std::string_view text, const FilterLimits& limits, FilterCondition& out, std::string& error) {
	auto eq = text.find('=');
	if (eq == std::string_view::npos || Trim(text.substr(0, eq)).empty()) {
		error = ParseError(text);
		return false;
	}
	out.column = std::string(Trim(text.substr(0, eq)));
	auto rest = text.substr(eq + 1);
	if (rest.substr(0, 4) == "not.") {
		out.negate = true;
		rest.remove_prefix(4);
	}
	auto dot = rest.find('.');
	auto op = dot == std::string_view::npos ? std::nullopt : LookupOp(rest.substr(0, dot));
	if (!op) {
		error = ParseError(text);
		return false;
	}
	out.op = *op;
	auto value = rest.substr(dot + 1);
	switch (out.op) {
		case FilterOp::In: {
			if (value.size() < 2 || value.front() != '(' || value.back() != ')') {
				error = "Error parsing `filter` params: `in` filter value must be wrapped by parentheses";
				return false;
			}
			auto inner = value.substr(1, value.size() - 2);
			if (!Trim(inner).empty()) {
				for (auto item : SplitTopLevel(inner, ',')) out.values.push_back(MakeLiteral(Unquote(Trim(item))));
			}
			if (out.values.size() > kMaxInValues) {
				error = "too many values for `in` filter. Maximum " + std::to_string(kMaxInValues);
				return false;
			}
			return true;
		}
		case FilterOp::Is: {
			std::string v(Trim(value));
			for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
			if (v == "null") out.is_value = IsValue::Null;
			else if (v == "not_null") out.is_value = IsValue::NotNull;
			else if (v == "true") out.is_value = IsValue::True;
			else if (v == "false") out.is_value = IsValue::False;
			else if (v == "unknown") out.is_value = IsValue::Unknown;
			else {
				error = "Error parsing `filter` params: `is` accepts null, not_null, true, false or unknown, not " +
				        QuoteJson(value);
				return false;
			}
			return true;
		}
		case FilterOp::Like:
		case FilterOp::Ilike: {
			auto pattern = Unquote(value);
			if (pattern.size() > limits.max_like_pattern_bytes) {
				error = OverLimit("`" + std::string(FilterOpName(out.op)) + "` pattern too long: " +
				                      std::to_string(pattern.size()) + " bytes",
				                  limits.max_like_pattern_bytes, "MAX_LIKE_PATTERN_BYTES");
				return false;
			}
			out.like = LikePattern(pattern, out.op == FilterOp::Ilike);
			out.value = MakeLiteral(std::move(pattern));
			return true;
		}
		default: out.value = MakeLiteral(Unquote(value)); return true;
	}
}

const json::value* ColumnType(const json::array* columns, std::string_view name) {
	if (!columns) return nullptr;
	for (auto& column : *columns) {
		auto* obj = column.if_object();
		if (!obj) continue;
		auto* n = obj->if_contains("name");
		if (n && n->is_string() && n->get_string() == name) return obj->if_contains("type");
	}
	return nullptr;
}

std::optional<bool> Truth(const FilterCondition& c, TypeClass type, const json::value& v) {
	auto compare = [&](const Literal& literal) { return CompareTyped(type, v, literal); };
	auto ordered = [&](auto predicate) -> std::optional<bool> {
		auto r = compare(c.value);
		if (!r) return std::nullopt;
		return predicate(*r);
	};
	switch (c.op) {
		case FilterOp::Eq: return ordered([](int r) { return r == 0; });
		case FilterOp::Neq: return ordered([](int r) { return r != 0; });
		case FilterOp::Lt: return ordered([](int r) { return r < 0; });
		case FilterOp::Lte: return ordered([](int r) { return r <= 0; });
		case FilterOp::Gt: return ordered([](int r) { return r > 0; });
		case FilterOp::Gte: return ordered([](int r) { return r >= 0; });
		case FilterOp::IsDistinct: {
			if (v.is_null()) return true;
			auto r = compare(c.value);
			return !r || *r != 0;
		}
		case FilterOp::In: {
			if (v.is_null()) return std::nullopt;
			bool unknown = false;
			for (auto& literal : c.values) {
				auto r = compare(literal);
				if (!r) unknown = true;
				else if (*r == 0) return true;
			}
			if (unknown) return std::nullopt;
			return false;
		}
		case FilterOp::Like:
		case FilterOp::Ilike: {
			if (v.is_null()) return std::nullopt;
			auto like = [&](std::string_view text) {
				return c.like ? c.like->Matches(text) : LikeMatch(text, c.value.text, c.op == FilterOp::Ilike);
			};
			if (auto* s = v.if_string()) return like(*s);
			return like(RenderText(v));
		}
		case FilterOp::Is: {
			// IS never yields NULL.
			std::optional<bool> b;
			if (auto* pb = v.if_bool()) b = *pb;
			else if (auto* s = v.if_string(); s && type == TypeClass::Boolean) b = ParseBool(*s);
			switch (c.is_value) {
				case IsValue::Null: return v.is_null();
				case IsValue::NotNull: return !v.is_null();
				case IsValue::True: return b.has_value() && *b;
				case IsValue::False: return b.has_value() && !*b;
				case IsValue::Unknown: return v.is_null();
			}
			return false;
		}
	}
	return std::nullopt;
}

}  // namespace

std::optional<Filter> ParseFilter(std::string_view text, std::string& error, const FilterLimits& limits) {
	Filter filter;
	// Checked before anything else so that parsing itself is bounded too.
	if (text.size() > limits.max_bytes) {
		error = OverLimit("filter too long: " + std::to_string(text.size()) + " bytes", limits.max_bytes,
		                  "MAX_FILTER_BYTES");
		return std::nullopt;
	}
	if (Trim(text).empty()) return filter;
	// Re-join pieces that do not start a condition: their comma was part of the previous value.
	std::vector<std::string> conditions;
	for (auto piece : SplitTopLevel(text, ',')) {
		if (!conditions.empty() && !StartsCondition(piece)) {
			conditions.back().append(",").append(piece);
		} else {
			conditions.emplace_back(piece);
		}
	}
	if (conditions.size() > limits.max_conditions) {
		error = OverLimit("too many conditions in `filter`: " + std::to_string(conditions.size()), limits.max_conditions,
		                  "MAX_FILTER_CONDITIONS");
		return std::nullopt;
	}
	for (auto& condition : conditions) {
		FilterCondition c;
		if (!ParseCondition(condition, limits, c, error)) return std::nullopt;
		filter.conditions.push_back(std::move(c));
	}
	return filter;
}

bool Filter::Matches(const json::object& row, const json::array* columns) const {
	for (auto& c : conditions) {
		auto* v = row.if_contains(c.column);
		if (!v) return false;
		const json::value* type_name = ColumnType(columns, c.column);
		TypeClass type = type_name && type_name->is_string() ? ClassifyType(type_name->get_string()) : ClassifyJson(*v);
		auto truth = Truth(c, type, *v);
		if (!truth) return false;
		if (*truth == c.negate) return false;
	}
	return true;
}

std::string_view FilterOpName(FilterOp op) {
	for (auto& entry : kOps)
		if (entry.op == op) return entry.name;
	return "?";
}

std::string DescribeFilters(const Filter& filter) {
	std::string out = "[";
	for (std::size_t i = 0; i < filter.conditions.size(); ++i) {
		auto& c = filter.conditions[i];
		if (i) out += ", ";
		std::string value = c.value.text;
		if (c.op == FilterOp::In) {
			value = "{";
			for (std::size_t j = 0; j < c.values.size(); ++j) value += (j ? "," : "") + c.values[j].text;
			value += "}";
		}
		std::string op = (c.negate ? "not." : "") + std::string(FilterOpName(c.op));
		out += "{" + QuoteJson(c.column) + ", " + QuoteJson(op) + ", " + QuoteJson(value) + "}";
	}
	return out + "]";
}

}  // namespace walcast::channels
