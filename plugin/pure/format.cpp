#include "pure/format.hpp"

#include <cstring>

// Digits are written by hand throughout: these run for every decoded transaction (every change, before the
// per-transaction cache), and glibc's snprintf cost thousands of instructions per call.
namespace walcast::format {

namespace {

// Upper-case hex without leading zeros, as "%X" writes it.
char *PutHex(char *at, uint32_t v)
{
	static const char kHex[] = "0123456789ABCDEF";
	char tmp[8];
	int n = 0;
	do {
		tmp[n++] = kHex[v & 0xF];
		v >>= 4;
	} while (v);
	while (n)
		*at++ = tmp[--n];
	return at;
}

// `v` in decimal, zero-padded to at least `width` digits.
char *PutDecimal(char *at, uint64_t v, int width)
{
	char tmp[20];
	int n = 0;
	do {
		tmp[n++] = static_cast<char>('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width)
		tmp[n++] = '0';
	while (n)
		*at++ = tmp[--n];
	return at;
}

// Exactly `width` digits of `v` (which is known to fit), for the fixed-width fields of a timestamp.
void PutFixed(char *at, unsigned v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		at[i] = static_cast<char>('0' + v % 10);
		v /= 10;
	}
}

} // namespace

size_t Lsn(uint64_t lsn, char (&buf)[kLsnBufSize])
{
	char *end = PutHex(buf, static_cast<uint32_t>(lsn >> 32));
	*end++ = '/';
	end = PutHex(end, static_cast<uint32_t>(lsn));
	*end = '\0';
	return static_cast<size_t>(end - buf);
}

size_t Decimal(uint64_t v, char (&buf)[kDecimalBufSize])
{
	char *end = PutDecimal(buf, v, 1);
	*end = '\0';
	return static_cast<size_t>(end - buf);
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
	// The remainder, not pg_usecs - secs * kUsecPerSec: for the lowest timestamps that product is below INT64_MIN
	// (UBSan: signed overflow at INT64_MIN).
	const int64_t usec = pg_usecs % kUsecPerSec + (pg_usecs % kUsecPerSec < 0 ? kUsecPerSec : 0);
	const int64_t unix_secs = secs + kPgEpochUnixSecs;
	const int64_t days = FloorDiv(unix_secs, kSecPerDay);
	const int64_t sod = unix_secs - days * kSecPerDay;
	int64_t year;
	unsigned month, day;
	CivilFromDays(days, year, month, day);
	// The year as "%04lld" writes it: at least four characters, a minus sign counting as one of them (year 5 is
	// "0005", year -5 is "-005"); years past 9999 simply get more digits. The range of an int64 of microseconds
	// reaches years -290278 and 294277, which fits the buffer.
	char *at = buf;
	uint64_t abs_year = static_cast<uint64_t>(year);
	if (year < 0) {
		*at++ = '-';
		abs_year = 0 - abs_year;
	}
	at = PutDecimal(at, abs_year, year < 0 ? 3 : 4);
	// "-MM-DDTHH:MM:SS.mmmZ": every field below has a fixed width.
	at[0] = '-';
	PutFixed(at + 1, month, 2);
	at[3] = '-';
	PutFixed(at + 4, day, 2);
	at[6] = 'T';
	PutFixed(at + 7, static_cast<unsigned>(sod / 3600), 2);
	at[9] = ':';
	PutFixed(at + 10, static_cast<unsigned>(sod / 60 % 60), 2);
	at[12] = ':';
	PutFixed(at + 13, static_cast<unsigned>(sod % 60), 2);
	at[15] = '.';
	PutFixed(at + 16, static_cast<unsigned>(usec / 1000), 3);
	at[19] = 'Z';
	at[20] = '\0';
	return static_cast<size_t>(at + 20 - buf);
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
