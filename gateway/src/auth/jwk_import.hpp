#pragma once
// One JWK (RFC 7517/7518/8037 members) -> a VerificationKey, with OpenSSL 3 building the public key from
// its members (libjwt 1.10 reads PEM only and has no JWK import).

#include <string>

#include <boost/json/object.hpp>

#include "auth/verification_key.hpp"

namespace walcast::auth {

struct JwkImport {
	enum class Status {
		ok,       // `key` is usable
		skipped,  // a key the gateway does not verify with (encryption key, unsupported kty/crv/alg)
		invalid,  // a signing key of a supported type with broken members: a configuration mistake
	};
	Status status = Status::ok;
	std::string reason;  // skipped/invalid: why, one line without the key material
	VerificationKey key;
};

// Supported: kty "oct" (k), "RSA" (n, e; at least 2048 bits), "EC" (crv P-256/P-384/P-521, x, y), "OKP"
// (crv Ed25519, x). Private members (d, ...) are ignored.
JwkImport ImportJwk(const boost::json::object& jwk);

}  // namespace walcast::auth
