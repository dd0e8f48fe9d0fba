#include "net/batching_socket.hpp"

#include "net/frame_header.hpp"

namespace walcast::net {

namespace {
// First byte of a close frame from a server: FIN + opcode 8, no RSV bits (Beast never compresses control
// frames). The handshake response, also written through here, starts with 'H'.
constexpr unsigned char kCloseFrameStart = 0x88;
// Bytes one gather write may take; asio also caps a single sendmsg at 64 buffers.
constexpr std::size_t kMaxBytesPerSend = 1u << 20;
}  // namespace

bool BatchingSocket::AppendFrame(const OutFrame& frame) {
	if (close_frame_written_ || error_) return false;
	const FrameHeader header(frame.binary, frame.size());
	AppendBytes(header.bytes());
	if (frame.shared_head) pending_.Append(frame.shared_head);
	AppendBytes(frame.head);
	if (frame.shared) pending_.Append(frame.shared);
	AppendBytes(frame.tail);
	return true;
}

void BatchingSocket::AppendBytes(std::string_view bytes) {
	pending_.Append(bytes);
	ScheduleFlush();
}

void BatchingSocket::NoteBeastFrameStart(std::string_view bytes) {
	if (!bytes.empty() && static_cast<unsigned char>(bytes.front()) == kCloseFrameStart) close_frame_written_ = true;
}

void BatchingSocket::ScheduleFlush() {
	if (in_flight_ || flush_scheduled_) return;
	flush_scheduled_ = true;
	// Deferred until the running handler returns: it is usually handing one replication batch to every
	// client, and all it appends for this client should leave in one write.
	asio::post(socket_.get_executor(), [this, keep_alive = owner_.lock()] {
		flush_scheduled_ = false;
		Flush();
	});
}

void BatchingSocket::Flush() {
	if (in_flight_ || pending_.empty() || error_) return;
	std::swap(pending_, writing_);
	in_flight_ = true;
	taken_in_write_ = 0;
	asio::async_write(
		socket_, writing_.Buffers(),
		[this](const beast::error_code& ec, std::size_t written) -> std::size_t {
			// Called before each send with the total so far: a client that reads slowly is measured by what it
			// took, not only when a whole (up to 1 MB) write completes.
			NoteTaken(written);
			return ec ? 0 : kMaxBytesPerSend;
		},
		[this, keep_alive = owner_.lock()](beast::error_code ec, std::size_t written) { OnWritten(ec, written); });
}

void BatchingSocket::NoteTaken(std::size_t written_in_this_write) {
	if (written_in_this_write <= taken_in_write_) return;
	bytes_taken_ += written_in_this_write - taken_in_write_;
	taken_in_write_ = written_in_this_write;
}

void BatchingSocket::OnWritten(beast::error_code ec, std::size_t bytes) {
	NoteTaken(bytes);
	in_flight_ = false;
	writing_.Reset();
	if (ec) {
		error_ = ec;
		// Nothing more will be written: drop it before the owner looks, so its count of queued bytes is final.
		pending_.Clear();
	}
	// The owner may append more here; it then leaves in the write started just below.
	if (on_written_) on_written_(ec, bytes);
	if (!error_ && !pending_.empty()) {
		Flush();
		return;
	}
	// Idle (or failed): an idle client holds no buffer memory.
	writing_.Clear();
	pending_.Clear();
	RunDrainWaiter();
}

void BatchingSocket::WhenDrained(std::function<void()> then) {
	drain_waiter_ = std::move(then);
	if (error_ || (!in_flight_ && pending_.empty())) RunDrainWaiter();
	// Otherwise a write is in flight or scheduled, and its completion runs the waiter.
}

void BatchingSocket::RunDrainWaiter() {
	if (!drain_waiter_) return;
	auto waiter = std::move(drain_waiter_);
	drain_waiter_ = nullptr;
	waiter();
}

void teardown(beast::role_type role, BatchingSocket& socket, beast::error_code& ec) {
	websocket::teardown(role, socket.next_layer(), ec);
}

}  // namespace walcast::net
