#include "auth/base64url.hpp"

#include <gtest/gtest.h>

namespace walcast::auth {
namespace {

TEST(Base64Url, RoundTripsEveryLengthAndByte) {
	std::string bytes;
	for (int i = 0; i < 300; ++i) {
		const auto encoded = Base64UrlEncode(bytes);
		EXPECT_EQ(encoded.find_first_of("+/="), std::string::npos);
		const auto decoded = Base64UrlDecode(encoded);
		ASSERT_TRUE(decoded) << i;
		EXPECT_EQ(*decoded, bytes);
		bytes.push_back(static_cast<char>(i * 37));
	}
}

TEST(Base64Url, KnownValues) {
	EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
	EXPECT_EQ(Base64UrlDecode("-_8"), std::string("\xfb\xff"));
	EXPECT_EQ(Base64UrlDecode(""), std::string());
}

TEST(Base64Url, RefusesPaddingStandardAlphabetAndGarbage) {
	EXPECT_FALSE(Base64UrlDecode("-_8="));   // padding
	EXPECT_FALSE(Base64UrlDecode("+/8"));    // standard alphabet
	EXPECT_FALSE(Base64UrlDecode("ab cd"));  // whitespace
	EXPECT_FALSE(Base64UrlDecode("abcde"));  // a lone 6-bit group
	EXPECT_FALSE(Base64UrlDecode(std::string("ab\0d", 4)));
}

TEST(Base64Url, RefusesNonZeroLeftoverBits) {
	// "-_8" is the canonical form of 0xfb 0xff; "-_9" differs only in the unused low bits.
	EXPECT_FALSE(Base64UrlDecode("-_9"));
	EXPECT_FALSE(Base64UrlDecode("AB"));  // 'B' sets a bit past the one byte
	EXPECT_TRUE(Base64UrlDecode("AA"));
}

}  // namespace
}  // namespace walcast::auth
