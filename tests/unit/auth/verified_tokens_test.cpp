// The verified-token cache: one signature check per token, never an answer outside the window the token was
// verified for, bounded, and never a hit for another token text.
#include "auth/verified_tokens.hpp"

#include <gtest/gtest.h>

#include "auth/token_verifier.hpp"
#include "token_factory.hpp"

namespace walcast::auth {
namespace {

using namespace std::chrono_literals;
using namespace walcast::auth::test;
using Clock = std::chrono::system_clock;

constexpr std::int64_t kNow = 1'700'000'000;
const Clock::time_point now{std::chrono::seconds(kNow)};
const std::string kSecret = "a-shared-secret-of-at-least-32-bytes!!";

std::unique_ptr<TokenVerifier> Verifier(std::size_t cache_entries, std::chrono::seconds leeway = 0s) {
	std::string error;
	auto v = TokenVerifier::Create({.jwt_secret = kSecret, .leeway = leeway, .cache_entries = cache_entries}, error);
	EXPECT_TRUE(v) << error;
	return v;
}

std::string Token(std::int64_t exp_in, std::int64_t nbf_in = -100, const char* sub = "u1") {
	return SignWithLibjwt("HS256", kSecret,
	                      {{"role", "authenticated"}, {"sub", sub}, {"exp", kNow + exp_in}, {"nbf", kNow + nbf_in}});
}

TEST(VerifiedTokens, OneTokenVerifiesOnceAndGivesTheSameIdentity) {
	auto v = Verifier(16);
	const auto token = Token(3600);
	auto a = v->Verify(token, now), b = v->Verify(token, now + 10s);
	ASSERT_TRUE(a && b);
	EXPECT_EQ(a.identity, b.identity);  // the cached answer, not a second verification
}

TEST(VerifiedTokens, NoCacheVerifiesEveryTime) {
	auto v = Verifier(0);
	const auto token = Token(3600);
	auto a = v->Verify(token, now), b = v->Verify(token, now);
	ASSERT_TRUE(a && b);
	EXPECT_NE(a.identity, b.identity);
}

TEST(VerifiedTokens, ACachedTokenStillExpires) {
	auto v = Verifier(16);
	const auto token = Token(60);
	ASSERT_TRUE(v->Verify(token, now));
	EXPECT_TRUE(v->Verify(token, now + 59s));
	auto late = v->Verify(token, now + 60s);
	EXPECT_FALSE(late);
	EXPECT_EQ(late.error, "Token has expired");
}

TEST(VerifiedTokens, ACachedTokenIsNotValidBeforeItsNbf) {
	// Verified at a time after nbf, then asked about a time before it: the cache must not answer.
	auto v = Verifier(16);
	const auto token = Token(3600, /*nbf_in=*/100);
	ASSERT_TRUE(v->Verify(token, now + 200s));
	auto early = v->Verify(token, now);
	EXPECT_FALSE(early);
	EXPECT_EQ(early.error, "Token is not yet valid");
}

TEST(VerifiedTokens, AnotherTokenTextIsNeverServedFromTheCache) {
	auto v = Verifier(16);
	const auto token = Token(3600);
	ASSERT_TRUE(v->Verify(token, now));
	std::string tampered = token;
	tampered.back() = tampered.back() == 'A' ? 'B' : 'A';  // another signature
	EXPECT_FALSE(v->Verify(tampered, now));
	EXPECT_FALSE(v->Verify(token + "x", now));
}

TEST(VerifiedTokens, FailuresAreNotCached) {
	auto v = Verifier(4);
	const auto expired = Token(-10);
	EXPECT_FALSE(v->Verify(expired, now));
	EXPECT_FALSE(v->Verify(expired, now));
}

TEST(VerifiedTokens, BoundedOldestOut) {
	VerifiedTokens cache(3);
	auto identity = std::make_shared<Identity>();
	identity->expires_at = now + 3600s;
	for (int i = 0; i < 10; ++i) cache.Add("token-" + std::to_string(i), identity, now);
	EXPECT_EQ(cache.size(), 3u);
	EXPECT_FALSE(cache.Find("token-6", now));
	EXPECT_TRUE(cache.Find("token-7", now));
	EXPECT_TRUE(cache.Find("token-9", now));
}

TEST(VerifiedTokens, LongTokensAreNotKept) {
	VerifiedTokens cache(3);
	auto identity = std::make_shared<Identity>();
	identity->expires_at = now + 3600s;
	const std::string at_limit(VerifiedTokens::kMaxCachedTokenBytes, 'a');
	const std::string over(VerifiedTokens::kMaxCachedTokenBytes + 1, 'b');
	cache.Add(at_limit, identity, now);
	cache.Add(over, identity, now);
	EXPECT_TRUE(cache.Find(at_limit, now));
	EXPECT_FALSE(cache.Find(over, now));
	EXPECT_EQ(cache.size(), 1u);
}

}  // namespace
}  // namespace walcast::auth
