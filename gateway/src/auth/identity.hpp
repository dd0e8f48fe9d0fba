#pragma once
// Who is asking: the verified claims of one JWT. A connection's apikey gives one, a channel's access_token
// another; the channels stage keeps them per channel and never looks inside a token itself.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

namespace walcast::auth {

struct Identity {
	std::string role;         // the `role` claim: the Postgres role the gateway SET ROLEs to for checks
	std::string claims_json;  // the token's payload as JSON, for SQL as current_setting('request.jwt.claims')
	boost::json::object claims;
	std::string sub;  // the `sub` claim or empty (for log lines)
	// `exp` + JWT_LEEWAY_SECONDS: from this instant on the token no longer verifies. Verified tokens always have one.
	std::chrono::system_clock::time_point expires_at;
};

using IdentityPtr = std::shared_ptr<const Identity>;

}  // namespace walcast::auth
