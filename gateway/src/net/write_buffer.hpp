#pragma once
// Bytes waiting for one gather write to a client's socket. Small pieces (frame headers, per-client
// envelopes, small records) are copied into one growing block, so a batch of frames costs a few iovec
// entries; large records are kept by reference instead, because they are shared by every recipient and
// copying a 10 MB row into each of 1,000 clients' buffers would cost 10 GB.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/buffer.hpp>

namespace walcast::net {

class WriteBuffer {
public:
	// Shared payloads at least this large are referenced, smaller ones copied.
	static constexpr std::size_t kReferenceFrom = 8 * 1024;

	void Append(std::string_view bytes);
	// Appends *bytes, copied or (when large) referenced and kept alive until Clear(). Taken by reference:
	// most payloads are copied, and they need no reference count traffic for that.
	void Append(const std::shared_ptr<const std::string>& bytes);

	std::size_t size() const { return size_; }
	bool empty() const { return size_ == 0; }

	// The whole content as a buffer sequence, valid until the next Append or Clear.
	std::vector<boost::asio::const_buffer> Buffers() const;

	// Empties the buffer but keeps its memory, for a client that is still busy: growing a block again
	// for every write cost a fifth of the gateway's time in reallocation and page faults.
	void Reset();
	// Empties the buffer and gives its memory back: an idle client should hold none.
	void Clear();

private:
	// A run of bytes: `copied` bytes at `offset` in block_, or the whole of *referenced.
	struct Piece {
		std::shared_ptr<const std::string> referenced;
		std::size_t offset = 0;
		std::size_t length = 0;
	};

	std::string block_;
	std::vector<Piece> pieces_;
	std::size_t size_ = 0;
};

}  // namespace walcast::net
