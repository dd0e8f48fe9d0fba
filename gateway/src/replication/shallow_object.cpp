#include "replication/shallow_object.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/string.hpp>

namespace walcast::replication {

namespace {

constexpr std::size_t kNotFound = std::string_view::npos;

std::size_t SkipSpace(std::string_view s, std::size_t i) {
	while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
	return i;
}

// `i` is at an opening quote; returns the index just past the closing one.
std::size_t SkipString(std::string_view s, std::size_t i) {
	for (++i; i < s.size(); ++i) {
		if (s[i] == '\\') ++i;
		else if (s[i] == '"') return i + 1;
	}
	return kNotFound;
}

// `i` is at the start of a value; returns the index just past it. Containers are skipped by counting brackets
// outside strings, so any depth costs no stack.
std::size_t SkipValue(std::string_view s, std::size_t i) {
	if (i >= s.size()) return kNotFound;
	if (s[i] == '"') return SkipString(s, i);
	if (s[i] != '[' && s[i] != '{') {
		while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\t' &&
		       s[i] != '\n' && s[i] != '\r')
			++i;
		return i;
	}
	std::size_t depth = 0;
	while (i < s.size()) {
		const char c = s[i];
		if (c == '"') {
			i = SkipString(s, i);
			if (i == kNotFound) return kNotFound;
			continue;
		}
		if (c == '[' || c == '{') ++depth;
		else if (c == ']' || c == '}') --depth;
		++i;
		if (depth == 0) return i;
	}
	return kNotFound;
}

}  // namespace

std::optional<boost::json::object> ParseTopLevelMembers(std::string_view payload, std::size_t max_depth,
                                                        std::vector<std::string>& left_out) {
	boost::json::parse_options options;
	options.max_depth = max_depth > 1 ? max_depth - 1 : 1;  // the object around each value is one level
	boost::json::object result;
	std::size_t i = SkipSpace(payload, 0);
	if (i >= payload.size() || payload[i] != '{') return std::nullopt;
	i = SkipSpace(payload, i + 1);
	if (i < payload.size() && payload[i] == '}') {
		if (SkipSpace(payload, i + 1) == payload.size()) return result;
		return std::nullopt;  // text after the empty object
	}
	while (true) {
		if (i >= payload.size() || payload[i] != '"') return std::nullopt;
		const std::size_t key_end = SkipString(payload, i);
		if (key_end == kNotFound) return std::nullopt;
		boost::system::error_code ec;
		boost::json::value key = boost::json::parse(payload.substr(i, key_end - i), ec);
		if (ec || !key.is_string()) return std::nullopt;
		i = SkipSpace(payload, key_end);
		if (i >= payload.size() || payload[i] != ':') return std::nullopt;
		const std::size_t value_start = SkipSpace(payload, i + 1);
		const std::size_t value_end = SkipValue(payload, value_start);
		if (value_end == kNotFound || value_end == value_start) return std::nullopt;
		boost::json::value value = boost::json::parse(payload.substr(value_start, value_end - value_start), ec, {},
		                                              options);
		if (ec == boost::json::error::too_deep) left_out.emplace_back(key.get_string());
		else if (ec) return std::nullopt;
		else result[key.get_string()] = std::move(value);
		i = SkipSpace(payload, value_end);
		if (i < payload.size() && payload[i] == ',') {
			i = SkipSpace(payload, i + 1);
			continue;
		}
		if (i < payload.size() && payload[i] == '}' && SkipSpace(payload, i + 1) == payload.size()) return result;
		return std::nullopt;
	}
}

}  // namespace walcast::replication
