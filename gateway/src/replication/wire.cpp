#include "replication/wire.hpp"

namespace walcast::replication {

PgTimestamp ToPgTimestamp(std::chrono::system_clock::time_point when) {
	using namespace std::chrono;
	auto unix_us = duration_cast<microseconds>(when.time_since_epoch()).count();
	return unix_us - kPgEpochOffsetSeconds * 1'000'000;
}

std::chrono::system_clock::time_point FromPgTimestamp(PgTimestamp ts) {
	using namespace std::chrono;
	return system_clock::time_point{duration_cast<system_clock::duration>(
	    microseconds{ts + kPgEpochOffsetSeconds * 1'000'000})};
}

void PutUint64(char* out, std::uint64_t value) {
	for (int i = 7; i >= 0; --i) {
		out[i] = static_cast<char>(value & 0xffu);
		value >>= 8;
	}
}

std::uint64_t GetUint64(const char* in) {
	std::uint64_t value = 0;
	for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<unsigned char>(in[i]);
	return value;
}

std::optional<XLogData> DecodeXLogData(std::string_view message) {
	if (message.size() < kXLogDataHeaderSize || message[0] != 'w') return std::nullopt;
	XLogData out;
	out.data_start = GetUint64(message.data() + 1);
	out.wal_end = GetUint64(message.data() + 9);
	out.send_time = static_cast<PgTimestamp>(GetUint64(message.data() + 17));
	out.payload = message.substr(kXLogDataHeaderSize);
	return out;
}

std::optional<Keepalive> DecodeKeepalive(std::string_view message) {
	if (message.size() < kKeepaliveSize || message[0] != 'k') return std::nullopt;
	Keepalive out;
	out.wal_end = GetUint64(message.data() + 1);
	out.send_time = static_cast<PgTimestamp>(GetUint64(message.data() + 9));
	out.reply_requested = message[17] != 0;
	return out;
}

std::array<char, kStatusUpdateSize> EncodeStatusUpdate(const StatusUpdate& status) {
	std::array<char, kStatusUpdateSize> out{};
	out[0] = 'r';
	PutUint64(out.data() + 1, status.write);
	PutUint64(out.data() + 9, status.flush);
	PutUint64(out.data() + 17, status.apply);
	PutUint64(out.data() + 25, static_cast<std::uint64_t>(status.send_time));
	out[33] = status.reply_requested ? 1 : 0;
	return out;
}

}  // namespace walcast::replication
