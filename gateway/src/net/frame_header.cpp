#include "net/frame_header.hpp"

namespace walcast::net {

namespace {
constexpr unsigned char kFin = 0x80;
constexpr unsigned char kOpText = 0x1;
constexpr unsigned char kOpBinary = 0x2;
constexpr unsigned char kLength16 = 126;  // the next 2 bytes hold the length
constexpr unsigned char kLength64 = 127;  // the next 8 bytes hold the length
}  // namespace

FrameHeader::FrameHeader(bool binary, std::uint64_t payload_bytes) {
	data_[0] = static_cast<char>(kFin | (binary ? kOpBinary : kOpText));
	// Server frames are never masked, so the mask bit of the second byte stays 0.
	if (payload_bytes < kLength16) {
		data_[1] = static_cast<char>(payload_bytes);
		size_ = 2;
	} else if (payload_bytes <= 0xFFFF) {
		data_[1] = static_cast<char>(kLength16);
		data_[2] = static_cast<char>(payload_bytes >> 8);
		data_[3] = static_cast<char>(payload_bytes);
		size_ = 4;
	} else {
		data_[1] = static_cast<char>(kLength64);
		for (int i = 0; i < 8; ++i) data_[2 + i] = static_cast<char>(payload_bytes >> (56 - 8 * i));
		size_ = 10;
	}
}

}  // namespace walcast::net
