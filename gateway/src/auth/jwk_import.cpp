#include "auth/jwk_import.hpp"

#include <memory>
#include <optional>
#include <string_view>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "auth/base64url.hpp"

namespace walcast::auth {
namespace {

// RSA keys below this size are refused: 1024-bit moduli are within reach of factoring, and no current
// issuer signs with one.
constexpr int kMinRsaBits = 2048;

struct BnDeleter {
	void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct ParamBldDeleter {
	void operator()(OSSL_PARAM_BLD* bld) const { OSSL_PARAM_BLD_free(bld); }
};
struct ParamDeleter {
	void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};
struct PkeyCtxDeleter {
	void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct BioDeleter {
	void operator()(BIO* bio) const { BIO_free(bio); }
};

JwkImport Invalid(std::string reason) { return {JwkImport::Status::invalid, std::move(reason), {}}; }
JwkImport Skipped(std::string reason) { return {JwkImport::Status::skipped, std::move(reason), {}}; }

// A required base64url member, decoded; nullopt (and `error` set) when missing, not a string or not base64url.
std::optional<std::string> Member(const boost::json::object& jwk, std::string_view name, std::string& error) {
	const auto* value = jwk.if_contains(name);
	if (!value || !value->is_string()) {
		error = "has no \"" + std::string(name) + "\" string";
		return std::nullopt;
	}
	auto bytes = Base64UrlDecode(value->get_string());
	if (!bytes || bytes->empty()) {
		error = "has a \"" + std::string(name) + "\" that is not base64url";
		return std::nullopt;
	}
	return bytes;
}

std::shared_ptr<EVP_PKEY> FromData(const char* type, OSSL_PARAM_BLD* bld) {
	std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(bld));
	std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
	EVP_PKEY* pkey = nullptr;
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
			EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
		return nullptr;
	std::shared_ptr<EVP_PKEY> key(pkey, PkeyDeleter{});
	// fromdata takes the numbers as given; the public check refuses e.g. an EC point off its curve.
	std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
	if (!check || EVP_PKEY_public_check(check.get()) != 1) return nullptr;
	return key;
}

std::string ToPem(EVP_PKEY* pkey) {
	std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
	if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey) != 1) return {};
	char* data = nullptr;
	const long size = BIO_get_mem_data(bio.get(), &data);
	return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

std::unique_ptr<BIGNUM, BnDeleter> ToBignum(const std::string& big_endian) {
	return std::unique_ptr<BIGNUM, BnDeleter>(BN_bin2bn(
			reinterpret_cast<const unsigned char*>(big_endian.data()), static_cast<int>(big_endian.size()), nullptr));
}

JwkImport ImportOct(const boost::json::object& jwk) {
	std::string error;
	auto k = Member(jwk, "k", error);
	if (!k) return Invalid(error);
	JwkImport result;
	result.key.type = KeyType::oct;
	result.key.secret = std::move(*k);
	return result;
}

JwkImport ImportRsa(const boost::json::object& jwk) {
	std::string error;
	auto n = Member(jwk, "n", error);
	if (!n) return Invalid(error);
	auto e = Member(jwk, "e", error);
	if (!e) return Invalid(error);
	auto n_bn = ToBignum(*n);
	auto e_bn = ToBignum(*e);
	std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> bld(OSSL_PARAM_BLD_new());
	if (!n_bn || !e_bn || !bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n_bn.get()) != 1 ||
			OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e_bn.get()) != 1)
		return Invalid("could not be built (out of memory?)");
	auto pkey = FromData("RSA", bld.get());
	if (!pkey) return Invalid("is not a valid RSA public key");
	if (EVP_PKEY_get_bits(pkey.get()) < kMinRsaBits)
		return Invalid("is an RSA key under " + std::to_string(kMinRsaBits) + " bits");
	JwkImport result;
	result.key.type = KeyType::rsa;
	result.key.pem = ToPem(pkey.get());
	if (result.key.pem.empty()) return Invalid("could not be written as PEM");
	result.key.pkey = std::move(pkey);
	return result;
}

struct Curve {
	std::string_view jwk_name;
	const char* openssl_group;
	std::size_t coordinate_bytes;
};
constexpr Curve kCurves[] = {
		{"P-256", "prime256v1", 32},
		{"P-384", "secp384r1", 48},
		{"P-521", "secp521r1", 66},
};

JwkImport ImportEc(const boost::json::object& jwk) {
	const auto* crv = jwk.if_contains("crv");
	if (!crv || !crv->is_string()) return Invalid("has no \"crv\" string");
	const Curve* curve = nullptr;
	for (const auto& c : kCurves)
		if (c.jwk_name == crv->get_string()) curve = &c;
	if (!curve) return Skipped("has EC curve " + std::string(crv->get_string()) + ", not supported");
	std::string error;
	auto x = Member(jwk, "x", error);
	if (!x) return Invalid(error);
	auto y = Member(jwk, "y", error);
	if (!y) return Invalid(error);
	// RFC 7518 section 6.2.1.2 wants each coordinate at the full size of the curve's field, leading zeros
	// kept, but some writers (PyJWT before 2.7) drop them; a shorter big-endian number is still the same
	// number, so it is padded back. Longer is not a coordinate of this curve.
	if (x->size() > curve->coordinate_bytes || y->size() > curve->coordinate_bytes)
		return Invalid("has \"x\"/\"y\" longer than a " + std::string(curve->jwk_name) + " coordinate");
	x->insert(0, curve->coordinate_bytes - x->size(), '\0');
	y->insert(0, curve->coordinate_bytes - y->size(), '\0');
	// The public key as an uncompressed SEC1 point: 0x04 || x || y.
	std::string point = "\x04" + *x + *y;
	std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> bld(OSSL_PARAM_BLD_new());
	if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve->openssl_group, 0) != 1 ||
			OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
		return Invalid("could not be built (out of memory?)");
	auto pkey = FromData("EC", bld.get());
	if (!pkey) return Invalid("is not a valid " + std::string(curve->jwk_name) + " public key");
	JwkImport result;
	result.key.type = KeyType::ec;
	result.key.curve = std::string(curve->jwk_name);
	result.key.pem = ToPem(pkey.get());
	if (result.key.pem.empty()) return Invalid("could not be written as PEM");
	result.key.pkey = std::move(pkey);
	return result;
}

JwkImport ImportOkp(const boost::json::object& jwk) {
	const auto* crv = jwk.if_contains("crv");
	if (!crv || !crv->is_string()) return Invalid("has no \"crv\" string");
	if (crv->get_string() != "Ed25519") return Skipped("has OKP curve " + std::string(crv->get_string()) + ", not supported");
	std::string error;
	auto x = Member(jwk, "x", error);
	if (!x) return Invalid(error);
	if (x->size() != 32) return Invalid("has an \"x\" that is not 32 bytes (Ed25519)");
	EVP_PKEY* raw = EVP_PKEY_new_raw_public_key(
			EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x->data()), x->size());
	if (!raw) return Invalid("is not a valid Ed25519 public key");
	JwkImport result;
	result.key.type = KeyType::okp;
	result.key.curve = "Ed25519";
	result.key.pkey.reset(raw, PkeyDeleter{});
	return result;
}

JwkImport ImportJwkMembers(const boost::json::object& jwk) {
	const auto* kty = jwk.if_contains("kty");
	if (!kty || !kty->is_string()) return Invalid("has no \"kty\" string");
	const auto* use = jwk.if_contains("use");
	if (use && (!use->is_string() || use->get_string() != "sig")) return Skipped("is not a signature key (\"use\")");
	const auto* kid = jwk.if_contains("kid");
	if (kid && !kid->is_string()) return Invalid("has a \"kid\" that is not a string");
	const auto* alg = jwk.if_contains("alg");
	if (alg && !alg->is_string()) return Invalid("has an \"alg\" that is not a string");

	// An algorithm we do not verify (PS256, RSA-OAEP, ...): the key is meant for something else.
	const Algorithm* algorithm = alg ? FindAlgorithm(alg->get_string()) : nullptr;
	if (alg && !algorithm) return Skipped("has alg " + std::string(alg->get_string()) + ", not supported");

	JwkImport result;
	const auto type = kty->get_string();
	if (type == "oct") result = ImportOct(jwk);
	else if (type == "RSA") result = ImportRsa(jwk);
	else if (type == "EC") result = ImportEc(jwk);
	else if (type == "OKP") result = ImportOkp(jwk);
	else return Skipped("has kty " + std::string(type) + ", not supported");
	if (result.status != JwkImport::Status::ok) return result;

	if (kid) result.key.kid = std::string(kid->get_string());
	if (algorithm) {
		result.key.alg = std::string(algorithm->name);
		if (!result.key.SuitsType(*algorithm))
			return Invalid("has alg " + result.key.alg + ", which is not for a " +
					std::string(KeyTypeName(result.key.type)) +
					(result.key.curve.empty() ? "" : " " + result.key.curve) + " key");
	}
	return result;
}

}  // namespace

JwkImport ImportJwk(const boost::json::object& jwk) {
	auto result = ImportJwkMembers(jwk);
	// Failed OpenSSL calls leave entries on the thread's error queue, which later TLS calls would misread.
	ERR_clear_error();
	return result;
}

}  // namespace walcast::auth
