#include "auth/algorithm.hpp"

#include <array>

namespace walcast::auth {
namespace {

constexpr std::array<Algorithm, 10> kAlgorithms{{
		{"HS256", KeyType::oct, "", JWT_ALG_HS256},
		{"HS384", KeyType::oct, "", JWT_ALG_HS384},
		{"HS512", KeyType::oct, "", JWT_ALG_HS512},
		{"RS256", KeyType::rsa, "", JWT_ALG_RS256},
		{"RS384", KeyType::rsa, "", JWT_ALG_RS384},
		{"RS512", KeyType::rsa, "", JWT_ALG_RS512},
		// RFC 7518 section 3.4: each ES algorithm names its curve; a P-384 key never verifies ES256.
		{"ES256", KeyType::ec, "P-256", JWT_ALG_ES256},
		{"ES384", KeyType::ec, "P-384", JWT_ALG_ES384},
		{"ES512", KeyType::ec, "P-521", JWT_ALG_ES512},
		// RFC 8037: "EdDSA" with an OKP key; of its curves only Ed25519 is supported.
		{"EdDSA", KeyType::okp, "Ed25519", JWT_ALG_NONE},
}};

}  // namespace

const Algorithm* FindAlgorithm(std::string_view name) {
	for (const auto& algorithm : kAlgorithms)
		if (algorithm.name == name) return &algorithm;
	return nullptr;
}

std::string_view KeyTypeName(KeyType type) {
	switch (type) {
		case KeyType::oct: return "oct";
		case KeyType::rsa: return "RSA";
		case KeyType::ec: return "EC";
		case KeyType::okp: return "OKP";
	}
	return "?";
}

}  // namespace walcast::auth
