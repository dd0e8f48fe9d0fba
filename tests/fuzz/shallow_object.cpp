// gateway/src/replication/shallow_object: ParseTopLevelMembers, the bracket-counting splitter used for objects
// too deep for Boost.JSON. It must agree with Boost.JSON wherever Boost can parse the whole object.
//
// Input: byte 0 picks max_depth (2..65), the rest is the payload. max_depth 1 is left out: the function clamps the
// members' own limit to 1 there, so it keeps members of depth 1 (e.g. {}) that its contract would leave out; the
// gateway only ever passes 4096.
#include "replication/shallow_object.hpp"

#include "fuzz_check.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace {

namespace bj = boost::json;

// Nesting depth of a value: scalars 0, [] 1, [[]] 2. Iterative.
size_t Depth(const bj::value &root)
{
	size_t deepest = 0;
	std::vector<std::pair<const bj::value *, size_t>> todo{{&root, 0}};
	while (!todo.empty()) {
		auto [v, d] = todo.back();
		todo.pop_back();
		if (v->is_array()) {
			deepest = std::max(deepest, d + 1);
			for (const auto &e : v->get_array())
				todo.push_back({&e, d + 1});
		} else if (v->is_object()) {
			deepest = std::max(deepest, d + 1);
			for (const auto &m : v->get_object())
				todo.push_back({&m.value(), d + 1});
		}
	}
	return deepest;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const size_t max_depth = 2 + data[0] % 64;
	const std::string_view payload(reinterpret_cast<const char *>(data + 1), size - 1);

	std::vector<std::string> left_out;
	auto members = walcast::replication::ParseTopLevelMembers(payload, max_depth, left_out);

	// The reference: Boost.JSON parsing the whole payload with no practical depth limit (inputs are short).
	bj::parse_options unlimited;
	unlimited.max_depth = size + 2;
	boost::system::error_code ec;
	bj::value whole = bj::parse(payload, ec, {}, unlimited);

	if (!ec && whole.is_object()) {
		const bj::object &obj = whole.get_object();
		FUZZ_CHECK(members.has_value());
		// Every member is either parsed exactly as Boost parses it, or left out because it is too deep.
		for (const auto &m : obj) {
			const bool out = std::find(left_out.begin(), left_out.end(), std::string(m.key())) != left_out.end();
			const bool in = members->contains(m.key());
			FUZZ_CHECK(in || out);
			// A key both parsed and left out was given more than once (the plugin never does): Boost keeps the
			// last value, the splitter the last one it could parse. Nothing more to compare for it.
			if (in && out)
				continue;
			if (in)
				FUZZ_CHECK(members->at(m.key()) == m.value());
			if (out)
				FUZZ_CHECK(Depth(m.value()) + 1 > max_depth);
			else
				FUZZ_CHECK(Depth(m.value()) + 1 <= max_depth);
		}
		FUZZ_CHECK(members->size() <= obj.size());
		for (const auto &m : *members)
			FUZZ_CHECK(obj.contains(m.key()));
		for (const auto &key : left_out)
			FUZZ_CHECK(obj.contains(key));
	} else if (members && left_out.empty()) {
		// Accepted with nothing left out, so every member was parsed: the whole must be a valid object.
		if (ec)
			std::fprintf(stderr, "Boost.JSON: %s\n", ec.message().c_str());
		FUZZ_CHECK(false);
	}
	if (members && left_out.empty()) {
		FUZZ_CHECK(!ec && whole.is_object() && whole.get_object() == *members);
	}
	return 0;
}
