#pragma once
// One WebSocket client: reads messages into its InboundHandler and writes the frames the channels
// stage Send()s. Frames go straight into the socket's write buffer (BatchingSocket) up to a high-water
// mark, so one replication batch leaves in one gather write; past it they wait in a backlog capped in
// bytes, which refills the buffer as writes complete.
//
// Lifetime follows the Beast examples: every pending operation holds shared_from_this(), and a read is
// always pending while the socket is open, so the session lives until its read loop ends. That end is
// the single place where the handler hears OnClosed().
//
// Everything runs on the one network thread; no member is touched from anywhere else.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/intrusive/list_hook.hpp>

#include "core/client_transport.hpp"
#include "net/batching_socket.hpp"
#include "net/beast.hpp"
#include "net/connection_slots.hpp"
#include "net/inbound_handler.hpp"
#include "net/routes.hpp"
#include "net/send_queue.hpp"

namespace walcast::net {

struct ServerContext;

using AutoUnlinkHook =
	boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;

class WebSocketSession : public ClientTransport,
                         public std::enable_shared_from_this<WebSocketSession>,
                         public AutoUnlinkHook {
public:
	using Clock = std::chrono::steady_clock;

	// `slot` is this connection's MAX_CONNECTIONS slot, given back when the connection ends.
	WebSocketSession(tcp::socket&& socket, std::shared_ptr<ServerContext> ctx, WireVersion version, auth::IdentityPtr identity,
	                 ConnectionSlots::Slot slot);
	~WebSocketSession() override;

	// Completes the opening handshake for the upgrade request the HTTP session read.
	void Run(http::request<http::string_body> request);

	// ClientTransport
	void Send(OutFrame frame) override;
	void Close(CloseCode code, std::string_view reason) override;
	std::string Describe() const override;

	// For the server's sweep over sessions.
	Clock::time_point last_activity() const { return last_activity_; }
	Clock::time_point closing_since() const { return closing_since_; }
	// Tears the TCP connection down without a closing handshake: for clients that did not finish
	// closing within the close timeout.
	void ForceClose();

	// Bytes waiting for this client: the backlog and the socket's write buffer.
	std::size_t queued_bytes() const { return backlog_.bytes() + ws_.next_layer().buffered_bytes(); }
	// What closing it as slow frees at once: the backlog and the socket's bytes not yet in the write in
	// flight (that write stays until it ends or the close timeout).
	std::size_t sheddable_bytes() const { return backlog_.bytes() + ws_.next_layer().pending_bytes(); }
	// Judges a client over its cap (see SlowClientPolicy) and closes it as slow if it is; true if it did.
	bool CheckSlow(Clock::time_point now);
	// Closes the client with SlowClient to bring the bytes queued for all clients under MAX_QUEUED_BYTES.
	void CloseForQueueLimit();

	// Links the session into ServerContext::over_cap_sessions while its queue is over the cap.
	boost::intrusive::list_member_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>> over_cap_hook;
	// Links the session into ServerContext::sheddable_sessions while it is open and holds more than a write
	// buffer's worth: a backlog, or (pongs go straight into the socket's buffer) past the high-water mark.
	boost::intrusive::list_member_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>> shed_hook;

private:
	enum class State : std::uint8_t {
		Handshake,  // opening handshake in progress
		Open,       // in ServerContext::open_sessions
		Closing,    // in ServerContext::closing_sessions, waiting for the backlog to drain (if flushing)
		CloseSent,  // close frame sent or being sent; waiting for the peer's close or the close timeout
		Done,       // read loop ended, handler told; only pending completions keep the object alive
	};

	void OnAccept(beast::error_code ec);
	void DoRead();
	void OnRead(beast::error_code ec, std::size_t bytes);
	void Deliver();
	void Write(const OutFrame& frame);
	void OnWritten(beast::error_code ec, std::size_t bytes);
	void Refill();
	void DoClose();
	void OnClose(beast::error_code ec);
	void Finish(beast::error_code ec);
	void MarkActive();
	// Past the hard cap.
	void CloseAsSlow();
	// Reports this client's queued bytes to ServerContext::queue_budget after they changed, and keeps
	// shed_hook in step. Then, over MAX_QUEUED_BYTES, sheds (or, inside one of Beast's writes, schedules it).
	void Account(bool inside_beast_write = false);
	// After bytes were queued for this client (a data frame into the backlog, or a frame of Beast's own into
	// the socket's buffer): over the cap, the sweep judges it; over the hard cap it is closed as slow.
	void NoteQueued(bool inside_beast_write);
	bool CountsAsOpen() const { return state_ == State::Handshake || state_ == State::Open; }

	// No permessage-deflate: data frames are written by the session, uncompressed, and zlib state would
	// cost ~100 KB per client.
	websocket::stream<BatchingSocket, false> ws_;
	beast::flat_buffer read_buffer_;
	std::shared_ptr<ServerContext> ctx_;
	std::unique_ptr<InboundHandler> handler_;
	SendQueue backlog_;  // frames that did not fit under the socket buffer's high-water mark
	DrainWindow drain_window_;  // while over_cap_hook is linked
	std::size_t accounted_bytes_ = 0;  // this client's share of ctx_->queue_budget...
	bool accounted_open_ = true;       // ...counted as open (true) or closing
	ConnectionSlots::Slot slot_;
	Clock::time_point last_activity_{};
	Clock::time_point closing_since_{};
	std::string close_reason_;
	std::uint64_t id_;
	CloseCode close_code_ = CloseCode::Normal;
	WireVersion version_;
	auth::IdentityPtr identity_;  // the upgrade's verified apikey (auth on)
	State state_ = State::Handshake;
	bool counted_ = false;  // included in the clients gauge
};

}  // namespace walcast::net
