#pragma once
// Verifies a JWT and returns the identity it carries, or why it does not verify, in one line a client may
// see. Built once from the gateway's settings; Verify is const and thread-safe.
//
// Rules (README "Security"): the signature must verify with a configured key made for the token's `alg`
// (HS256/384/512 with JWT_SECRET; RS256, ES256, EdDSA ... from JWT_JWKS, chosen by `kid`); `none` and any
// algorithm the key was not made for are refused; `exp` is required; `exp`, `nbf` and `iat` are judged with
// `leeway`; `role` is required (a non-empty string) unless `require_role` is false; every claim named in
// `claim_validators` must equal its value exactly.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/identity.hpp"

namespace walcast::auth {

struct VerifierSettings {
	std::string jwt_secret;        // JWT_SECRET: HMAC secret, used as given (no base64 decoding)
	std::string jwt_jwks;          // JWT_JWKS: a JWKS document, inline JSON (starts with '{') or a file path
	std::string claim_validators;  // JWT_CLAIM_VALIDATORS: JSON object claim -> required value, or empty
	std::chrono::seconds leeway{5};  // JWT_LEEWAY_SECONDS
	bool require_role = true;        // false for the metrics token
	// JWT_CACHE_ENTRIES: tokens remembered after they verified (see verified_tokens.hpp); 0: none.
	std::size_t cache_entries = 1024;
};

struct VerifyResult {
	std::shared_ptr<const Identity> identity;  // set when the token verified
	std::string error;                         // otherwise why not, e.g. "Token has expired"
	explicit operator bool() const { return identity != nullptr; }
};

class TokenVerifier {
public:
	// Fails (returns null and sets `error`) on settings that cannot work: neither secret nor JWKS, an
	// unreadable JWKS file, a JWKS without a usable key, validators that are not a JSON object.
	static std::unique_ptr<TokenVerifier> Create(const VerifierSettings& settings, std::string& error);
	virtual ~TokenVerifier() = default;

	virtual VerifyResult Verify(std::string_view token, std::chrono::system_clock::time_point now) const = 0;
	VerifyResult Verify(std::string_view token) const { return Verify(token, std::chrono::system_clock::now()); }
};

}  // namespace walcast::auth
