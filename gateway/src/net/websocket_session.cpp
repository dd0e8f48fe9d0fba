#include "net/websocket_session.hpp"

#include <array>
#include <exception>
#include <utility>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "net/server_context.hpp"

namespace walcast::net {

namespace {

// RFC 6455 limits a close frame's reason to 123 bytes.
constexpr std::size_t kMaxCloseReason = 123;
// A read buffer that grew past this for one big message is given back, keeping idle clients small.
constexpr std::size_t kKeepReadBuffer = 16 * 1024;
// Frames go straight into the socket's write buffer while it holds less than this; the rest wait in the
// backlog as shared payloads. Large enough that a write carries a hundred or more typical frames, small
// enough that the per-client copies stay bounded: 20,000 busy clients hold at most ~1.3 GB of copies.
constexpr std::size_t kSocketHighWater = 64 * 1024;

// Cuts at a character boundary: a close reason must be valid UTF-8 or the client fails the connection.
std::string_view TruncateUtf8(std::string_view text, std::size_t max) {
	if (text.size() <= max) return text;
	std::size_t cut = max;
	while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
	return text.substr(0, cut);
}

bool DropsQueueOnClose(CloseCode code) { return code == CloseCode::SlowClient || code == CloseCode::WriteError; }

bool IsQuietEnd(const beast::error_code& ec) {
	return ec == websocket::error::closed || ec == asio::error::operation_aborted || ec == asio::error::eof ||
	       ec == asio::error::connection_reset || ec == beast::error::timeout;
}

}  // namespace

WebSocketSession::WebSocketSession(tcp::socket&& socket, std::shared_ptr<ServerContext> ctx, WireVersion version,
                                   auth::IdentityPtr identity, ConnectionSlots::Slot slot)
	: ws_(std::move(socket)),
	  ctx_(std::move(ctx)),
	  slot_(std::move(slot)),
	  id_(ctx_->next_session_id++),
	  version_(version),
	  identity_(std::move(identity)) {}

WebSocketSession::~WebSocketSession() {
	// Whatever the socket still held goes with it.
	ctx_->queue_budget.Move(accounted_bytes_, accounted_open_, 0, false);
	GlobalMetrics().queued_bytes.store(ctx_->queue_budget.total(), std::memory_order_relaxed);
}

std::string WebSocketSession::Describe() const {
	std::string out = "client " + std::to_string(id_);
	beast::error_code ec;
	const auto remote = beast::get_lowest_layer(ws_).remote_endpoint(ec);
	if (!ec) out += " (" + remote.address().to_string() + ":" + std::to_string(remote.port()) + ")";
	return out;
}

void WebSocketSession::Run(http::request<http::string_body> request) {
	const ServerSettings& settings = ctx_->settings;
	BatchingSocket& socket = ws_.next_layer();
	socket.set_owner(weak_from_this());
	// Holds a weak reference only: a pending write already keeps the session alive when this runs.
	socket.set_on_written([this](beast::error_code ec, std::size_t bytes) { OnWritten(ec, bytes); });
	socket.set_on_beast_write([this] {
		NoteQueued(/*inside_beast_write=*/true);
		Account(/*inside_beast_write=*/true);
	});

	websocket::stream_base::timeout timeouts{};
	timeouts.handshake_timeout = settings.handshake_timeout;  // also bounds the closing handshake
	timeouts.idle_timeout = websocket::stream_base::none();   // our sweep closes idle clients, with a code
	timeouts.keep_alive_pings = false;
	ws_.set_option(timeouts);

	// Points into the shared context, which outlives the session: no per-session copy of the string.
	const std::string* server_header = &settings.server_header;
	// Phoenix clients given an auth token offer the subprotocols "phoenix" and "base64url.bearer.phx.<token>";
	// a browser fails the connection unless the server picks one of the offered protocols.
	const bool offers_phoenix = OffersSubprotocol(request[http::field::sec_websocket_protocol], "phoenix");
	ws_.set_option(websocket::stream_base::decorator([server_header, offers_phoenix](websocket::response_type& res) {
		res.set(http::field::server, *server_header);
		if (offers_phoenix) res.set(http::field::sec_websocket_protocol, "phoenix");
	}));

	ws_.read_message_max(settings.max_message_bytes);
	// Each ping costs a pong, so pings are charged like heartbeats (MAX_EVENTS_PER_SECOND, close 4029); posted,
	// because no close may start inside Beast's read.
	ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
		if (kind != websocket::frame_type::ping || state_ != State::Open) return;
		asio::post(ws_.get_executor(), [self = shared_from_this()] {
			if (self->state_ == State::Open && self->handler_) self->handler_->OnPing();
		});
	});

	ws_.async_accept(request, beast::bind_front_handler(&WebSocketSession::OnAccept, shared_from_this()));
}

void WebSocketSession::OnAccept(beast::error_code ec) {
	if (ec) {
		WALCAST_LOG(debug, "net", Describe() << ": WebSocket handshake failed: " << ec.message());
		slot_.Release();
		return;
	}
	state_ = State::Open;
	counted_ = true;
	GlobalMetrics().clients.fetch_add(1, std::memory_order_relaxed);
	last_activity_ = Clock::now();
	ctx_->open_sessions.push_back(*this);

	try {
		handler_ = ctx_->factory(shared_from_this(), version_, identity_);
	} catch (const std::exception& e) {
		WALCAST_LOG(error, "net", Describe() << ": cannot set up the connection: " << e.what());
	}
	if (!handler_)
		Close(CloseCode::GoingAway, "internal error");
	else if (ctx_->stopping) {
		// Upgraded while the server stopped: close it too, and keep the sweep alive to bound the close.
		Close(CloseCode::GoingAway, "server shutting down");
		EnsureSweeping(ctx_);
	}
	WALCAST_LOG(debug, "net", Describe() << ": connected, vsn " << (version_ == WireVersion::V2 ? "2" : "1"));
	DoRead();
}

void WebSocketSession::DoRead() {
	ws_.async_read(read_buffer_, beast::bind_front_handler(&WebSocketSession::OnRead, shared_from_this()));
}

void WebSocketSession::OnRead(beast::error_code ec, std::size_t) {
	if (ec) {
		Finish(ec);
		return;
	}
	if (state_ == State::Open) {
		MarkActive();
		Deliver();
	}
	// After we started closing, inbound messages are dropped but reading continues: that is how the
	// peer's close frame arrives.
	read_buffer_.consume(read_buffer_.size());
	if (read_buffer_.capacity() > kKeepReadBuffer) read_buffer_.shrink_to_fit();
	DoRead();
}

void WebSocketSession::Deliver() {
	const auto data = read_buffer_.cdata();
	const std::string_view message(static_cast<const char*>(data.data()), data.size());
	try {
		if (ws_.got_binary())
			handler_->OnBinary(message);
		else
			handler_->OnText(message);
	} catch (const std::exception& e) {
		// A bug on the channels side must cost this client its connection, never the process.
		WALCAST_LOG(error, "net", Describe() << ": error handling a message: " << e.what());
		Close(CloseCode::ProtocolError, "internal error");
	}
}

void WebSocketSession::MarkActive() {
	last_activity_ = Clock::now();
	// Keep open_sessions ordered by activity: this one is now the most recent.
	unlink();
	ctx_->open_sessions.push_back(*this);
}

void WebSocketSession::Send(OutFrame frame) {
	if (state_ != State::Open) return;
	if (backlog_.empty() && ws_.next_layer().buffered_bytes() < kSocketHighWater) {
		Write(frame);
	} else {
		backlog_.Push(std::move(frame));
		NoteQueued(/*inside_beast_write=*/false);
	}
	Account();
}

void WebSocketSession::Account(bool inside_beast_write) {
	const std::size_t queued = queued_bytes();
	const bool open = CountsAsOpen();
	const bool grew = queued > accounted_bytes_;
	QueueBudget& budget = ctx_->queue_budget;
	if (queued != accounted_bytes_ || open != accounted_open_) {
		budget.Move(accounted_bytes_, accounted_open_, queued, open);
		accounted_bytes_ = queued;
		accounted_open_ = open;
		// Plain stores, not read-modify-writes: only this thread writes them.
		Metrics& metrics = GlobalMetrics();
		metrics.queued_bytes.store(budget.total(), std::memory_order_relaxed);
		metrics.queued_bytes_peak.store(budget.peak(), std::memory_order_relaxed);
	}
	const bool sheddable =
		state_ == State::Open && (!backlog_.empty() || ws_.next_layer().pending_bytes() > kSocketHighWater);
	if (sheddable != shed_hook.is_linked()) {
		if (sheddable)
			ctx_->sheddable_sessions.push_back(*this);
		else
			shed_hook.unlink();
	}
	// Only growth can take the sum over the limit; a shrinking queue never needs to shed anyone.
	if (grew && budget.Over()) {
		if (inside_beast_write)
			PostShedQueuedBytes(ctx_);  // no close may start inside one of Beast's writes
		else
			ShedQueuedBytes(*ctx_);
	}
}

void WebSocketSession::NoteQueued(bool inside_beast_write) {
	if (state_ != State::Open) return;
	const std::size_t queued = queued_bytes();
	if (!ctx_->slow_policy.OverCap(queued)) return;
	// Past the hard cap at once; otherwise the sweep judges it over a window that opens now, so a burst of
	// sends to a busy client reads the clock once, not per frame.
	if (ctx_->slow_policy.OverHardCap(queued)) {
		if (!inside_beast_write) {
			CloseAsSlow();
			return;
		}
		// Inside one of Beast's own writes (a pong) no close may start: close right after it.
		asio::post(ws_.get_executor(), [self = shared_from_this()] {
			if (self->state_ == State::Open) self->CloseAsSlow();
		});
		return;
	}
	if (!over_cap_hook.is_linked()) {
		drain_window_ = ctx_->slow_policy.Open(Clock::now(), queued, ws_.next_layer().bytes_taken());
		ctx_->over_cap_sessions.push_back(*this);
	}
}

void WebSocketSession::Write(const OutFrame& frame) {
	if (ws_.next_layer().AppendFrame(frame)) GlobalMetrics().messages_sent.fetch_add(1, std::memory_order_relaxed);
}

bool WebSocketSession::CheckSlow(Clock::time_point now) {
	if (state_ != State::Open) return false;
	const std::uint64_t taken = ws_.next_layer().bytes_taken();
	const std::uint64_t drained = taken - drain_window_.taken_at_start;
	const std::size_t owed = drain_window_.owed;
	switch (ctx_->slow_policy.Judge(drain_window_, queued_bytes(), taken, now)) {
		case SlowClientPolicy::Verdict::UnderCap:
			if (over_cap_hook.is_linked()) over_cap_hook.unlink();
			return false;
		case SlowClientPolicy::Verdict::Watching:
			return false;
		case SlowClientPolicy::Verdict::Slow:
			break;
	}
	GlobalMetrics().slow_client_closes.fetch_add(1, std::memory_order_relaxed);
	WALCAST_LOG(warn, "net", Describe() << ": closed as slow, " << queued_bytes() << " bytes in " << backlog_.size()
	                                    << " messages queued over MAX_CLIENT_QUEUE_BYTES " << ctx_->slow_policy.cap_bytes
	                                    << "; drained " << drained << " of the " << owed << " bytes it was over by, in "
	                                    << ctx_->slow_policy.window.count() << " ms");
	Close(CloseCode::SlowClient, "slow client: send queue full");
	return true;
}

void WebSocketSession::CloseAsSlow() {
	GlobalMetrics().slow_client_closes.fetch_add(1, std::memory_order_relaxed);
	WALCAST_LOG(warn, "net", Describe() << ": closed as slow, " << queued_bytes() << " bytes in " << backlog_.size()
	                                    << " messages queued, over the hard cap "
	                                    << ctx_->slow_policy.hard_cap_bytes << " (" << SlowClientPolicy::kHardCapFactor
	                                    << " x MAX_CLIENT_QUEUE_BYTES)");
	Close(CloseCode::SlowClient, "slow client: send queue full");
}

void WebSocketSession::CloseForQueueLimit() {
	if (state_ != State::Open) return;
	Metrics& metrics = GlobalMetrics();
	metrics.slow_client_closes.fetch_add(1, std::memory_order_relaxed);
	metrics.queue_limit_closes.fetch_add(1, std::memory_order_relaxed);
	WALCAST_LOG(warn, "net", Describe() << ": closed as slow, furthest behind (" << queued_bytes()
	                                    << " bytes queued) when all clients' queues reached MAX_QUEUED_BYTES "
	                                    << ctx_->queue_budget.limit());
	Close(CloseCode::SlowClient, "slow client: server send queues full");
}

void WebSocketSession::Refill() {
	while (!backlog_.empty() && ws_.next_layer().buffered_bytes() < kSocketHighWater) {
		Write(backlog_.front());
		backlog_.pop();
	}
}

void WebSocketSession::OnWritten(beast::error_code ec, std::size_t bytes) {
	if (state_ == State::Done) {
		Account();
		return;
	}
	if (ec) {
		if (!IsQuietEnd(ec)) WALCAST_LOG(info, "net", Describe() << ": write failed: " << ec.message());
		backlog_.clear();
		Account();
		ForceClose();
		return;
	}
	GlobalMetrics().bytes_sent.fetch_add(bytes, std::memory_order_relaxed);
	if (state_ == State::Open || state_ == State::Closing) Refill();
	Account();
	if (over_cap_hook.is_linked() && !ctx_->slow_policy.OverCap(queued_bytes())) over_cap_hook.unlink();
	if (state_ == State::Closing && backlog_.empty()) DoClose();
}

void WebSocketSession::Close(CloseCode code, std::string_view reason) {
	if (state_ != State::Open) return;
	state_ = State::Closing;
	close_code_ = code;
	close_reason_.assign(TruncateUtf8(reason, kMaxCloseReason));
	closing_since_ = Clock::now();
	unlink();
	if (over_cap_hook.is_linked()) over_cap_hook.unlink();
	ctx_->closing_sessions.push_back(*this);

	// What is queued goes out before the close frame, unless the client is being dropped: then only the write
	// in flight does (it may end inside a frame), as the rest is the memory closing it is meant to free.
	if (DropsQueueOnClose(code)) {
		backlog_.clear();
		ws_.next_layer().DropPending();
	}
	Account();
	if (backlog_.empty()) DoClose();
}

void WebSocketSession::DoClose() {
	state_ = State::CloseSent;
	backlog_.clear();
	Account();
	const websocket::close_reason reason(static_cast<websocket::close_code>(static_cast<std::uint16_t>(close_code_)),
	                                     close_reason_);
	ws_.async_close(reason, beast::bind_front_handler(&WebSocketSession::OnClose, shared_from_this()));
}

void WebSocketSession::OnClose(beast::error_code ec) {
	if (ec && !IsQuietEnd(ec)) WALCAST_LOG(debug, "net", Describe() << ": close handshake failed: " << ec.message());
	// Either way the connection is over; make sure the pending read ends too.
	if (ec) ForceClose();
}

void WebSocketSession::ForceClose() {
	if (is_linked()) unlink();
	beast::error_code ignored;
	beast::get_lowest_layer(ws_).close(ignored);
}

void WebSocketSession::Finish(beast::error_code ec) {
	const State was = state_;
	state_ = State::Done;
	if (is_linked()) unlink();
	if (over_cap_hook.is_linked()) over_cap_hook.unlink();

	if (ec == websocket::error::message_too_big) {
		// Beast has already sent close 1009 before completing the read with this error.
		GlobalMetrics().client_errors.fetch_add(1, std::memory_order_relaxed);
		WALCAST_LOG(info, "net", Describe() << ": closed with 1009, message over "
		                                    << ctx_->settings.max_message_bytes << " bytes");
	} else if (was == State::Open && !IsQuietEnd(ec)) {
		WALCAST_LOG(info, "net", Describe() << ": connection ended: " << ec.message());
	} else {
		WALCAST_LOG(debug, "net", Describe() << ": disconnected (" << ec.message() << ")");
	}

	backlog_.clear();
	if (auto handler = std::move(handler_)) {
		try {
			handler->OnClosed();
		} catch (const std::exception& e) {
			WALCAST_LOG(error, "net", Describe() << ": error in OnClosed: " << e.what());
		}
		// Destroying the handler drops its reference to this session (the transport).
	}
	if (counted_) {
		counted_ = false;
		GlobalMetrics().clients.fetch_sub(1, std::memory_order_relaxed);
	}
	// The connection is over: its MAX_CONNECTIONS slot is free for the next client.
	slot_.Release();
	// Release the descriptor now rather than when the last pending completion lets go of us.
	beast::error_code ignored;
	beast::get_lowest_layer(ws_).close(ignored);
	Account();

	// The last client gone after Stop(): let the sweep end now instead of at its next tick.
	if (ctx_->stopping && ctx_->open_sessions.empty() && ctx_->closing_sessions.empty()) ctx_->sweep_timer.cancel();
}

}  // namespace walcast::net
