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
