#pragma once
// Base64url without padding (RFC 7515 section 2), the encoding of every part of a JWS and of the numbers in a JWK.

#include <optional>
#include <string>
#include <string_view>

namespace walcast::auth {

// Strict: only the url-safe alphabet, no padding, no whitespace, and the unused low bits of the last
// character zero, so every byte string has exactly one accepted encoding. nullopt on anything else.
std::optional<std::string> Base64UrlDecode(std::string_view text);

std::string Base64UrlEncode(std::string_view bytes);

}  // namespace walcast::auth
