#include "auth/token_verifier.hpp"

#include <optional>
#include <utility>
#include <vector>

#include "auth/algorithm.hpp"
#include "auth/claim_rules.hpp"
#include "auth/compact_jws.hpp"
#include "auth/jwks.hpp"
#include "auth/signature.hpp"
#include "auth/verification_key.hpp"
#include "auth/verified_tokens.hpp"

namespace walcast::auth {
namespace {

// Tokens arrive from unauthenticated clients (apikey, access_token); real ones are well under 2 KiB
// (a few dozen claims). The limit bounds the base64, JSON and signature work a client can ask for per token.
constexpr std::size_t kMaxTokenBytes = 16 * 1024;

class JwtVerifier final : public TokenVerifier {
public:
	JwtVerifier(std::optional<VerificationKey> secret, std::vector<VerificationKey> jwks, ClaimRules rules,
	            std::size_t cache_entries)
			: secret_(std::move(secret)), jwks_(std::move(jwks)), rules_(std::move(rules)), verified_(cache_entries) {}

	VerifyResult Verify(std::string_view token, std::chrono::system_clock::time_point now) const override {
		if (auto known = verified_.Find(token, now)) return VerifyResult{std::move(known), {}};
		auto result = VerifyAnew(token, now);
		if (result) verified_.Add(token, result.identity, now);
		return result;
	}

private:
	VerifyResult VerifyAnew(std::string_view token, std::chrono::system_clock::time_point now) const {
		if (token.size() > kMaxTokenBytes) return Fail("Token is too large");
		CompactJws jws;
		if (auto error = ParseCompactJws(token, jws); !error.empty()) return Fail(std::move(error));
		const Algorithm* algorithm = FindAlgorithm(jws.alg);
		if (!algorithm) return Fail("Token algorithm " + Printable(jws.alg) + " is not supported");

		std::string error;
		const VerificationKey* key = SelectKey(*algorithm, jws, error);
		if (!key) return Fail(std::move(error));
		if (!VerifySignature(*algorithm, *key, std::string(token), jws.signing_input, jws.signature))
			return Fail("Invalid token signature");

		// Claims are judged only once the signature holds: a forger learns nothing from the answer.
		if (auto reason = CheckClaims(jws.payload, rules_, now); !reason.empty()) return Fail(std::move(reason));

		auto identity = std::make_shared<Identity>();
		if (const auto* role = jws.payload.if_contains("role"); role && role->is_string())
			identity->role = std::string(role->get_string());
		if (const auto* sub = jws.payload.if_contains("sub"); sub && sub->is_string())
			identity->sub = std::string(sub->get_string());
		// The instant Verify would start refusing it (exp + leeway), so a channel is never closed by a token the
		// gateway would still accept at a join.
		identity->expires_at =
			NumericDateToTimePoint(*NumericDate(jws.payload.at("exp"))) + rules_.leeway;  // exp checked present
		identity->claims_json = std::move(jws.payload_json);
		identity->claims = std::move(jws.payload);
		return VerifyResult{std::move(identity), {}};
	}

	static VerifyResult Fail(std::string error) { return VerifyResult{nullptr, std::move(error)}; }

	// The one key this token may be checked with, or null and why. The key's type is matched to the
	// token's alg here, before any signature check.
	const VerificationKey* SelectKey(const Algorithm& algorithm, const CompactJws& jws, std::string& error) const {
		const bool hmac = algorithm.key_type == KeyType::oct;
		if (jws.has_kid) {
			const VerificationKey* named = nullptr;
			for (const auto& key : jwks_) {
				if (key.kid.empty() || key.kid != jws.kid) continue;  // a JWK without kid is never named
				if (key.Fits(algorithm)) return &key;
				named = &key;
			}
			if (named) {
				error = "Token algorithm " + std::string(algorithm.name) + " does not match the key";
				return nullptr;
			}
			// Issuers that sign with the shared secret may still label it with a kid of their own.
			if (hmac && secret_) return &*secret_;
			error = "No key for kid " + Printable(jws.kid);
			return nullptr;
		}
		if (hmac && secret_) return &*secret_;
		// No kid: only a JWKS with exactly one key of the algorithm's type (and curve) says which key.
		const VerificationKey* only = nullptr;
		for (const auto& key : jwks_) {
			if (!key.SuitsType(algorithm)) continue;
			if (only) {
				only = nullptr;
				break;
			}
			only = &key;
		}
		if (!only) {
			error = "No key for kid (none)";
			return nullptr;
		}
		if (!only->Fits(algorithm)) {
			error = "Token algorithm " + std::string(algorithm.name) + " does not match the key";
			return nullptr;
		}
		return only;
	}

	std::optional<VerificationKey> secret_;
	std::vector<VerificationKey> jwks_;
	ClaimRules rules_;
	mutable VerifiedTokens verified_;
};

}  // namespace

std::unique_ptr<TokenVerifier> TokenVerifier::Create(const VerifierSettings& settings, std::string& error) {
	if (settings.jwt_secret.empty() && settings.jwt_jwks.empty()) {
		error = "JWT_SECRET or JWT_JWKS must be set to verify tokens";
		return nullptr;
	}
	if (settings.leeway.count() < 0) {
		error = "JWT_LEEWAY_SECONDS must not be negative";
		return nullptr;
	}
	std::optional<VerificationKey> secret;
	if (!settings.jwt_secret.empty()) {
		secret.emplace();
		secret->type = KeyType::oct;
		secret->secret = settings.jwt_secret;
	}
	std::vector<VerificationKey> jwks;
	if (!settings.jwt_jwks.empty()) {
		auto keys = LoadJwks(settings.jwt_jwks, error);
		if (!keys) return nullptr;
		jwks = std::move(*keys);
	}
	auto validators = ParseClaimValidators(settings.claim_validators, error);
	if (!validators) return nullptr;
	ClaimRules rules{settings.leeway, settings.require_role, std::move(*validators)};
	return std::make_unique<JwtVerifier>(std::move(secret), std::move(jwks), std::move(rules), settings.cache_entries);
}

}  // namespace walcast::auth
