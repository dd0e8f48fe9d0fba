#include "net/write_buffer.hpp"

namespace walcast::net {

namespace {
// Skips the first few doublings of a fresh block: most writes carry a handful of ~500-byte frames.
constexpr std::size_t kFirstBlock = 4096;
}  // namespace

void WriteBuffer::Append(std::string_view bytes) {
	if (bytes.empty()) return;
	// Consecutive copies are one piece: pieces point into block_ by offset, so growing it moves nothing.
	if (!pieces_.empty() && !pieces_.back().referenced && pieces_.back().offset + pieces_.back().length == block_.size())
		pieces_.back().length += bytes.size();
	else
		pieces_.push_back(Piece{nullptr, block_.size(), bytes.size()});
	if (block_.capacity() < kFirstBlock) block_.reserve(kFirstBlock);
	block_.append(bytes);
	size_ += bytes.size();
}

void WriteBuffer::Append(const std::shared_ptr<const std::string>& bytes) {
	if (!bytes || bytes->empty()) return;
	if (bytes->size() < kReferenceFrom) {
		Append(std::string_view(*bytes));
		return;
	}
	size_ += bytes->size();
	pieces_.push_back(Piece{bytes, 0, 0});
}

std::vector<boost::asio::const_buffer> WriteBuffer::Buffers() const {
	std::vector<boost::asio::const_buffer> out;
	out.reserve(pieces_.size());
	for (const Piece& piece : pieces_) {
		if (piece.referenced)
			out.emplace_back(piece.referenced->data(), piece.referenced->size());
		else
			out.emplace_back(block_.data() + piece.offset, piece.length);
	}
	return out;
}

void WriteBuffer::Reset() {
	block_.clear();
	pieces_.clear();
	size_ = 0;
}

void WriteBuffer::Clear() {
	std::string().swap(block_);
	std::vector<Piece>().swap(pieces_);
	size_ = 0;
}

}  // namespace walcast::net
