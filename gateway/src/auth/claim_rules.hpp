#pragma once
// The checks a token's claims must pass once its signature verified: time (exp, nbf, iat with leeway),
// role, and JWT_CLAIM_VALIDATORS. Pure functions of the claims and `now`, so the edges are unit-testable.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace walcast::auth {

struct ClaimRules {
	std::chrono::seconds leeway{5};
	bool require_role = true;
	boost::json::object validators;  // claim -> the JSON value it must equal
};

// Empty when the claims pass; otherwise why not, one line for the client:
//   exp: required, a number; expired when now >= exp + leeway ("Token has expired").
//   nbf: optional, a number; not yet valid when now + leeway < nbf.
//   iat: optional, a number; refused when iat > now + leeway.
//   role: when required, a non-empty string.
//   validators: each named claim equals its value (JSON equality); for "aud", an array holding the value
//   also passes.
std::string CheckClaims(
		const boost::json::object& claims, const ClaimRules& rules, std::chrono::system_clock::time_point now);

// JWT_CLAIM_VALIDATORS: empty -> no validators; otherwise a JSON object. nullopt with `error` set if not.
std::optional<boost::json::object> ParseClaimValidators(std::string_view text, std::string& error);

// A NumericDate claim as a time point, clamped to what system_clock holds (exp far in the future).
std::chrono::system_clock::time_point NumericDateToTimePoint(double seconds);

// The claim as seconds since the epoch when it is a finite JSON number.
std::optional<double> NumericDate(const boost::json::value& claim);

}  // namespace walcast::auth
