// Each verification rule, with a token that tries to break it. Tokens are minted with libjwt and OpenSSL
// (token_factory.hpp); the verifier never sees how they were made.
#include "auth/token_verifier.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include <openssl/hmac.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "auth/base64url.hpp"
#include "token_factory.hpp"

namespace walcast::auth {
namespace {

using namespace std::chrono_literals;
using namespace walcast::auth::test;
using Clock = std::chrono::system_clock;

constexpr std::int64_t kNow = 1'700'000'000;
const Clock::time_point now{std::chrono::seconds(kNow)};
const std::string kSecret = "a-shared-secret-of-at-least-32-bytes!!";

boost::json::object Claims(std::int64_t exp_in = 3600, const char* role = "authenticated") {
	return {{"role", role}, {"sub", "user-1"}, {"exp", kNow + exp_in}};
}

// Keys are generated once: RSA generation takes a while.
struct Keys {
	Pkey rsa = GenerateRsa();
	Pkey rsa_other = GenerateRsa();
	Pkey ec = GenerateEc("P-256");
	Pkey ec_other = GenerateEc("P-256");
	Pkey ec384 = GenerateEc("P-384");
	Pkey ec521 = GenerateEc("P-521");
	Pkey ed = GenerateEd25519();
	Pkey ed_other = GenerateEd25519();
};
const Keys& K() {
	static const Keys keys;
	return keys;
}

std::unique_ptr<TokenVerifier> Make(VerifierSettings settings) {
	std::string error;
	auto verifier = TokenVerifier::Create(settings, error);
	EXPECT_TRUE(verifier) << error;
	return verifier;
}

std::unique_ptr<TokenVerifier> SecretOnly() { return Make({.jwt_secret = kSecret}); }

// A JWKS with one key of each kind, each with its own kid.
std::unique_ptr<TokenVerifier> FullJwks(VerifierSettings settings = {}) {
	settings.jwt_jwks = Jwks({PublicJwk(K().rsa.get(), "rsa-1"), PublicJwk(K().ec.get(), "ec-1"),
			PublicJwk(K().ec384.get(), "ec-384"), PublicJwk(K().ec521.get(), "ec-521"), PublicJwk(K().ed.get(), "ed-1"),
			OctJwk("jwks-hmac-key-of-32-bytes-or-more!", "oct-1")});
	return Make(settings);
}

std::string ErrorOf(const TokenVerifier& verifier, const std::string& token, Clock::time_point at = now) {
	const auto result = verifier.Verify(token, at);
	return result ? "verified" : result.error;
}

// header.payload.signature with one part replaced.
std::string Part(const std::string& token, int index) {
	const auto a = token.find('.');
	const auto b = token.find('.', a + 1);
	if (index == 0) return token.substr(0, a);
	if (index == 1) return token.substr(a + 1, b - a - 1);
	return token.substr(b + 1);
}

TEST(TokenVerifier, Hs256VerifiesAndCarriesTheClaims) {
	auto verifier = SecretOnly();
	const auto token = SignWithLibjwt("HS256", kSecret, Claims());
	const auto result = verifier->Verify(token, now);
	ASSERT_TRUE(result) << result.error;
	EXPECT_EQ(result.identity->role, "authenticated");
	EXPECT_EQ(result.identity->sub, "user-1");
	// exp + the leeway (5 s): the instant the token stops verifying.
	EXPECT_EQ(result.identity->expires_at, Clock::time_point(std::chrono::seconds(kNow + 3600 + 5)));
	EXPECT_EQ(result.identity->claims, Claims());
	// The payload exactly as the token carries it.
	EXPECT_EQ(result.identity->claims_json, *Base64UrlDecode(Part(token, 1)));
}

TEST(TokenVerifier, ClaimsJsonIsThePayloadTextAsSent) {
	auto verifier = SecretOnly();
	const std::string payload = R"({ "exp" : 1700003600, "role":"anon", "n": 1.50, "u":"\u00e9" })";
	// libjwt re-serializes the claims it signs, so hand-written payload text is signed with OpenSSL's HMAC.
	const auto header = Base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})");
	const auto input = header + "." + Base64UrlEncode(payload);
	unsigned char mac[64];
	unsigned int mac_size = 0;
	HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
			reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_size);
	const auto token = input + "." + Base64UrlEncode(std::string(reinterpret_cast<char*>(mac), mac_size));
	const auto result = verifier->Verify(token, now);
	ASSERT_TRUE(result) << result.error;
	EXPECT_EQ(result.identity->claims_json, payload);
	EXPECT_EQ(result.identity->role, "anon");
}

TEST(TokenVerifier, Hs384AndHs512) {
	auto verifier = SecretOnly();
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS384", kSecret, Claims())), "verified");
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS512", kSecret, Claims())), "verified");
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS512", kSecret + "x", Claims())), "Invalid token signature");
}

TEST(TokenVerifier, WrongSecretIsRefused) {
	auto verifier = SecretOnly();
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS256", "another-secret-entirely-32-bytes!!", Claims())),
			"Invalid token signature");
}

TEST(TokenVerifier, TamperedPayloadIsRefused) {
	auto verifier = SecretOnly();
	const auto token = SignWithLibjwt("HS256", kSecret, Claims(3600, "anon"));
	auto forged = Claims(3600, "service_role");
	const auto tampered =
			Part(token, 0) + "." + Base64UrlEncode(boost::json::serialize(forged)) + "." + Part(token, 2);
	EXPECT_EQ(ErrorOf(*verifier, tampered), "Invalid token signature");
	// A flipped bit in the signature as well.
	auto signature = *Base64UrlDecode(Part(token, 2));
	signature[0] ^= 1;
	EXPECT_EQ(ErrorOf(*verifier, Part(token, 0) + "." + Part(token, 1) + "." + Base64UrlEncode(signature)),
			"Invalid token signature");
}

TEST(TokenVerifier, AlgNoneIsRefusedWithOrWithoutASignaturePart) {
	auto verifier = SecretOnly();
	const auto payload = Base64UrlEncode(boost::json::serialize(Claims()));
	for (const char* alg : {"none", "None", "NONE"}) {
		const auto header = Base64UrlEncode(std::string(R"({"alg":")") + alg + R"(","typ":"JWT"})");
		EXPECT_EQ(ErrorOf(*verifier, header + "." + payload + "."), "Token algorithm none is not allowed") << alg;
		EXPECT_EQ(ErrorOf(*verifier, header + "." + payload), "Token algorithm none is not allowed") << alg;
		// With a valid HS256 signature over the same input: still none.
		EXPECT_EQ(ErrorOf(*verifier, header + "." + payload + "." + Part(SignWithLibjwt("HS256", kSecret, Claims()), 2)),
				"Token algorithm none is not allowed");
	}
	// And against a JWKS-only verifier.
	auto jwks = FullJwks();
	const auto header = Base64UrlEncode(R"({"alg":"none","kid":"rsa-1"})");
	EXPECT_EQ(ErrorOf(*jwks, header + "." + payload + "."), "Token algorithm none is not allowed");
}

TEST(TokenVerifier, UnsupportedAlgorithmIsRefused) {
	auto verifier = FullJwks({.jwt_secret = kSecret});
	const auto token = RawToken(R"({"alg":"PS256","kid":"rsa-1"})", boost::json::serialize(Claims()), "sig");
	EXPECT_EQ(ErrorOf(*verifier, token), "Token algorithm PS256 is not supported");
}

TEST(TokenVerifier, Hs256SignedWithTheRsaPublicKeyPemIsRefused) {
	// The classic confusion: a verifier that hands the RSA key's PEM to an HS256 check as the HMAC secret
	// would accept this token, whose "signature" anyone holding the public key can make.
	auto verifier = FullJwks();
	const auto pem = PublicPem(K().rsa.get());
	const auto forged = SignWithLibjwt("HS256", pem, Claims(), "rsa-1");
	EXPECT_EQ(ErrorOf(*verifier, forged), "Token algorithm HS256 does not match the key");
	// The forgery is real: with the PEM as the HMAC secret it verifies.
	EXPECT_EQ(ErrorOf(*Make({.jwt_secret = pem}), forged), "verified");
	// Without a kid, the RSA key is never a candidate for HS256 either.
	auto rsa_only = Make({.jwt_jwks = Jwks({PublicJwk(K().rsa.get(), "rsa-1")})});
	EXPECT_EQ(ErrorOf(*rsa_only, SignWithLibjwt("HS256", pem, Claims())), "No key for kid (none)");
	// Nor when JWT_SECRET is also set: the kid names the RSA key.
	auto both = FullJwks({.jwt_secret = kSecret});
	EXPECT_EQ(ErrorOf(*both, forged), "Token algorithm HS256 does not match the key");
}

TEST(TokenVerifier, Rs256GoodAndWithTheWrongKey) {
	auto verifier = FullJwks();
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("RS256", PrivatePem(K().rsa.get()), Claims(), "rsa-1")), "verified");
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("RS512", PrivatePem(K().rsa.get()), Claims(), "rsa-1")), "verified");
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("RS256", PrivatePem(K().rsa_other.get()), Claims(), "rsa-1")),
			"Invalid token signature");
}

TEST(TokenVerifier, Es256GoodAndBad) {
	auto verifier = FullJwks();
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("ES256", PrivatePem(K().ec.get()), Claims(), "ec-1")), "verified");
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("ES256", PrivatePem(K().ec_other.get()), Claims(), "ec-1")),
			"Invalid token signature");
	const auto good = SignWithLibjwt("ES256", PrivatePem(K().ec.get()), Claims(), "ec-1");
	auto signature = *Base64UrlDecode(Part(good, 2));
	signature[10] ^= 0x40;
	EXPECT_EQ(ErrorOf(*verifier, Part(good, 0) + "." + Part(good, 1) + "." + Base64UrlEncode(signature)),
			"Invalid token signature");
}

TEST(TokenVerifier, Es384AndEs512NeedTheirOwnCurve) {
	auto verifier = FullJwks();
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("ES384", PrivatePem(K().ec384.get()), Claims(), "ec-384")), "verified");
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("ES512", PrivatePem(K().ec521.get()), Claims(), "ec-521")), "verified");
	// ES256 named at the P-384 key: the curve is not the algorithm's.
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("ES384", PrivatePem(K().ec384.get()), Claims(), "ec-1")),
			"Token algorithm ES384 does not match the key");
}

TEST(TokenVerifier, EdDsaGoodAndBad) {
	auto verifier = FullJwks();
	EXPECT_EQ(ErrorOf(*verifier, SignEdDsa(K().ed.get(), Claims(), "ed-1")), "verified");
	EXPECT_EQ(ErrorOf(*verifier, SignEdDsa(K().ed_other.get(), Claims(), "ed-1")), "Invalid token signature");
	const auto good = SignEdDsa(K().ed.get(), Claims(), "ed-1");
	const auto tampered = Part(good, 0) + "." + Base64UrlEncode(boost::json::serialize(Claims(3600, "admin"))) +
			"." + Part(good, 2);
	EXPECT_EQ(ErrorOf(*verifier, tampered), "Invalid token signature");
	// A truncated signature.
	const auto short_sig = *Base64UrlDecode(Part(good, 2));
	EXPECT_EQ(ErrorOf(*verifier, Part(good, 0) + "." + Part(good, 1) + "." + Base64UrlEncode(short_sig.substr(0, 63))),
			"Invalid token signature");
	// An EdDSA token naming an RSA key.
	EXPECT_EQ(ErrorOf(*verifier, SignEdDsa(K().ed.get(), Claims(), "rsa-1")),
			"Token algorithm EdDSA does not match the key");
}

TEST(TokenVerifier, KidSelectsTheKey) {
	// Two RSA keys: each token verifies against the key its kid names, and not against the other.
	auto verifier = Make({.jwt_jwks = Jwks({PublicJwk(K().rsa.get(), "a"), PublicJwk(K().rsa_other.get(), "b")})});
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("RS256", PrivatePem(K().rsa.get()), Claims(), "a")), "verified");
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("RS256", PrivatePem(K().rsa_other.get()), Claims(), "b")), "verified");
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("RS256", PrivatePem(K().rsa.get()), Claims(), "b")),
			"Invalid token signature");
	// Without a kid, two RSA keys leave the choice open: refused.
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("RS256", PrivatePem(K().rsa.get()), Claims())), "No key for kid (none)");
}

TEST(TokenVerifier, WithoutKidTheOnlyKeyOfTheTypeIsUsed) {
	auto verifier = FullJwks();  // one RSA, one P-256, one Ed25519 key
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("RS256", PrivatePem(K().rsa.get()), Claims())), "verified");
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("ES256", PrivatePem(K().ec.get()), Claims())), "verified");
	EXPECT_EQ(ErrorOf(*verifier, SignEdDsa(K().ed.get(), Claims())), "verified");
	// HS without kid and no JWT_SECRET: the JWKS's only oct key.
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS256", "jwks-hmac-key-of-32-bytes-or-more!", Claims())), "verified");
	// HS without kid and JWT_SECRET set: the secret, not the oct key.
	auto both = FullJwks({.jwt_secret = kSecret});
	EXPECT_EQ(ErrorOf(*both, SignWithLibjwt("HS256", kSecret, Claims())), "verified");
	EXPECT_EQ(ErrorOf(*both, SignWithLibjwt("HS256", "jwks-hmac-key-of-32-bytes-or-more!", Claims())),
			"Invalid token signature");
	// ... but a kid naming the oct key selects it.
	EXPECT_EQ(ErrorOf(*both, SignWithLibjwt("HS256", "jwks-hmac-key-of-32-bytes-or-more!", Claims(), "oct-1")),
			"verified");
}

TEST(TokenVerifier, UnknownKidIsRefused) {
	auto verifier = FullJwks();
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("RS256", PrivatePem(K().rsa.get()), Claims(), "rsa-2")),
			"No key for kid rsa-2");
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS256", kSecret, Claims(), "nope")), "No key for kid nope");
	// A secret-signed HS token may carry a kid the JWKS does not know: the secret is the HS key.
	auto both = FullJwks({.jwt_secret = kSecret});
	EXPECT_EQ(ErrorOf(*both, SignWithLibjwt("HS256", kSecret, Claims(), "legacy")), "verified");
	// Client-chosen kid text is cut and made printable in the error.
	const auto long_kid = std::string(500, 'k') + "\n";
	const auto error = ErrorOf(*verifier, SignWithLibjwt("RS256", PrivatePem(K().rsa.get()), Claims(), long_kid));
	EXPECT_LT(error.size(), 100u);
	EXPECT_EQ(error.find('\n'), std::string::npos);
}

TEST(TokenVerifier, JwkAlgRestrictsTheKey) {
	auto verifier = Make({.jwt_jwks = Jwks({PublicJwk(K().rsa.get(), "rsa-1", "RS256"),
			OctJwk(kSecret, "hs-only-384", "HS384")})});
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("RS256", PrivatePem(K().rsa.get()), Claims(), "rsa-1")), "verified");
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("RS512", PrivatePem(K().rsa.get()), Claims(), "rsa-1")),
			"Token algorithm RS512 does not match the key");
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS384", kSecret, Claims(), "hs-only-384")), "verified");
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS256", kSecret, Claims(), "hs-only-384")),
			"Token algorithm HS256 does not match the key");
	// Without kid the only RSA key is found, and its alg still holds.
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("RS384", PrivatePem(K().rsa.get()), Claims())),
			"Token algorithm RS384 does not match the key");
}

TEST(TokenVerifier, NoKeyOfTheTypeIsConfigured) {
	auto verifier = SecretOnly();
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("RS256", PrivatePem(K().rsa.get()), Claims())), "No key for kid (none)");
	EXPECT_EQ(ErrorOf(*verifier, SignEdDsa(K().ed.get(), Claims(), "ed-1")), "No key for kid ed-1");
}

TEST(TokenVerifier, MissingExpIsRefused) {
	auto verifier = SecretOnly();
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS256", kSecret, {{"role", "anon"}})), "Token has no exp claim");
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS256", kSecret, {{"role", "anon"}, {"exp", "tomorrow"}})),
			"Token claim exp is not a number");
}

TEST(TokenVerifier, ExpiredAtExpPlusLeewayAcceptedOneSecondBefore) {
	auto verifier = SecretOnly();  // leeway 5 s
	const auto token = SignWithLibjwt("HS256", kSecret, Claims(0));  // exp == kNow
	EXPECT_EQ(ErrorOf(*verifier, token, now + 5s), "Token has expired");
	EXPECT_EQ(ErrorOf(*verifier, token, now + 4s), "verified");
	EXPECT_EQ(ErrorOf(*verifier, token, now + 4999ms), "verified");
	auto strict = Make({.jwt_secret = kSecret, .leeway = 0s});
	EXPECT_EQ(ErrorOf(*strict, token, now), "Token has expired");
	EXPECT_EQ(ErrorOf(*strict, token, now - 1s), "verified");
}

TEST(TokenVerifier, ExpiredTokenWithABadSignatureSaysSignature) {
	// Claims are judged after the signature: a forger does not learn which claims would pass.
	auto verifier = SecretOnly();
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS256", "wrong-secret-wrong-secret-wrong!!", Claims(-100))),
			"Invalid token signature");
}

TEST(TokenVerifier, NbfInTheFuture) {
	auto verifier = SecretOnly();
	auto claims = Claims();
	claims["nbf"] = kNow + 6;
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS256", kSecret, claims)), "Token is not yet valid");
	claims["nbf"] = kNow + 5;
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS256", kSecret, claims)), "verified");
}

TEST(TokenVerifier, IatInTheFuture) {
	auto verifier = SecretOnly();
	auto claims = Claims();
	claims["iat"] = kNow + 60;
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS256", kSecret, claims)), "Token was issued in the future");
	claims["iat"] = kNow + 5;
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS256", kSecret, claims)), "verified");
}

TEST(TokenVerifier, RoleRules) {
	auto verifier = SecretOnly();
	auto claims = Claims();
	claims.erase("role");
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS256", kSecret, claims)), "Token has no role claim");
	claims["role"] = "";
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS256", kSecret, claims)), "Token has no role claim");
	claims["role"] = 1;
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS256", kSecret, claims)), "Token claim role is not a string");
	claims.erase("role");
	auto metrics = Make({.jwt_secret = kSecret, .require_role = false});
	const auto result = metrics->Verify(SignWithLibjwt("HS256", kSecret, claims), now);
	ASSERT_TRUE(result) << result.error;
	EXPECT_EQ(result.identity->role, "");
}

TEST(TokenVerifier, ClaimValidators) {
	auto verifier = Make({.jwt_secret = kSecret, .claim_validators = R"({"iss":"https://x","aud":"authenticated"})"});
	auto claims = Claims();
	claims["iss"] = "https://x";
	claims["aud"] = "authenticated";
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS256", kSecret, claims)), "verified");
	claims["aud"] = boost::json::array{"realtime", "authenticated"};
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS256", kSecret, claims)), "verified");
	claims["aud"] = boost::json::array{"realtime"};
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS256", kSecret, claims)),
			"Token claim aud does not match JWT_CLAIM_VALIDATORS");
	claims["aud"] = "authenticated";
	claims["iss"] = "https://evil";
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS256", kSecret, claims)),
			"Token claim iss does not match JWT_CLAIM_VALIDATORS");
	claims.erase("iss");
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS256", kSecret, claims)),
			"Token claim iss does not match JWT_CLAIM_VALIDATORS");
}

TEST(TokenVerifier, OversizedTokenIsRefusedBeforeDecoding) {
	auto verifier = SecretOnly();
	auto claims = Claims();
	claims["pad"] = std::string(13000, 'x');  // ~17.4 KiB once base64url encoded
	const auto token = SignWithLibjwt("HS256", kSecret, claims);
	ASSERT_GT(token.size(), 16u * 1024);
	EXPECT_EQ(ErrorOf(*verifier, token), "Token is too large");
	claims["pad"] = std::string(11000, 'x');  // just under
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS256", kSecret, claims)), "verified");
	EXPECT_EQ(ErrorOf(*verifier, std::string(1 << 20, '.')), "Token is too large");
}

TEST(TokenVerifier, GarbageIsMalformed) {
	auto verifier = FullJwks({.jwt_secret = kSecret});
	const auto good = SignWithLibjwt("HS256", kSecret, Claims());
	for (const std::string token : {
				 std::string(""), std::string("garbage"), std::string("a.b.c"), std::string("..."), std::string(".."),
				 std::string("!!!.@@@.###"),
				 Part(good, 0) + "." + Part(good, 1),                        // no signature part
				 Part(good, 0) + "." + Part(good, 1) + ".",                  // empty signature
				 Part(good, 0) + "." + Part(good, 1) + "." + Part(good, 2) + ".x",  // four parts
				 Part(good, 0) + "=." + Part(good, 1) + "." + Part(good, 2),  // padding
				 Part(good, 0) + ".%%%." + Part(good, 2),                     // payload not base64url
				 Part(good, 0) + "." + Base64UrlEncode("[1,2]") + "." + Part(good, 2),  // payload not an object
				 Part(good, 0) + "." + Base64UrlEncode("{\"exp\":") + "." + Part(good, 2),  // payload not JSON
				 Base64UrlEncode("\"HS256\"") + "." + Part(good, 1) + "." + Part(good, 2),  // header not an object
				 Base64UrlEncode(R"({"typ":"JWT"})") + "." + Part(good, 1) + "." + Part(good, 2),  // no alg
				 Base64UrlEncode(R"({"alg":256})") + "." + Part(good, 1) + "." + Part(good, 2),
				 Base64UrlEncode(R"({"alg":"HS256","kid":7})") + "." + Part(good, 1) + "." + Part(good, 2),
				 std::string("\xff\xfe.\x00\x01.zz", 8),
		 })
		EXPECT_EQ(ErrorOf(*verifier, token), "Malformed token") << token;
}

TEST(TokenVerifier, PayloadsLibjwtCannotReadAreMalformedForEveryAlgorithm) {
	// A NUL character or an integer over INT64_MAX: refused alike for HS (libjwt) and EdDSA (OpenSSL).
	auto verifier = FullJwks({.jwt_secret = kSecret});
	for (const boost::json::value& odd : {boost::json::value(std::string("a\0b", 3)), boost::json::value(UINT64_MAX),
				 boost::json::value(boost::json::object{{std::string("k\0", 2), 1}})}) {
		auto claims = Claims();
		claims["odd"] = odd;
		EXPECT_EQ(ErrorOf(*verifier, SignEdDsa(K().ed.get(), claims, "ed-1")), "Malformed token");
		const auto header = Base64UrlEncode(R"({"alg":"HS256"})");
		const auto input = header + "." + Base64UrlEncode(boost::json::serialize(claims));
		unsigned char mac[32];
		unsigned int mac_size = 0;
		HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
				reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_size);
		EXPECT_EQ(ErrorOf(*verifier, input + "." + Base64UrlEncode(std::string(reinterpret_cast<char*>(mac), mac_size))),
				"Malformed token");
	}
	auto claims = Claims();
	claims["big"] = INT64_MAX;
	EXPECT_EQ(ErrorOf(*verifier, SignEdDsa(K().ed.get(), claims, "ed-1")), "verified");
	EXPECT_EQ(ErrorOf(*verifier, SignWithLibjwt("HS256", kSecret, claims)), "verified");
}

TEST(TokenVerifier, HeaderExtensionsAndOtherTypesAreRefused) {
	auto verifier = SecretOnly();
	const auto payload = boost::json::serialize(Claims());
	EXPECT_EQ(ErrorOf(*verifier, RawToken(R"({"alg":"HS256","crit":["exp"],"exp":1})", payload, "s")),
			"Token header crit is not supported");
	EXPECT_EQ(ErrorOf(*verifier, RawToken(R"({"alg":"HS256","typ":"at+jwt"})", payload, "s")), "Token type is not JWT");
}

TEST(TokenVerifier, ErrorsNeverEchoTheTokenOrSecret) {
	auto verifier = SecretOnly();
	const auto token = SignWithLibjwt("HS256", "not-the-secret-not-the-secret-!!", Claims());
	const auto error = ErrorOf(*verifier, token);
	EXPECT_EQ(error.find(Part(token, 1)), std::string::npos);
	EXPECT_EQ(error.find(kSecret), std::string::npos);
}

TEST(TokenVerifier, ConcurrentVerifyIsSafe) {
	// Verify is const and shared by threads (run under TSan by the sanitizer build).
	auto verifier = FullJwks({.jwt_secret = kSecret});
	const std::vector<std::string> tokens{SignWithLibjwt("HS256", kSecret, Claims()),
			SignWithLibjwt("RS256", PrivatePem(K().rsa.get()), Claims(), "rsa-1"),
			SignWithLibjwt("ES256", PrivatePem(K().ec.get()), Claims(), "ec-1"), SignEdDsa(K().ed.get(), Claims(), "ed-1")};
	std::atomic<int> verified{0};
	std::vector<std::thread> threads;
	for (int t = 0; t < 4; ++t)
		threads.emplace_back([&] {
			for (int i = 0; i < 25; ++i)
				for (const auto& token : tokens) verified += verifier->Verify(token, now) ? 1 : 0;
		});
	for (auto& thread : threads) thread.join();
	EXPECT_EQ(verified.load(), 4 * 25 * 4);
}

}  // namespace
}  // namespace walcast::auth
