#include "core/lsn.hpp"

#include <gtest/gtest.h>

namespace walcast {
namespace {

TEST(Lsn, ParsesPostgresNotation) {
	EXPECT_EQ(ParseLsn("0/0"), Lsn{0});
	EXPECT_EQ(ParseLsn("16/B374D848"), Lsn{0x16B374D848ull});
	EXPECT_EQ(ParseLsn("0/16B3740"), Lsn{0x16B3740});
	EXPECT_EQ(ParseLsn("FFFFFFFF/FFFFFFFF"), Lsn{0xFFFFFFFFFFFFFFFFull});
	EXPECT_EQ(ParseLsn("a/b"), Lsn{0xA0000000Bull});  // lower-case hex accepted
}

TEST(Lsn, RejectsMalformedText) {
	for (const char* bad : {"", "/", "0/", "/0", "0", "0/0/0", "g/0", "0/x", "1FFFFFFFF/0", "0/123456789", " 0/0",
	                        "0/0 ", "-1/0", "+1/0", "0x1/0"})
		EXPECT_FALSE(ParseLsn(bad)) << bad;
}

TEST(Lsn, FormatsLikePostgres) {
	EXPECT_EQ(FormatLsn(0), "0/0");
	EXPECT_EQ(FormatLsn(0x16B374D848ull), "16/B374D848");
	EXPECT_EQ(FormatLsn(0x16B3740), "0/16B3740");
	EXPECT_EQ(FormatLsn(0xFFFFFFFFFFFFFFFFull), "FFFFFFFF/FFFFFFFF");
}

TEST(Lsn, RoundTrips) {
	for (Lsn v : {Lsn{0}, Lsn{1}, Lsn{0xFFFFFFFF}, Lsn{0x100000000ull}, Lsn{0xDEADBEEF12345678ull}})
		EXPECT_EQ(ParseLsn(FormatLsn(v)), v);
}

TEST(Lsn, OrderingIsNumeric) {
	EXPECT_LT(*ParseLsn("0/FFFFFFFF"), *ParseLsn("1/0"));
}

}  // namespace
}  // namespace walcast
