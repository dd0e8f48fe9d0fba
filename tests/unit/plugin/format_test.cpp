#include "pure/format.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <string>

namespace {

std::string Lsn(uint64_t v)
{
	char buf[walcast::format::kLsnBufSize];
	size_t n = walcast::format::Lsn(v, buf);
	EXPECT_EQ(std::strlen(buf), n);
	return std::string(buf, n);
}

std::string Ts(int64_t usecs)
{
	char buf[walcast::format::kTimestampBufSize];
	size_t n = walcast::format::CommitTimestamp(usecs, buf);
	EXPECT_EQ(std::strlen(buf), n);
	return std::string(buf, n);
}

std::string Dec(uint64_t v)
{
	char buf[walcast::format::kDecimalBufSize];
	size_t n = walcast::format::Decimal(v, buf);
	EXPECT_EQ(std::strlen(buf), n);
	return std::string(buf, n);
}

constexpr int64_t kUsecPerDay = 86400LL * 1000000;

} // namespace

TEST(FormatLsn, UpperCaseHexWithoutPadding)
{
	EXPECT_EQ(Lsn(0), "0/0");
	EXPECT_EQ(Lsn(0x16B3748), "0/16B3748");
	EXPECT_EQ(Lsn(0x1'0000'00ABULL), "1/AB");
	EXPECT_EQ(Lsn(~0ULL), "FFFFFFFF/FFFFFFFF");
	EXPECT_EQ(Lsn(0xFFFFFFFFULL), "0/FFFFFFFF");
	EXPECT_EQ(Lsn(0x1'0000'0000ULL), "1/0");
	EXPECT_EQ(Lsn(0x10'0000'0010ULL), "10/10");
}

TEST(FormatDecimal, NoPaddingFullRange)
{
	EXPECT_EQ(Dec(0), "0");
	EXPECT_EQ(Dec(7), "7");
	EXPECT_EQ(Dec(10), "10");
	EXPECT_EQ(Dec(4294967295ULL), "4294967295");
	EXPECT_EQ(Dec(~0ULL), "18446744073709551615");
}

TEST(FormatTimestamp, PostgresEpochIsYear2000)
{
	EXPECT_EQ(Ts(0), "2000-01-01T00:00:00.000Z");
}

TEST(FormatTimestamp, MillisecondsAreTruncatedNotRounded)
{
	EXPECT_EQ(Ts(999999), "2000-01-01T00:00:00.999Z");
	EXPECT_EQ(Ts(1500), "2000-01-01T00:00:00.001Z");
}

TEST(FormatTimestamp, KnownDates)
{
	// 2025-11-19T00:22:40.877Z: 9454 days after 2000-01-01, plus 1360.877 s.
	EXPECT_EQ(Ts(9454 * kUsecPerDay + 1360877000LL), "2025-11-19T00:22:40.877Z");
	// Leap day.
	EXPECT_EQ(Ts(59 * kUsecPerDay), "2000-02-29T00:00:00.000Z");
	EXPECT_EQ(Ts(366 * kUsecPerDay - 1), "2000-12-31T23:59:59.999Z");
}

TEST(FormatTimestamp, BeforeTheEpochFloorsCorrectly)
{
	EXPECT_EQ(Ts(-1), "1999-12-31T23:59:59.999Z");
	EXPECT_EQ(Ts(-kUsecPerDay), "1999-12-31T00:00:00.000Z");
	EXPECT_EQ(Ts(-946684800LL * 1000000), "1970-01-01T00:00:00.000Z");
}

// The year is written as "%04lld" writes it; the expected strings below are what the snprintf-based version
// produced, so the hand-written digits must match them outside 0..9999 as well. PostgreSQL's own timestamps
// stay within 4714 BC .. 294276 AD, but the function takes any int64.
TEST(FormatTimestamp, YearZeroAndOneArePaddedToFourDigits)
{
	EXPECT_EQ(Ts(-63113904000000000LL), "0000-01-01T00:00:00.000Z");
	EXPECT_EQ(Ts(-63108806400000000LL), "0000-02-29T00:00:00.000Z"); // year 0 is a leap year (proleptic)
	EXPECT_EQ(Ts(-63082281600000000LL), "0001-01-01T00:00:00.000Z");
}

TEST(FormatTimestamp, NegativeYearsCountTheSignInTheWidth)
{
	EXPECT_EQ(Ts(-63113904000000001LL), "-001-12-31T23:59:59.999Z");
	EXPECT_EQ(Ts(-63257500800000000LL), "-005-06-14T00:00:00.000Z");
	EXPECT_EQ(Ts(-66238128000000000LL), "-100-12-31T00:00:00.000Z");
	EXPECT_EQ(Ts(-94639363200000000LL), "-1000-12-31T00:00:00.000Z");
	EXPECT_EQ(Ts(-378683424000000000LL), "-10000-01-01T00:00:00.000Z");
}

TEST(FormatTimestamp, YearsPast9999GetMoreDigits)
{
	EXPECT_EQ(Ts(252455615999999999LL), "9999-12-31T23:59:59.999Z");
	EXPECT_EQ(Ts(252455616000000000LL), "10000-01-01T00:00:00.000Z");
	EXPECT_EQ(Ts(3092581296000000000LL), "100000-01-01T00:00:00.000Z");
}

TEST(FormatTimestamp, WholeInt64RangeFitsTheBuffer)
{
	EXPECT_EQ(Ts(std::numeric_limits<int64_t>::min()), "-290278-12-22T19:59:05.224Z");
	EXPECT_EQ(Ts(std::numeric_limits<int64_t>::max()), "294277-01-09T04:00:54.775Z");
}

TEST(FormatUuid, LowerCaseHexInGroups)
{
	const unsigned char bytes[16] = {0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8,
									 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11};
	char buf[walcast::format::kUuidTextLen + 1];
	walcast::format::Uuid(bytes, buf);
	EXPECT_STREQ(buf, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
	const unsigned char zero[16] = {};
	walcast::format::Uuid(zero, buf);
	EXPECT_STREQ(buf, "00000000-0000-0000-0000-000000000000");
}

TEST(MessagePrefix, ExactlyWalcastOrWalcastColon)
{
	using walcast::format::IsWalcastMessagePrefix;
	EXPECT_TRUE(IsWalcastMessagePrefix("walcast"));
	EXPECT_TRUE(IsWalcastMessagePrefix("walcast:"));
	EXPECT_TRUE(IsWalcastMessagePrefix("walcast:room:1"));
	EXPECT_FALSE(IsWalcastMessagePrefix("walcastx"));
	EXPECT_FALSE(IsWalcastMessagePrefix("walcas"));
	EXPECT_FALSE(IsWalcastMessagePrefix("Walcast"));
	EXPECT_FALSE(IsWalcastMessagePrefix(""));
	EXPECT_FALSE(IsWalcastMessagePrefix("x:walcast"));
}
