// Text forms of LSNs and commit timestamps, exactly as the gateway and Realtime clients expect them.
// Postgres-free so they can be unit-tested; PostgreSQL's own types are plain integers here.
#pragma once

#include <cstddef>
#include <cstdint>

namespace walcast::format {

// "%X/%X": upper-case hex without padding, as pg_lsn prints it. Needs 18 bytes for any LSN (plus NUL).
constexpr size_t kLsnBufSize = 18;
size_t Lsn(uint64_t lsn, char (&buf)[kLsnBufSize]);

// An unsigned integer in decimal, as "%llu" writes it (transaction ids). 20 digits at most, plus NUL.
constexpr size_t kDecimalBufSize = 21;
size_t Decimal(uint64_t v, char (&buf)[kDecimalBufSize]);

// A PostgreSQL TimestampTz (microseconds since 2000-01-01 00:00:00 UTC) as "YYYY-MM-DDTHH:MM:SS.mmmZ" in UTC,
// the commit_timestamp shape Realtime uses (milliseconds truncated, as to_char's MS does). The year is written
// as "%04lld" would: zero-padded to four characters including a minus sign, longer past 9999.
constexpr size_t kTimestampBufSize = 40;
size_t CommitTimestamp(int64_t pg_usecs, char (&buf)[kTimestampBufSize]);

// A 16-byte UUID as PostgreSQL's uuid_out writes it: lower-case hex in 8-4-4-4-12 groups.
constexpr size_t kUuidTextLen = 36;
void Uuid(const unsigned char (&bytes)[16], char (&buf)[kUuidTextLen + 1]);

// Logical messages are ours when their prefix is exactly "walcast" or starts with "walcast:"; other prefixes
// belong to other consumers of the same WAL.
bool IsWalcastMessagePrefix(const char *prefix);

} // namespace walcast::format
