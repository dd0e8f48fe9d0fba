// JWT_JWKS loading and the settings TokenVerifier::Create refuses.
#include "auth/jwks.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <unistd.h>

#include <boost/json/serialize.hpp>

#include "auth/base64url.hpp"
#include "auth/token_verifier.hpp"
#include "token_factory.hpp"

namespace walcast::auth {
namespace {

using namespace walcast::auth::test;

std::string CreateError(const VerifierSettings& settings) {
	std::string error;
	auto verifier = TokenVerifier::Create(settings, error);
	EXPECT_FALSE(verifier);
	return error;
}

std::string JwksError(const std::string& jwks) {
	std::string error;
	EXPECT_FALSE(ParseJwks(jwks, error));
	return error;
}

const Pkey& Ec() {
	static const Pkey key = GenerateEc("P-256");
	return key;
}

struct TempFile {
	std::string path;
	explicit TempFile(const std::string& text) {
		char name[] = "/tmp/walcast-jwks-XXXXXX";
		const int fd = mkstemp(name);
		EXPECT_GE(fd, 0);
		close(fd);
		path = name;
		std::ofstream(path) << text;
	}
	~TempFile() { std::remove(path.c_str()); }
};

TEST(Jwks, InlineAndFromAFileGiveTheSameKeys) {
	const auto jwks = Jwks({PublicJwk(Ec().get(), "ec-1"), OctJwk("k", "oct-1", "HS256")});
	std::string error;
	auto inline_keys = LoadJwks("  \n" + jwks, error);
	ASSERT_TRUE(inline_keys) << error;
	TempFile file(jwks);
	auto file_keys = LoadJwks(file.path, error);
	ASSERT_TRUE(file_keys) << error;
	ASSERT_EQ(inline_keys->size(), 2u);
	ASSERT_EQ(file_keys->size(), 2u);
	EXPECT_EQ((*file_keys)[0].kid, "ec-1");
	EXPECT_EQ((*file_keys)[0].type, KeyType::ec);
	EXPECT_EQ((*file_keys)[0].curve, "P-256");
	EXPECT_EQ((*file_keys)[0].pem, PublicPem(Ec().get()));
	EXPECT_EQ((*file_keys)[1].secret, "k");
	EXPECT_EQ((*file_keys)[1].alg, "HS256");

	// A verifier from the file verifies a token signed by the key.
	auto verifier = TokenVerifier::Create({.jwt_jwks = file.path}, error);
	ASSERT_TRUE(verifier) << error;
	const auto token = SignWithLibjwt("ES256", PrivatePem(Ec().get()),
			{{"role", "anon"}, {"exp", 4102444800}}, "ec-1");
	const auto result = verifier->Verify(token, std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)));
	EXPECT_TRUE(result) << result.error;
}

TEST(Jwks, UnreadableFileFailsCreate) {
	const auto error = CreateError({.jwt_jwks = "/nonexistent/jwks.json"});
	EXPECT_EQ(error, "JWT_JWKS: cannot read /nonexistent/jwks.json: No such file or directory");
}

TEST(Jwks, NotJsonFailsCreate) {
	EXPECT_NE(CreateError({.jwt_jwks = "{\"keys\": ["}).find("JWT_JWKS is not valid JSON"), std::string::npos);
	TempFile file("this is not json");
	EXPECT_NE(CreateError({.jwt_jwks = file.path}).find("JWT_JWKS is not valid JSON"), std::string::npos);
	EXPECT_EQ(CreateError({.jwt_jwks = "{\"kty\":\"oct\",\"k\":\"YQ\"}"}),
			"JWT_JWKS is not a JWKS (a JSON object with a \"keys\" array)");
}

TEST(Jwks, NoUsableKeyFailsCreate) {
	EXPECT_EQ(CreateError({.jwt_jwks = R"({"keys":[]})"}), "JWT_JWKS has no usable key");
	// Only keys the gateway does not verify with: each is named in the error.
	const auto error = CreateError({.jwt_jwks = R"({"keys":[
			{"kty":"RSA","use":"enc","kid":"e1","n":"AQAB","e":"AQAB"},
			{"kty":"OKP","crv":"X25519","kid":"x1","x":"AAAA"},
			{"kty":"EC","crv":"secp256k1","kid":"k1","x":"AA","y":"AA"},
			{"kty":"RSA","alg":"PS256","kid":"p1","n":"AQAB","e":"AQAB"},
			{"kty":"weird"}]})"});
	EXPECT_EQ(error.rfind("JWT_JWKS has no usable key (", 0), 0u) << error;
	for (const char* kid : {"e1", "x1", "k1", "p1"}) EXPECT_NE(error.find(kid), std::string::npos) << error;
	// Skipped keys beside a usable one are fine.
	std::string ok_error;
	auto keys = ParseJwks(Jwks({PublicJwk(Ec().get(), "ec-1"), boost::json::object{{"kty", "OKP"}, {"crv", "X448"}}}),
			ok_error);
	ASSERT_TRUE(keys) << ok_error;
	EXPECT_EQ(keys->size(), 1u);
}

TEST(Jwks, BrokenSigningKeysFailCreate) {
	auto ec = PublicJwk(Ec().get(), "ec-1");
	auto off_curve = ec;
	std::string y = off_curve["y"].as_string().c_str();
	y[3] = y[3] == 'A' ? 'B' : 'A';
	off_curve["y"] = y;
	EXPECT_EQ(JwksError(Jwks({off_curve})), "JWT_JWKS key 0 (kid ec-1) is not a valid P-256 public key");
	auto long_x = ec;
	long_x["x"] = Base64UrlEncode(std::string(33, '\x01'));
	EXPECT_EQ(JwksError(Jwks({long_x})), "JWT_JWKS key 0 (kid ec-1) has \"x\"/\"y\" longer than a P-256 coordinate");
	auto short_x = ec;
	short_x["x"] = "AAAA";  // padded back to 32 bytes: then not a point of the curve
	EXPECT_EQ(JwksError(Jwks({short_x})), "JWT_JWKS key 0 (kid ec-1) is not a valid P-256 public key");
	auto no_y = ec;
	no_y.erase("y");
	EXPECT_EQ(JwksError(Jwks({no_y})), "JWT_JWKS key 0 (kid ec-1) has no \"y\" string");
	EXPECT_EQ(JwksError(R"({"keys":[{"kty":"oct","k":"not base64!"}]})"),
			"JWT_JWKS key 0 has a \"k\" that is not base64url");
	EXPECT_EQ(JwksError(R"({"keys":[{"kty":"OKP","crv":"Ed25519","kid":"e","x":"AAAA"}]})"),
			"JWT_JWKS key 0 (kid e) has an \"x\" that is not 32 bytes (Ed25519)");
	EXPECT_EQ(JwksError(R"({"keys":["rsa"]})"), "JWT_JWKS key 0 is not a JSON object");
	// A JWK whose alg is for another key type is a mistake, not a key to skip.
	EXPECT_EQ(JwksError(Jwks({PublicJwk(Ec().get(), "ec-1", "RS256")})),
			"JWT_JWKS key 0 (kid ec-1) has alg RS256, which is not for a EC P-256 key");
	EXPECT_EQ(JwksError(Jwks({PublicJwk(Ec().get(), "ec-1", "ES384")})),
			"JWT_JWKS key 0 (kid ec-1) has alg ES384, which is not for a EC P-256 key");
}

TEST(Jwks, EcCoordinatesWithoutLeadingZerosAreAccepted) {
	// Some JWK writers drop a coordinate's leading zero bytes; find a key whose x starts with one.
	Pkey key;
	boost::json::object jwk;
	for (int i = 0; i < 10000 && !key; ++i) {
		auto candidate = GenerateEc("P-256");
		jwk = PublicJwk(candidate.get(), "z");
		if ((*Base64UrlDecode(jwk["x"].as_string()))[0] == '\0') key = candidate;
	}
	ASSERT_TRUE(key);
	jwk["x"] = Base64UrlEncode(Base64UrlDecode(jwk["x"].as_string())->substr(1));  // 31 bytes
	std::string error;
	auto keys = ParseJwks(Jwks({jwk}), error);
	ASSERT_TRUE(keys) << error;
	EXPECT_EQ((*keys)[0].pem, PublicPem(key.get()));
}

TEST(Jwks, SmallRsaKeysAreRefused) {
	auto small = GenerateRsa(1024);
	EXPECT_EQ(JwksError(Jwks({PublicJwk(small.get(), "r")})), "JWT_JWKS key 0 (kid r) is an RSA key under 2048 bits");
}

TEST(Jwks, DuplicateKidOfOneTypeIsRefused) {
	auto other = GenerateEc("P-256");
	EXPECT_EQ(JwksError(Jwks({PublicJwk(Ec().get(), "same"), PublicJwk(other.get(), "same")})),
			"JWT_JWKS key 1 (kid same) has the same kid and type as an earlier key");
	// The same kid on keys of different types is allowed: the token's alg picks between them.
	std::string error;
	EXPECT_TRUE(ParseJwks(Jwks({PublicJwk(Ec().get(), "same"), OctJwk("secret", "same")}), error)) << error;
}

TEST(Jwks, CreateRefusesSettingsThatCannotWork) {
	EXPECT_EQ(CreateError({}), "JWT_SECRET or JWT_JWKS must be set to verify tokens");
	EXPECT_EQ(CreateError({.jwt_secret = "s", .claim_validators = "[\"iss\"]"}),
			"JWT_CLAIM_VALIDATORS is not a JSON object (claim -> required value)");
	EXPECT_EQ(CreateError({.jwt_secret = "s", .leeway = std::chrono::seconds(-1)}),
			"JWT_LEEWAY_SECONDS must not be negative");
}

}  // namespace
}  // namespace walcast::auth
