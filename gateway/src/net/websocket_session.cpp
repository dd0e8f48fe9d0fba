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

WebSocketSession::WebSocketSession(tcp::socket&& socket, std::shared_ptr<ServerContext> ctx, WireVersion version)
	: ws_(std::move(socket)),
	  ctx_(std::move(ctx)),
	  id_(ctx_->next_session_id++),
	  version_(version) {}

WebSocketSession::~WebSocketSession() = default;

std::string WebSocketSession::Describe() const {
	std::string out = "client " + std::to_string(id_);
	beast::error_code ec;
	const auto remote = ws_.next_layer().remote_endpoint(ec);
	if (!ec) out += " (" + remote.address().to_string() + ":" + std::to_string(remote.port()) + ")";
	return out;
}

void WebSocketSession::Run(http::request<http::string_body> request) {
	const ServerSettings& settings = ctx_->settings;

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

	if (settings.permessage_deflate) {
		websocket::permessage_deflate pmd;
		pmd.server_enable = true;
		ws_.set_option(pmd);
	}
	ws_.read_message_max(settings.max_message_bytes);
	// Each OutFrame goes out as one frame, straight from its three buffers.
	ws_.auto_fragment(false);

	ws_.async_accept(request, beast::bind_front_handler(&WebSocketSession::OnAccept, shared_from_this()));
}

void WebSocketSession::OnAccept(beast::error_code ec) {
	if (ec) {
		WALCAST_LOG(debug, "net", Describe() << ": WebSocket handshake failed: " << ec.message());
		return;
	}
	state_ = State::Open;
	counted_ = true;
	GlobalMetrics().clients.fetch_add(1, std::memory_order_relaxed);
	last_activity_ = Clock::now();
	ctx_->open_sessions.push_back(*this);

	try {
		handler_ = ctx_->factory(shared_from_this(), version_);
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
	queue_.Push(std::move(frame));
	if (!writing_) {
		DoWrite();
		return;
	}
	if (!ctx_->slow_policy.OverCap(queue_.bytes())) return;
	if (CheckSlow(Clock::now())) return;
	if (!over_cap_hook.is_linked()) ctx_->over_cap_sessions.push_back(*this);
}

bool WebSocketSession::CheckSlow(Clock::time_point now) {
	if (state_ != State::Open) return false;
	const auto in_flight = writing_ ? std::optional<Clock::time_point>(write_started_) : std::nullopt;
	if (!ctx_->slow_policy.IsSlow(queue_.bytes(), in_flight, now)) return false;
	CloseAsSlow();
	return true;
}

void WebSocketSession::CloseAsSlow() {
	GlobalMetrics().slow_client_closes.fetch_add(1, std::memory_order_relaxed);
	WALCAST_LOG(warn, "net", Describe() << ": closed as slow, " << queue_.bytes() << " bytes in " << queue_.size()
	                                    << " messages queued, cap " << ctx_->slow_policy.cap_bytes);
	Close(CloseCode::SlowClient, "slow client: send queue full");
}

void WebSocketSession::DoWrite() {
	OutFrame& frame = queue_.front();
	writing_ = true;
	write_started_ = Clock::now();
	ws_.binary(frame.binary);
	const std::array<asio::const_buffer, 3> buffers{
		asio::buffer(frame.head),
		frame.shared ? asio::buffer(*frame.shared) : asio::const_buffer{},
		asio::buffer(frame.tail),
	};
	ws_.async_write(buffers, beast::bind_front_handler(&WebSocketSession::OnWrite, shared_from_this()));
}

void WebSocketSession::OnWrite(beast::error_code ec, std::size_t bytes) {
	writing_ = false;
	if (state_ == State::Done) return;
	if (ec) {
		if (!IsQuietEnd(ec)) WALCAST_LOG(info, "net", Describe() << ": write failed: " << ec.message());
		queue_.clear();
		ForceClose();
		return;
	}
	auto& metrics = GlobalMetrics();
	metrics.messages_sent.fetch_add(1, std::memory_order_relaxed);
	metrics.bytes_sent.fetch_add(bytes, std::memory_order_relaxed);
	queue_.pop();
	if (over_cap_hook.is_linked() && !ctx_->slow_policy.OverCap(queue_.bytes())) over_cap_hook.unlink();

	if (!queue_.empty())
		DoWrite();
	else if (state_ == State::Closing)
		DoClose();
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

	if (DropsQueueOnClose(code)) {
		// The frame being written stays: the write in flight still reads its buffers.
		if (writing_)
			queue_.DropAllButFront();
		else
			queue_.clear();
	}
	if (!writing_) DoClose();
}

void WebSocketSession::DoClose() {
	state_ = State::CloseSent;
	queue_.clear();
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

	queue_.clear();
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
	// Release the descriptor now rather than when the last pending completion lets go of us.
	beast::error_code ignored;
	beast::get_lowest_layer(ws_).close(ignored);

	// The last client gone after Stop(): let the sweep end now instead of at its next tick.
	if (ctx_->stopping && ctx_->open_sessions.empty() && ctx_->closing_sessions.empty()) ctx_->sweep_timer.cancel();
}

}  // namespace walcast::net
