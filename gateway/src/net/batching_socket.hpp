#pragma once
// The layer under each client's websocket::stream. Reads pass straight to the TCP socket. Every write —
// the data frames the session encodes itself (AppendFrame) and what Beast writes (the handshake
// response, pongs, close frames) — goes into one ordered WriteBuffer, and whatever accumulated while
// the previous write was in flight leaves in the next gather write. A replication batch of N changes
// thus costs each client one sendmsg instead of N: on loopback one sendmsg per ~500-byte frame was
// ~70% of the gateway's CPU (tests/bench/RESULTS.md).
//
// Beast's writes are copied and complete at once. Nothing reaches the socket except through Flush, so
// Beast's control frames can never land inside one of the session's frames, and ordering is the order
// of the calls. Everything runs on the network thread.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>

#include "core/client_transport.hpp"
#include "net/beast.hpp"
#include "net/write_buffer.hpp"

namespace walcast::net {

class BatchingSocket {
public:
	using executor_type = tcp::socket::executor_type;

	explicit BatchingSocket(tcp::socket&& socket) : socket_(std::move(socket)) {}

	executor_type get_executor() noexcept { return socket_.get_executor(); }
	tcp::socket& next_layer() noexcept { return socket_; }
	const tcp::socket& next_layer() const noexcept { return socket_; }

	// The object that owns this socket (the session); every pending write keeps it alive. Set it
	// before the first write.
	void set_owner(std::weak_ptr<void> owner) { owner_ = std::move(owner); }
	// Called after each write to the socket completes or fails, before the next one starts, so the
	// owner can top the buffer up from its backlog and have that leave in the same next write.
	void set_on_written(std::function<void(beast::error_code, std::size_t)> on_written) {
		on_written_ = std::move(on_written);
	}
	// Called after Beast appended a frame of its own (a pong, the close frame): those bytes count against the
	// client's queue cap like data frames. Beast answers every ping it reads with a pong that completes at
	// once here, so a client that sends pings and never reads would otherwise grow the buffer without limit.
	void set_on_beast_write(std::function<void()> on_beast_write) { on_beast_write_ = std::move(on_beast_write); }

	// Appends one complete, unmasked data frame. False, appending nothing, once a close frame went into
	// the buffer or a write failed: RFC 6455 allows no data after a close frame.
	bool AppendFrame(const OutFrame& frame);

	// Bytes appended and not yet written, the write in flight included.
	std::size_t buffered_bytes() const { return pending_.size() + writing_.size(); }
	// Of those, the bytes not yet in the write in flight.
	std::size_t pending_bytes() const { return pending_.size(); }
	// Forgets the bytes not yet in the write in flight, for a client being dropped: they are whole frames
	// (the write in flight may end inside one, so it stays), and what is appended next follows the write in
	// flight directly.
	void DropPending() { pending_.Clear(); }
	bool write_in_flight() const { return in_flight_; }
	// Bytes the kernel has taken from this socket's writes so far, counted as they go (a write in flight
	// that got half its bytes out counts that half): what the slow-client rule measures a client's drain by.
	std::uint64_t bytes_taken() const { return bytes_taken_; }
	// Runs `then` once nothing is buffered (at once if nothing is), or once a write failed.
	void WhenDrained(std::function<void()> then);

	template <class MutableBufferSequence, class ReadToken>
	auto async_read_some(const MutableBufferSequence& buffers, ReadToken&& token) {
		return socket_.async_read_some(buffers, std::forward<ReadToken>(token));
	}

	template <class ConstBufferSequence, class WriteToken>
	auto async_write_some(const ConstBufferSequence& buffers, WriteToken&& token) {
		return asio::async_initiate<WriteToken, void(beast::error_code, std::size_t)>(
			[this](auto handler, const ConstBufferSequence& sequence) {
				beast::error_code ec = error_;
				std::size_t taken = 0;
				if (!ec) {
					for (auto it = asio::buffer_sequence_begin(sequence); it != asio::buffer_sequence_end(sequence); ++it) {
						const asio::const_buffer piece(*it);
						const std::string_view bytes(static_cast<const char*>(piece.data()), piece.size());
						if (taken == 0) NoteBeastFrameStart(bytes);
						AppendBytes(bytes);
						taken += bytes.size();
					}
				}
				if (taken && on_beast_write_) on_beast_write_();
				// An asynchronous operation must not complete inside its initiating call.
				asio::post(socket_.get_executor(), beast::bind_handler(std::move(handler), ec, taken));
			},
			token, buffers);
	}

private:
	void AppendBytes(std::string_view bytes);
	void NoteBeastFrameStart(std::string_view bytes);
	void ScheduleFlush();
	void Flush();
	void OnWritten(beast::error_code ec, std::size_t bytes);
	void NoteTaken(std::size_t written_in_this_write);
	void RunDrainWaiter();

	tcp::socket socket_;
	WriteBuffer pending_;  // appended since the write in flight began
	WriteBuffer writing_;  // what the write in flight reads from
	std::weak_ptr<void> owner_;
	std::function<void(beast::error_code, std::size_t)> on_written_;
	std::function<void()> on_beast_write_;
	std::function<void()> drain_waiter_;
	beast::error_code error_;
	std::uint64_t bytes_taken_ = 0;
	std::size_t taken_in_write_ = 0;  // of the write in flight, already in bytes_taken_
	bool in_flight_ = false;
	bool flush_scheduled_ = false;
	bool close_frame_written_ = false;
};

// Beast's closing handshake ends with a TCP teardown, found by argument-dependent lookup. Whatever is
// still buffered (the close frame itself, often) is written first.
template <class TeardownHandler>
void async_teardown(beast::role_type role, BatchingSocket& socket, TeardownHandler&& handler) {
	// WhenDrained takes a copyable function; Beast's handlers are move-only.
	auto held = std::make_shared<std::decay_t<TeardownHandler>>(std::forward<TeardownHandler>(handler));
	socket.WhenDrained([role, &socket, held] { websocket::async_teardown(role, socket.next_layer(), std::move(*held)); });
}

// The synchronous teardown, for completeness: the gateway only ever closes asynchronously.
void teardown(beast::role_type role, BatchingSocket& socket, beast::error_code& ec);

}  // namespace walcast::net
