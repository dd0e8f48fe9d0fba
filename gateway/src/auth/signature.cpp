#include "auth/signature.hpp"

#include <memory>

#include <openssl/err.h>

namespace walcast::auth {
namespace {

struct JwtDeleter {
	void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
struct MdCtxDeleter {
	void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

bool VerifyWithLibjwt(const Algorithm& algorithm, const VerificationKey& key, const std::string& token) {
	const std::string& material = key.type == KeyType::oct ? key.secret : key.pem;
	if (material.empty()) return false;
	jwt_t* raw = nullptr;
	const int rc = jwt_decode(&raw, token.c_str(), reinterpret_cast<const unsigned char*>(material.data()),
			static_cast<int>(material.size()));
	std::unique_ptr<jwt_t, JwtDeleter> jwt(raw);
	// libjwt reads the header's alg itself; it must be the one the key was chosen for.
	return rc == 0 && jwt && jwt_get_alg(jwt.get()) == algorithm.libjwt;
}

bool VerifyEdDsa(const VerificationKey& key, std::string_view signing_input, std::string_view signature) {
	if (!key.pkey || signature.size() != 64) return false;
	std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
	// Ed25519 is one-shot with no separate digest (md NULL).
	return ctx && EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key.pkey.get(), nullptr) == 1 &&
			EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
					reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) == 1;
}

}  // namespace

bool VerifySignature(const Algorithm& algorithm, const VerificationKey& key, const std::string& token,
		std::string_view signing_input, std::string_view signature) {
	if (!key.Fits(algorithm)) return false;  // a caller's mistake; never verify across key types
	const bool ok = algorithm.key_type == KeyType::okp ? VerifyEdDsa(key, signing_input, signature)
	                                                   : VerifyWithLibjwt(algorithm, key, token);
	// A failed check leaves entries on this thread's OpenSSL error queue; TLS code on the same thread reads
	// that queue (SSL_get_error) and would take them for its own.
	if (!ok) ERR_clear_error();
	return ok;
}

}  // namespace walcast::auth
