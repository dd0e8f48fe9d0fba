#pragma once
// Test-side token minting: keys generated with OpenSSL, tokens signed with libjwt (HS/RS/ES) or OpenSSL
// (EdDSA), public keys exported as JWK members. Also raw tokens from header/payload text, to build the
// malformed and forged ones.

#include <memory>
#include <string>

#include <boost/json/object.hpp>
#include <openssl/evp.h>

namespace walcast::auth::test {

using Pkey = std::shared_ptr<EVP_PKEY>;

Pkey GenerateRsa(int bits = 2048);
Pkey GenerateEc(const char* curve);  // "P-256", "P-384", "P-521"
Pkey GenerateEd25519();

std::string PublicPem(EVP_PKEY* key);
std::string PrivatePem(EVP_PKEY* key);

// The public key as a JWK (kty and its members), with kid and alg when not empty.
boost::json::object PublicJwk(EVP_PKEY* key, const std::string& kid, const std::string& alg = "");
boost::json::object OctJwk(const std::string& secret, const std::string& kid, const std::string& alg = "");
// {"keys": [...]} as JSON text.
std::string Jwks(std::initializer_list<boost::json::object> keys);

// libjwt: alg "HS256".."ES512"; `key` is the secret (HS) or the private key PEM. kid omitted when empty.
std::string SignWithLibjwt(
		const std::string& alg, const std::string& key, const boost::json::object& claims, const std::string& kid = "");
// OpenSSL: EdDSA with an Ed25519 private key.
std::string SignEdDsa(EVP_PKEY* key, const boost::json::object& claims, const std::string& kid = "");

// base64url(header).base64url(payload).base64url(signature), texts as given.
std::string RawToken(const std::string& header_json, const std::string& payload_json, const std::string& signature);

}  // namespace walcast::auth::test
