#pragma once
// The header of one unmasked, unfragmented WebSocket frame (RFC 6455 §5.2), as a server writes it.
// The session writes its data frames itself rather than through Beast, so that a batch of frames for one
// client leaves in one gather write (see BatchingSocket); Beast still writes the handshake and the
// control frames.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace walcast::net {

// 2, 4 or 10 bytes: FIN + opcode, then the payload length in the shortest form the RFC allows.
class FrameHeader {
public:
	FrameHeader(bool binary, std::uint64_t payload_bytes);

	std::string_view bytes() const { return {data_, size_}; }

private:
	char data_[10];
	std::size_t size_;
};

}  // namespace walcast::net
