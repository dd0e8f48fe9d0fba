#pragma once
// One key the verifier may check a signature with: JWT_SECRET, or one key of the JWT_JWKS document.

#include <memory>
#include <string>

#include <openssl/evp.h>

#include "auth/algorithm.hpp"

namespace walcast::auth {

struct PkeyDeleter {
	void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

struct VerificationKey {
	std::string kid;      // the JWK's "kid"; empty for JWT_SECRET and for a JWK without one
	KeyType type = KeyType::oct;
	std::string curve;    // EC: P-256, P-384 or P-521; OKP: Ed25519; empty otherwise
	std::string alg;      // the JWK's "alg": when set, the only algorithm this key verifies
	std::string secret;   // oct: the HMAC key bytes
	std::string pem;      // RSA, EC: the public key as PEM (SubjectPublicKeyInfo), the form libjwt takes
	std::shared_ptr<EVP_PKEY> pkey;  // RSA, EC, OKP: the public key (EdDSA is verified with it directly)

	// The key type (and curve) is one `algorithm` is defined for, whatever the JWK's "alg" says.
	bool SuitsType(const Algorithm& algorithm) const {
		return type == algorithm.key_type && (algorithm.curve.empty() || curve == algorithm.curve);
	}
	// ... and the JWK's "alg", if any, names `algorithm`: the key may verify it.
	bool Fits(const Algorithm& algorithm) const {
		return SuitsType(algorithm) && (alg.empty() || alg == algorithm.name);
	}
};

}  // namespace walcast::auth
