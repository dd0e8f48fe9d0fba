#pragma once
// Checks a JWS signature with a key already chosen for its algorithm: libjwt for HS/RS/ES (the HMAC secret or
// the PEM public key), OpenSSL's EVP_DigestVerify for EdDSA (libjwt 1.10 has no EdDSA).

#include <string>
#include <string_view>

#include "auth/algorithm.hpp"
#include "auth/verification_key.hpp"

namespace walcast::auth {

// `key` must fit `algorithm` (VerificationKey::Fits): this function does not choose keys. `token` is the
// whole compact JWS, `signing_input` its header.payload and `signature` the decoded third part.
bool VerifySignature(const Algorithm& algorithm, const VerificationKey& key, const std::string& token,
		std::string_view signing_input, std::string_view signature);

}  // namespace walcast::auth
