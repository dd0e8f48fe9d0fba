#pragma once
// The JWS algorithms the gateway verifies, and the kind of key each one needs. Choosing the key by this
// table before any signature check is what stops algorithm confusion (an HS256 token "signed" with an RSA
// public key's bytes as the HMAC secret): a key only ever verifies the algorithms of its own type.

#include <string_view>

#include <jwt.h>

namespace walcast::auth {

enum class KeyType { oct, rsa, ec, okp };

struct Algorithm {
	std::string_view name;     // as in the JWS header's "alg"
	KeyType key_type;
	std::string_view curve;    // EC/OKP: the one curve ("crv") this algorithm is defined for; empty otherwise
	jwt_alg_t libjwt;          // JWT_ALG_NONE when libjwt cannot verify it (EdDSA: OpenSSL does)
};

// nullptr for "none" and for any algorithm not in the table (PS256, ES256K, ...).
const Algorithm* FindAlgorithm(std::string_view name);

std::string_view KeyTypeName(KeyType type);

}  // namespace walcast::auth
