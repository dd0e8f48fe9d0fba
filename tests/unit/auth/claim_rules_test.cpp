// The claim checks at their edges, with `now` given.
#include "auth/claim_rules.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace walcast::auth {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

constexpr std::int64_t kNow = 1'700'000'000;
const Clock::time_point now{std::chrono::seconds(kNow)};

boost::json::object Claims(const char* json) { return boost::json::parse(json).as_object(); }

std::string Check(const char* json, ClaimRules rules = {}) { return CheckClaims(Claims(json), rules, now); }

std::string WithExp(std::int64_t exp) {
	return R"({"role":"authenticated","exp":)" + std::to_string(exp) + "}";
}

TEST(ClaimRules, ExpIsRequiredAndNumeric) {
	EXPECT_EQ(Check(R"({"role":"r"})"), "Token has no exp claim");
	EXPECT_EQ(Check(R"({"role":"r","exp":"1800000000"})"), "Token claim exp is not a number");
	EXPECT_EQ(Check(R"({"role":"r","exp":null})"), "Token claim exp is not a number");
	EXPECT_EQ(Check(R"({"role":"r","exp":1e400})"), "Token claim exp is not a number");  // infinity
	EXPECT_EQ(Check(R"({"role":"r","exp":1800000000})"), "");
	EXPECT_EQ(Check(R"({"role":"r","exp":1800000000.5})"), "");
}

TEST(ClaimRules, ExpiredExactlyAtExpPlusLeeway) {
	ClaimRules rules;  // leeway 5 s
	EXPECT_EQ(Check(WithExp(kNow - 5).c_str(), rules), "Token has expired");      // now == exp + leeway
	EXPECT_EQ(Check(WithExp(kNow - 4).c_str(), rules), "");                       // one second before
	EXPECT_EQ(Check(WithExp(kNow - 1000).c_str(), rules), "Token has expired");
	rules.leeway = 0s;
	EXPECT_EQ(Check(WithExp(kNow).c_str(), rules), "Token has expired");
	EXPECT_EQ(Check(WithExp(kNow + 1).c_str(), rules), "");
	// Fractional exp: a half second past exp + leeway is expired.
	EXPECT_EQ(Check(R"({"role":"r","exp":1699999999.5})", rules), "Token has expired");
}

TEST(ClaimRules, NbfInTheFutureBeyondLeeway) {
	EXPECT_EQ(Check(R"({"role":"r","exp":1800000000,"nbf":1700000006})"), "Token is not yet valid");
	EXPECT_EQ(Check(R"({"role":"r","exp":1800000000,"nbf":1700000005})"), "");  // now + leeway == nbf
	EXPECT_EQ(Check(R"({"role":"r","exp":1800000000,"nbf":1600000000})"), "");
	EXPECT_EQ(Check(R"({"role":"r","exp":1800000000,"nbf":"soon"})"), "Token claim nbf is not a number");
}

TEST(ClaimRules, IatInTheFutureBeyondLeeway) {
	EXPECT_EQ(Check(R"({"role":"r","exp":1800000000,"iat":1700000006})"), "Token was issued in the future");
	EXPECT_EQ(Check(R"({"role":"r","exp":1800000000,"iat":1700000005})"), "");
	EXPECT_EQ(Check(R"({"role":"r","exp":1800000000,"iat":true})"), "Token claim iat is not a number");
}

TEST(ClaimRules, RoleIsANonEmptyString) {
	EXPECT_EQ(Check(R"({"exp":1800000000})"), "Token has no role claim");
	EXPECT_EQ(Check(R"({"exp":1800000000,"role":""})"), "Token has no role claim");
	EXPECT_EQ(Check(R"({"exp":1800000000,"role":7})"), "Token claim role is not a string");
	EXPECT_EQ(Check(R"({"exp":1800000000,"role":["anon"]})"), "Token claim role is not a string");
	ClaimRules metrics;
	metrics.require_role = false;
	EXPECT_EQ(Check(R"({"exp":1800000000})", metrics), "");
}

TEST(ClaimRules, ValidatorsNeedExactEquality) {
	std::string error;
	auto validators = ParseClaimValidators(R"({"iss":"https://x","aud":"authenticated","lvl":2})", error);
	ASSERT_TRUE(validators) << error;
	ClaimRules rules;
	rules.validators = *validators;
	EXPECT_EQ(Check(R"({"role":"r","exp":1800000000,"iss":"https://x","aud":"authenticated","lvl":2})", rules), "");
	EXPECT_EQ(Check(R"({"role":"r","exp":1800000000,"iss":"https://y","aud":"authenticated","lvl":2})", rules),
			"Token claim iss does not match JWT_CLAIM_VALIDATORS");
	EXPECT_EQ(Check(R"({"role":"r","exp":1800000000,"aud":"authenticated","lvl":2})", rules),
			"Token claim iss does not match JWT_CLAIM_VALIDATORS");
	EXPECT_EQ(Check(R"({"role":"r","exp":1800000000,"iss":"https://x","aud":"authenticated","lvl":"2"})", rules),
			"Token claim lvl does not match JWT_CLAIM_VALIDATORS");
	EXPECT_EQ(Check(R"({"role":"r","exp":1800000000,"iss":"https://x","aud":"authenticated","lvl":2.0})", rules),
			"Token claim lvl does not match JWT_CLAIM_VALIDATORS");
}

TEST(ClaimRules, AudMayBeAnArrayHoldingTheValue) {
	std::string error;
	ClaimRules rules;
	rules.validators = *ParseClaimValidators(R"({"aud":"authenticated"})", error);
	EXPECT_EQ(Check(R"({"role":"r","exp":1800000000,"aud":["other","authenticated"]})", rules), "");
	EXPECT_EQ(Check(R"({"role":"r","exp":1800000000,"aud":["other"]})", rules),
			"Token claim aud does not match JWT_CLAIM_VALIDATORS");
	EXPECT_EQ(Check(R"({"role":"r","exp":1800000000,"aud":[]})", rules),
			"Token claim aud does not match JWT_CLAIM_VALIDATORS");
	// Only aud: another claim's array does not stand for its members.
	rules.validators = *ParseClaimValidators(R"({"iss":"a"})", error);
	EXPECT_EQ(Check(R"({"role":"r","exp":1800000000,"iss":["a"]})", rules),
			"Token claim iss does not match JWT_CLAIM_VALIDATORS");
}

TEST(ClaimRules, ValidatorsSettingMustBeAJsonObject) {
	std::string error;
	EXPECT_TRUE(ParseClaimValidators("", error));
	EXPECT_FALSE(ParseClaimValidators("[1]", error));
	EXPECT_EQ(error, "JWT_CLAIM_VALIDATORS is not a JSON object (claim -> required value)");
	EXPECT_FALSE(ParseClaimValidators("{iss:", error));
	EXPECT_NE(error.find("JWT_CLAIM_VALIDATORS is not valid JSON"), std::string::npos);
}

TEST(ClaimRules, ExpiresAtIsClampedFarAhead) {
	EXPECT_EQ(NumericDateToTimePoint(1e300), Clock::time_point::max());
	EXPECT_EQ(NumericDateToTimePoint(1800000000), Clock::time_point(std::chrono::seconds(1800000000)));
}

}  // namespace
}  // namespace walcast::auth
