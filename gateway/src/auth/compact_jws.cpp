#include "auth/compact_jws.hpp"

#include <boost/json/parse.hpp>

#include "auth/base64url.hpp"

namespace walcast::auth {
namespace {

constexpr const char* kMalformed = "Malformed token";

// libjwt reads the header and payload again with jansson, which refuses a NUL character in a string and
// integers beyond int64; Postgres's jsonb refuses the NUL too (request.jwt.claims). Such a token would fail
// for HS/RS/ES as a bad signature and pass for EdDSA, so it is refused up front for every algorithm.
bool JanssonReads(const boost::json::value& value) {
	switch (value.kind()) {
		case boost::json::kind::uint64: return false;  // Boost.JSON uses uint64 only above INT64_MAX
		case boost::json::kind::string: return value.get_string().find('\0') == boost::json::string::npos;
		case boost::json::kind::array:
			for (const auto& item : value.get_array())
				if (!JanssonReads(item)) return false;
			return true;
		case boost::json::kind::object:
			for (const auto& [key, item] : value.get_object())
				if (key.find('\0') != boost::json::string_view::npos || !JanssonReads(item)) return false;
			return true;
		default: return true;
	}
}

bool DecodeObject(std::string_view part, std::string& json, boost::json::object& object) {
	auto decoded = Base64UrlDecode(part);
	if (!decoded) return false;
	boost::system::error_code ec;
	auto value = boost::json::parse(*decoded, ec);
	if (ec || !value.is_object() || !JanssonReads(value)) return false;
	json = std::move(*decoded);
	object = std::move(value.get_object());
	return true;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
	if (a.size() != b.size()) return false;
	for (std::size_t i = 0; i < a.size(); ++i) {
		auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
		if (lower(a[i]) != lower(b[i])) return false;
	}
	return true;
}

}  // namespace

std::string Printable(std::string_view text) {
	constexpr std::size_t kMax = 64;
	std::string out;
	for (char c : text.substr(0, kMax)) out.push_back(c >= 0x20 && c < 0x7F ? c : '?');
	if (text.size() > kMax) out += "...";
	return out;
}

std::string ParseCompactJws(std::string_view token, CompactJws& out) {
	const auto first_dot = token.find('.');
	if (first_dot == std::string_view::npos) return kMalformed;
	std::string header_json;
	if (!DecodeObject(token.substr(0, first_dot), header_json, out.header)) return kMalformed;

	const auto* alg = out.header.if_contains("alg");
	if (!alg || !alg->is_string()) return kMalformed;
	out.alg = std::string(alg->get_string());
	// Any spelling: some libraries compare case-insensitively, so "None" must not slip through anywhere.
	if (EqualsIgnoringCase(out.alg, "none")) return "Token algorithm none is not allowed";

	if (const auto* kid = out.header.if_contains("kid")) {
		if (!kid->is_string()) return kMalformed;
		out.kid = std::string(kid->get_string());
		out.has_kid = true;
	}
	// RFC 7515 section 4.1.11: extensions listed in "crit" must be understood; we understand none.
	if (out.header.contains("crit")) return "Token header crit is not supported";
	// A typ other than JWT (e.g. "at+jwt") is a different kind of token; libjwt refuses it as well.
	if (const auto* typ = out.header.if_contains("typ"))
		if (!typ->is_string() || !EqualsIgnoringCase(typ->get_string(), "JWT"))
			return "Token type is not JWT";

	const auto second_dot = token.find('.', first_dot + 1);
	if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != std::string_view::npos)
		return kMalformed;
	if (!DecodeObject(token.substr(first_dot + 1, second_dot - first_dot - 1), out.payload_json, out.payload))
		return kMalformed;
	auto signature = Base64UrlDecode(token.substr(second_dot + 1));
	if (!signature || signature->empty()) return kMalformed;
	out.signature = std::move(*signature);
	out.signing_input = token.substr(0, second_dot);
	return {};
}

}  // namespace walcast::auth
