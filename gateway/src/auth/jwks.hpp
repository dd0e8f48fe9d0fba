#pragma once
// JWT_JWKS -> the keys tokens may be verified with. The setting is a JWKS document (RFC 7517 section 5:
// {"keys": [...]}) given inline (it starts with '{') or as the path of a file holding one.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/verification_key.hpp"

namespace walcast::auth {

// nullopt with `error` set (one line, naming the setting and the key, never key material) when the file
// cannot be read, the text is not a JWKS, a signing key of a supported type is broken, two usable keys of
// one type share a kid, or no key is usable. Keys the gateway does not verify with (encryption keys,
// unsupported types and curves) are skipped.
std::optional<std::vector<VerificationKey>> LoadJwks(std::string_view setting, std::string& error);

// The same for the document's text.
std::optional<std::vector<VerificationKey>> ParseJwks(std::string_view json, std::string& error);

}  // namespace walcast::auth
