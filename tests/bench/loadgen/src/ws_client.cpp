#include "ws_client.hpp"

#include <netinet/in.h>

#include <charconv>

#include "clock.hpp"
#include "join_client.hpp"

namespace loadgen {

std::optional<Target> ParseWsUrl(const std::string& url) {
	const std::string scheme = "ws://";
	if (url.rfind(scheme, 0) != 0) return std::nullopt;
	const auto rest = url.substr(scheme.size());
	const auto slash = rest.find('/');
	const auto authority = rest.substr(0, slash);
	const auto colon = authority.rfind(':');
	if (colon == std::string::npos) return std::nullopt;
	Target t;
	t.host = authority.substr(0, colon);
	const auto port_text = authority.substr(colon + 1);
	unsigned port = 0;
	const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
	if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535) return std::nullopt;
	t.port = std::uint16_t(port);
	t.path = slash == std::string::npos ? "/" : rest.substr(slash);
	return t;
}

WsClient::WsClient(asio::io_context& io, const ClientConfig& config, ThreadStats& stats, std::size_t index,
                   std::optional<asio::ip::address> source, std::function<void()> on_settled)
    : config_(config), stats_(stats), index_(index), source_(std::move(source)), on_settled_(std::move(on_settled)),
      ws_(io), heartbeat_(io) {}

void WsClient::Start() {
	beast::error_code ec;
	auto& socket = ws_.next_layer();
	const tcp::endpoint server(asio::ip::make_address(config_.target.host, ec), config_.target.port);
	if (ec) return Fail("address", ec);
	socket.open(server.protocol(), ec);
	if (ec) return Fail("socket", ec);
	socket.set_option(tcp::no_delay(true), ec);
	if (source_) {
		// Choose the port at connect time, per (source, destination) pair, so each loopback source
		// address has the whole ephemeral range to itself.
		int on = 1;
		::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
		socket.bind(tcp::endpoint(*source_, 0), ec);
		if (ec) return Fail("bind", ec);
	}
	socket.async_connect(server, [self = shared_from_this()](beast::error_code e) { self->OnConnect(e); });
}

void WsClient::OnConnect(beast::error_code ec) {
	if (ec) return Fail("connect", ec);
	ws_.text(true);
	ws_.read_message_max(64u << 20);
	ws_.async_handshake(config_.target.host + ":" + std::to_string(config_.target.port), config_.target.path,
	                    [self = shared_from_this()](beast::error_code e) { self->OnHandshake(e); });
}

void WsClient::OnHandshake(beast::error_code ec) {
	if (ec) return Fail("handshake", ec);
	const std::string topic = config_.distinct_topics ? config_.topic + "-" + std::to_string(index_) : config_.topic;
	if (config_.protocol == Protocol::kPhoenix && !config_.join_payload.empty()) {
		const std::string token =
		    config_.access_tokens.empty() ? std::string() : config_.access_tokens[index_ % config_.access_tokens.size()];
		Send("[\"1\",\"1\",\"realtime:" + topic + "\",\"phx_join\"," + JoinPayloadWithToken(config_.join_payload, token) + "]");
	} else {
		for (auto& frame : SubscribeFrames(config_.protocol, topic, config_.schema, config_.table)) Send(std::move(frame));
	}
	// Spread the heartbeats of many clients over the interval instead of sending them in one burst.
	if (config_.protocol == Protocol::kPhoenix && config_.heartbeat_ms > 0)
		ArmHeartbeat(int(index_ % std::size_t(config_.heartbeat_ms)) + config_.heartbeat_ms / 2);
	// Peers without a subscription reply are ready once subscribed; the benchmark's probe rows then
	// confirm that rows really reach them.
	if (config_.protocol != Protocol::kPhoenix) MarkReady();
	ReadNext();
}

void WsClient::Send(std::string frame) {
	outbox_.push_back(std::move(frame));
	if (!writing_) WriteNext();
}

void WsClient::WriteNext() {
	if (outbox_.empty() || closing_) {
		writing_ = false;
		return;
	}
	writing_ = true;
	ws_.async_write(asio::buffer(outbox_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
		self->outbox_.pop_front();
		if (ec) return self->Fail("write", ec);
		self->WriteNext();
	});
}

// Reads straight from the socket and parses the server's frames here instead of one Beast async_read
// per message: at high fan-out the load generator shares the machine's cores with the server it
// measures, and Beast's per-message read operation cost it more than the server spent sending. Server
// frames are never masked; nobody here negotiates compression. Writes still go through Beast.
void WsClient::ReadNext() {
	auto& socket = ws_.next_layer();
	socket.async_read_some(raw_.prepare(kReadChunk), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
		if (ec) return self->Fail("read", ec);
		self->raw_.commit(n);
		if (!self->ParseFrames()) return;
		self->ReadNext();
	});
}

bool WsClient::ParseFrames() {
	for (;;) {
		const auto data = raw_.cdata();
		const auto* p = static_cast<const unsigned char*>(data.data());
		const std::size_t available = data.size();
		if (available < 2) break;
		const bool fin = p[0] & 0x80;
		const unsigned opcode = p[0] & 0x0F;
		if (p[1] & 0x80) {
			Fail("protocol: masked frame from the server", {});
			return false;
		}
		std::uint64_t length = p[1] & 0x7F;
		std::size_t header = 2;
		if (length == 126) {
			if (available < 4) break;
			length = (std::uint64_t(p[2]) << 8) | p[3];
			header = 4;
		} else if (length == 127) {
			if (available < 10) break;
			length = 0;
			for (int i = 0; i < 8; ++i) length = (length << 8) | p[2 + i];
			header = 10;
		}
		if (length > kMaxMessage) {
			Fail("protocol: frame over 64 MB", {});
			return false;
		}
		if (available < header + length) break;
		const std::string_view payload(reinterpret_cast<const char*>(p + header), std::size_t(length));
		switch (opcode) {
		case 0x0:  // continuation
			partial_.append(payload);
			if (fin) {
				if (partial_text_) OnMessage(partial_);
				partial_.clear();
			}
			break;
		case 0x1:
		case 0x2:
			if (fin) {
				if (opcode == 0x1) OnMessage(payload);
			} else {
				partial_.assign(payload);
				partial_text_ = opcode == 0x1;
			}
			break;
		case 0x8: {
			const unsigned code = payload.size() >= 2 ? (unsigned(std::uint8_t(payload[0])) << 8) | std::uint8_t(payload[1]) : 1005;
			const std::string reason(payload.size() > 2 ? payload.substr(2) : std::string_view());
			Fail(("closed by server (code " + std::to_string(code) + " " + reason + ")").c_str(), {});
			return false;
		}
		default:  // ping/pong: the servers measured here send none; nothing to answer
			break;
		}
		raw_.consume(header + std::size_t(length));
		if (failed_ || closing_) return false;
	}
	// Keep an idle client's buffer small after a burst.
	if (raw_.size() == 0 && raw_.capacity() > 4 * kReadChunk) raw_.shrink_to_fit();
	return true;
}

void WsClient::OnMessage(std::string_view text) {
	const Heard heard = Classify(config_.protocol, text);
	switch (heard.kind) {
	case Heard::kRow:
		if (heard.sent_ns < config_.not_before_ns) {
			stats_.stale.fetch_add(1, std::memory_order_relaxed);
		} else if (heard.seq <= 0) {
			if (!probed_) {
				probed_ = true;
				stats_.probed.fetch_add(1, std::memory_order_relaxed);
			}
		} else if (heard.seq <= config_.warm_rows) {
			stats_.warm.fetch_add(1, std::memory_order_relaxed);
		} else {
			const auto now = MonotonicNs();
			stats_.latency.Add(now - heard.sent_ns);
			if (heard.seq <= last_seq_) stats_.out_of_order.fetch_add(1, std::memory_order_relaxed);
			last_seq_ = heard.seq;
			stats_.last_arrival_ns.store(now, std::memory_order_relaxed);
			stats_.measured.fetch_add(1, std::memory_order_relaxed);
		}
		break;
	case Heard::kSubscribed:
		MarkReady();
		break;
	case Heard::kError:
		stats_.sub_errors.fetch_add(1, std::memory_order_relaxed);
		stats_.NoteError("server said: " + std::string(text.substr(0, 300)));
		if (!ready_) Fail("subscription refused", {});
		break;
	case Heard::kOther:
		// A channel without postgres_changes gets no system message: the join's own ok reply makes it ready.
		if (!config_.join_payload.empty() && text.starts_with("[\"1\",\"1\",") &&
		    text.find("\"phx_reply\"") != std::string_view::npos && text.find("\"status\":\"ok\"") != std::string_view::npos)
			MarkReady();
		break;
	}
}

void WsClient::ArmHeartbeat(int delay_ms) {
	heartbeat_.expires_after(std::chrono::milliseconds(delay_ms));
	heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
		if (ec || self->closing_ || self->failed_) return;
		self->Send(HeartbeatFrame(self->config_.protocol, ++self->heartbeat_ref_));
		self->ArmHeartbeat(self->config_.heartbeat_ms);
	});
}

void WsClient::Fail(const char* where, beast::error_code ec) {
	if (failed_ || closing_) return;
	failed_ = true;
	heartbeat_.cancel();
	if (ready_) {
		stats_.closed.fetch_add(1, std::memory_order_relaxed);
	} else {
		stats_.failed.fetch_add(1, std::memory_order_relaxed);
	}
	stats_.NoteError(std::string(where) + (ec ? ": " + ec.message() : std::string()));
	beast::error_code ignored;
	ws_.next_layer().close(ignored);
	Settle();
}

void WsClient::MarkReady() {
	if (ready_) return;
	ready_ = true;
	stats_.ready.fetch_add(1, std::memory_order_relaxed);
	Settle();
}

void WsClient::Settle() {
	if (settled_) return;
	settled_ = true;
	if (on_settled_) on_settled_();
}

void WsClient::Close() {
	closing_ = true;
	heartbeat_.cancel();
	beast::error_code ignored;
	ws_.next_layer().close(ignored);
}

}  // namespace loadgen
