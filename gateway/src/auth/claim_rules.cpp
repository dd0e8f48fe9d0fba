#include "auth/claim_rules.hpp"

#include <cmath>

#include <boost/json/parse.hpp>

namespace walcast::auth {
namespace {

double Seconds(std::chrono::system_clock::time_point t) {
	return std::chrono::duration<double>(t.time_since_epoch()).count();
}

bool ClaimMatches(std::string_view name, const boost::json::value& have, const boost::json::value& want) {
	if (have == want) return true;
	// RFC 7519 section 4.1.3: "aud" is a string or an array of them; the token is for every audience listed.
	if (name == "aud" && have.is_array() && !want.is_array())
		for (const auto& audience : have.get_array())
			if (audience == want) return true;
	return false;
}

}  // namespace

std::optional<double> NumericDate(const boost::json::value& claim) {
	double seconds;
	if (claim.is_int64()) seconds = static_cast<double>(claim.get_int64());
	else if (claim.is_uint64()) seconds = static_cast<double>(claim.get_uint64());
	else if (claim.is_double()) seconds = claim.get_double();
	else return std::nullopt;
	// Boost.JSON reads 1e400 as infinity.
	if (!std::isfinite(seconds)) return std::nullopt;
	return seconds;
}

std::chrono::system_clock::time_point NumericDateToTimePoint(double seconds) {
	using Clock = std::chrono::system_clock;
	const double max = std::chrono::duration<double>(Clock::duration::max()).count();
	const double min = std::chrono::duration<double>(Clock::duration::min()).count();
	// Half the range: converting a double that close to the limit may round past it.
	if (seconds >= max / 2) return Clock::time_point::max();
	if (seconds <= min / 2) return Clock::time_point::min();
	return Clock::time_point(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds)));
}

std::string CheckClaims(
		const boost::json::object& claims, const ClaimRules& rules, std::chrono::system_clock::time_point now) {
	const double now_s = Seconds(now);
	const double leeway = static_cast<double>(rules.leeway.count());

	const auto* exp_claim = claims.if_contains("exp");
	if (!exp_claim) return "Token has no exp claim";
	const auto exp = NumericDate(*exp_claim);
	if (!exp) return "Token claim exp is not a number";
	if (now_s >= *exp + leeway) return "Token has expired";

	if (const auto* nbf_claim = claims.if_contains("nbf")) {
		const auto nbf = NumericDate(*nbf_claim);
		if (!nbf) return "Token claim nbf is not a number";
		if (now_s + leeway < *nbf) return "Token is not yet valid";
	}
	if (const auto* iat_claim = claims.if_contains("iat")) {
		const auto iat = NumericDate(*iat_claim);
		if (!iat) return "Token claim iat is not a number";
		if (*iat > now_s + leeway) return "Token was issued in the future";
	}

	if (rules.require_role) {
		const auto* role = claims.if_contains("role");
		if (!role) return "Token has no role claim";
		if (!role->is_string()) return "Token claim role is not a string";
		if (role->get_string().empty()) return "Token has no role claim";
	}

	for (const auto& [name, want] : rules.validators) {
		const auto* have = claims.if_contains(name);
		if (!have || !ClaimMatches(name, *have, want))
			return "Token claim " + std::string(name) + " does not match JWT_CLAIM_VALIDATORS";
	}
	return {};
}

std::optional<boost::json::object> ParseClaimValidators(std::string_view text, std::string& error) {
	if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return boost::json::object();
	boost::system::error_code ec;
	auto value = boost::json::parse(text, ec);
	if (ec) {
		error = "JWT_CLAIM_VALIDATORS is not valid JSON: " + ec.message();
		return std::nullopt;
	}
	if (!value.is_object()) {
		error = "JWT_CLAIM_VALIDATORS is not a JSON object (claim -> required value)";
		return std::nullopt;
	}
	return std::move(value.get_object());
}

}  // namespace walcast::auth
