#pragma once
// The streaming-replication sub-protocol carried inside CopyData messages, as pure functions over bytes:
// no libpq, no server, so every length check is unit-tested.
//
//   'w' XLogData:   byte1 'w', int64 dataStart, int64 walEnd, int64 sendTime, payload...
//   'k' keepalive:  byte1 'k', int64 walEnd, int64 sendTime, byte1 replyRequested
//   'r' status:     byte1 'r', int64 write, int64 flush, int64 apply, int64 sendTime, byte1 replyRequested
// All integers are big-endian; times are microseconds since 2000-01-01 00:00:00 UTC (the PostgreSQL epoch).

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/lsn.hpp"

namespace walcast::replication {

// Microseconds since 2000-01-01 UTC, the unit of every timestamp on the replication wire.
using PgTimestamp = std::int64_t;

// Seconds between the Unix epoch and the PostgreSQL epoch (2000-01-01).
inline constexpr std::int64_t kPgEpochOffsetSeconds = 946'684'800;

PgTimestamp ToPgTimestamp(std::chrono::system_clock::time_point when);
std::chrono::system_clock::time_point FromPgTimestamp(PgTimestamp ts);

struct XLogData {
	Lsn data_start = kInvalidLsn;  // LSN the plugin stamped on this message
	Lsn wal_end = kInvalidLsn;
	PgTimestamp send_time = 0;
	std::string_view payload;      // points into the decoded buffer; valid while that buffer lives
};

struct Keepalive {
	Lsn wal_end = kInvalidLsn;
	PgTimestamp send_time = 0;
	bool reply_requested = false;
};

inline constexpr std::size_t kXLogDataHeaderSize = 1 + 8 + 8 + 8;
inline constexpr std::size_t kKeepaliveSize = 1 + 8 + 8 + 1;
inline constexpr std::size_t kStatusUpdateSize = 1 + 8 + 8 + 8 + 8 + 1;

// Both return nullopt when the first byte is not theirs or the message is shorter than its fixed part.
// Longer keepalives are accepted (the fixed fields are read, extra bytes ignored), as pg_recvlogical does.
std::optional<XLogData> DecodeXLogData(std::string_view message);
std::optional<Keepalive> DecodeKeepalive(std::string_view message);

struct StatusUpdate {
	Lsn write = kInvalidLsn;  // received
	Lsn flush = kInvalidLsn;  // safe to forget: becomes the slot's confirmed_flush_lsn
	Lsn apply = kInvalidLsn;
	PgTimestamp send_time = 0;
	bool reply_requested = false;
};

std::array<char, kStatusUpdateSize> EncodeStatusUpdate(const StatusUpdate& status);

// Big-endian helpers, exposed for tests.
void PutUint64(char* out, std::uint64_t value);
std::uint64_t GetUint64(const char* in);

}  // namespace walcast::replication
