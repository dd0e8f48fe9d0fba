#include "pure/format.hpp"

#include <cstdio>
#include <cstring>

namespace walcast::format {

size_t Lsn(uint64_t lsn, char (&buf)[kLsnBufSize])
{
	int n = std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(lsn >> 32), static_cast<unsigned>(lsn));
	return static_cast<size_t>(n);
}

namespace {

// Days since 1970-01-01 to a proleptic Gregorian civil date (Howard Hinnant's well-known algorithm).
void CivilFromDays(int64_t z, int64_t &y, unsigned &m, unsigned &d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = static_cast<unsigned>(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = static_cast<int64_t>(yoe) + era * 400;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += (m <= 2);
}

int64_t FloorDiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

} // namespace

size_t CommitTimestamp(int64_t pg_usecs, char (&buf)[kTimestampBufSize])
{
	constexpr int64_t kUsecPerSec = 1000000;
	constexpr int64_t kSecPerDay = 86400;
	constexpr int64_t kPgEpochUnixSecs = 946684800; // 2000-01-01 in Unix time

	const int64_t secs = FloorDiv(pg_usecs, kUsecPerSec);
	const int64_t usec = pg_usecs - secs * kUsecPerSec;
	const int64_t unix_secs = secs + kPgEpochUnixSecs;
	const int64_t days = FloorDiv(unix_secs, kSecPerDay);
	const int64_t sod = unix_secs - days * kSecPerDay;
	int64_t year;
	unsigned month, day;
	CivilFromDays(days, year, month, day);
	int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<long long>(year), month,
						  day, static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60), static_cast<int>(sod % 60),
						  static_cast<int>(usec / 1000));
	return static_cast<size_t>(n);
}

void Uuid(const unsigned char (&bytes)[16], char (&buf)[kUuidTextLen + 1])
{
	static const char kHex[] = "0123456789abcdef";
	size_t pos = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			buf[pos++] = '-';
		buf[pos++] = kHex[bytes[i] >> 4];
		buf[pos++] = kHex[bytes[i] & 0xF];
	}
	buf[pos] = '\0';
}

bool IsWalcastMessagePrefix(const char *prefix)
{
	static const char kPrefix[] = "walcast";
	const size_t n = sizeof kPrefix - 1;
	return std::strncmp(prefix, kPrefix, n) == 0 && (prefix[n] == '\0' || prefix[n] == ':');
}

} // namespace walcast::format
