#include "pure/format.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

std::string Lsn(uint64_t v)
{
	char buf[walcast::format::kLsnBufSize];
	size_t n = walcast::format::Lsn(v, buf);
	return std::string(buf, n);
}

std::string Ts(int64_t usecs)
{
	char buf[walcast::format::kTimestampBufSize];
	size_t n = walcast::format::CommitTimestamp(usecs, buf);
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
