#include "token_factory.hpp"

#include <cstdlib>
#include <stdexcept>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>

#include "auth/base64url.hpp"

namespace walcast::auth::test {
namespace {

Pkey Wrap(EVP_PKEY* key) {
	if (!key) throw std::runtime_error("key generation failed");
	return Pkey(key, EVP_PKEY_free);
}

std::string BioText(BIO* bio) {
	char* data = nullptr;
	const long size = BIO_get_mem_data(bio, &data);
	std::string text(data, static_cast<std::size_t>(size));
	BIO_free(bio);
	return text;
}

std::string BnParam(EVP_PKEY* key, const char* name, std::size_t pad_to = 0) {
	BIGNUM* bn = nullptr;
	if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) throw std::runtime_error("no key parameter");
	std::string bytes(std::max<std::size_t>(pad_to, static_cast<std::size_t>(BN_num_bytes(bn))), '\0');
	BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
	BN_free(bn);
	return bytes;
}

}  // namespace

Pkey GenerateRsa(int bits) { return Wrap(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits))); }
Pkey GenerateEc(const char* curve) { return Wrap(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve)); }
Pkey GenerateEd25519() { return Wrap(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")); }

std::string PublicPem(EVP_PKEY* key) {
	BIO* bio = BIO_new(BIO_s_mem());
	PEM_write_bio_PUBKEY(bio, key);
	return BioText(bio);
}

std::string PrivatePem(EVP_PKEY* key) {
	BIO* bio = BIO_new(BIO_s_mem());
	PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
	return BioText(bio);
}

boost::json::object PublicJwk(EVP_PKEY* key, const std::string& kid, const std::string& alg) {
	boost::json::object jwk;
	if (EVP_PKEY_is_a(key, "RSA")) {
		jwk["kty"] = "RSA";
		jwk["n"] = Base64UrlEncode(BnParam(key, OSSL_PKEY_PARAM_RSA_N));
		jwk["e"] = Base64UrlEncode(BnParam(key, OSSL_PKEY_PARAM_RSA_E));
	} else if (EVP_PKEY_is_a(key, "EC")) {
		char group[32] = {};
		EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, nullptr);
		const std::string name = group;
		const std::size_t size = name == "prime256v1" ? 32 : name == "secp384r1" ? 48 : 66;
		jwk["kty"] = "EC";
		jwk["crv"] = size == 32 ? "P-256" : size == 48 ? "P-384" : "P-521";
		jwk["x"] = Base64UrlEncode(BnParam(key, OSSL_PKEY_PARAM_EC_PUB_X, size));
		jwk["y"] = Base64UrlEncode(BnParam(key, OSSL_PKEY_PARAM_EC_PUB_Y, size));
	} else {
		unsigned char raw[32];
		size_t size = sizeof raw;
		EVP_PKEY_get_raw_public_key(key, raw, &size);
		jwk["kty"] = "OKP";
		jwk["crv"] = "Ed25519";
		jwk["x"] = Base64UrlEncode(std::string(reinterpret_cast<char*>(raw), size));
	}
	if (!kid.empty()) jwk["kid"] = kid;
	if (!alg.empty()) jwk["alg"] = alg;
	return jwk;
}

boost::json::object OctJwk(const std::string& secret, const std::string& kid, const std::string& alg) {
	boost::json::object jwk{{"kty", "oct"}, {"k", Base64UrlEncode(secret)}};
	if (!kid.empty()) jwk["kid"] = kid;
	if (!alg.empty()) jwk["alg"] = alg;
	return jwk;
}

std::string Jwks(std::initializer_list<boost::json::object> keys) {
	boost::json::array array;
	for (const auto& key : keys) array.push_back(key);
	return boost::json::serialize(boost::json::object{{"keys", array}});
}

std::string SignWithLibjwt(
		const std::string& alg, const std::string& key, const boost::json::object& claims, const std::string& kid) {
	jwt_t* jwt = nullptr;
	if (jwt_new(&jwt) != 0) throw std::runtime_error("jwt_new");
	const std::string grants = boost::json::serialize(claims);
	int rc = jwt_add_grants_json(jwt, grants.c_str());
	if (rc == 0 && !kid.empty()) rc = jwt_add_header(jwt, "kid", kid.c_str());
	if (rc == 0)
		rc = jwt_set_alg(jwt, jwt_str_alg(alg.c_str()), reinterpret_cast<const unsigned char*>(key.data()),
				static_cast<int>(key.size()));
	char* token = rc == 0 ? jwt_encode_str(jwt) : nullptr;
	jwt_free(jwt);
	if (!token) throw std::runtime_error("libjwt could not sign with " + alg);
	std::string out = token;
	free(token);  // libjwt 1.10 allocates with malloc and has no jwt_free_str
	return out;
}

std::string SignEdDsa(EVP_PKEY* key, const boost::json::object& claims, const std::string& kid) {
	boost::json::object header{{"alg", "EdDSA"}, {"typ", "JWT"}};
	if (!kid.empty()) header["kid"] = kid;
	const std::string input = Base64UrlEncode(boost::json::serialize(header)) + "." +
			Base64UrlEncode(boost::json::serialize(claims));
	EVP_MD_CTX* ctx = EVP_MD_CTX_new();
	unsigned char signature[64];
	size_t size = sizeof signature;
	const bool ok = EVP_DigestSignInit_ex(ctx, nullptr, nullptr, nullptr, nullptr, key, nullptr) == 1 &&
			EVP_DigestSign(ctx, signature, &size, reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok) throw std::runtime_error("EdDSA signing failed");
	return input + "." + Base64UrlEncode(std::string(reinterpret_cast<char*>(signature), size));
}

std::string RawToken(const std::string& header_json, const std::string& payload_json, const std::string& signature) {
	return Base64UrlEncode(header_json) + "." + Base64UrlEncode(payload_json) + "." + Base64UrlEncode(signature);
}

}  // namespace walcast::auth::test
