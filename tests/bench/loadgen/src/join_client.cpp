#include "join_client.hpp"

#include <cstdlib>

#include "clock.hpp"

namespace loadgen {

std::string JoinPayloadWithToken(const std::string& payload, const std::string& access_token) {
	if (access_token.empty()) return payload;
	const auto close = payload.rfind('}');
	if (close == std::string::npos) return payload;
	const bool empty_object = payload.find_first_not_of(" \t\n{", payload.find('{')) == close;
	return payload.substr(0, close) + (empty_object ? "" : ",") + "\"access_token\":\"" + access_token + "\"}";
}

JoinClient::JoinClient(asio::io_context& io, const Target& target, std::vector<ChannelJoin> channels,
                       const std::string& payload, JoinStats& stats)
    : target_(target), channels_(std::move(channels)), payload_(payload), stats_(stats), ws_(io),
      joined_(channels_.size(), false) {}

void JoinClient::Connect() {
	beast::error_code ec;
	auto& socket = ws_.next_layer();
	const tcp::endpoint server(asio::ip::make_address(target_.host, ec), target_.port);
	if (ec) return Fail("address", ec);
	socket.open(server.protocol(), ec);
	if (ec) return Fail("socket", ec);
	socket.set_option(tcp::no_delay(true), ec);
	socket.async_connect(server, [self = shared_from_this()](beast::error_code e) { self->OnConnect(e); });
}

void JoinClient::OnConnect(beast::error_code ec) {
	if (ec) return Fail("connect", ec);
	ws_.text(true);
	ws_.async_handshake(target_.host + ":" + std::to_string(target_.port), target_.path,
	                    [self = shared_from_this()](beast::error_code e) { self->OnHandshake(e); });
}

void JoinClient::OnHandshake(beast::error_code ec) {
	if (ec) return Fail("handshake", ec);
	open_ = true;
	stats_.connected.fetch_add(1, std::memory_order_relaxed);
	ReadNext();
}

// Refs are "<round>.<channel>" for joins and "l<round>.<channel>" for leaves; join_ref is the join's ref, as
// realtime-js sends it. Only phx_reply frames are counted, so a phx_close after a leave is ignored.
void JoinClient::JoinAll(int round) {
	if (failed_ || !open_) {
		settled_ = false;
		return Settle();
	}
	leaving_ = false;
	awaiting_ = channels_.size();
	settled_ = awaiting_ == 0;
	for (std::size_t c = 0; c < channels_.size(); ++c) {
		const auto ref = "\"" + std::to_string(round) + "." + std::to_string(c) + "\"";
		Send("[" + ref + "," + ref + ",\"realtime:" + channels_[c].topic + "\",\"phx_join\"," +
		     JoinPayloadWithToken(payload_, channels_[c].access_token) + "]");
	}
	if (settled_) stats_.settled.fetch_add(1, std::memory_order_relaxed);
}

void JoinClient::LeaveAll(int round) {
	if (failed_ || !open_) {
		settled_ = false;
		return Settle();
	}
	leaving_ = true;
	awaiting_ = 0;
	for (std::size_t c = 0; c < channels_.size(); ++c) {
		if (!joined_[c]) continue;
		const auto join_ref = "\"" + std::to_string(round) + "." + std::to_string(c) + "\"";
		Send("[" + join_ref + ",\"l" + std::to_string(round) + "." + std::to_string(c) + "\",\"realtime:" +
		     channels_[c].topic + "\",\"phx_leave\",{}]");
		joined_[c] = false;
		++awaiting_;
	}
	settled_ = awaiting_ == 0;
	if (settled_) stats_.settled.fetch_add(1, std::memory_order_relaxed);
}

void JoinClient::Send(std::string frame) {
	outbox_.push_back(std::move(frame));
	if (!writing_) WriteNext();
}

void JoinClient::WriteNext() {
	if (outbox_.empty() || closing_ || failed_) {
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

void JoinClient::ReadNext() {
	ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
		if (ec) return self->Fail("read", ec);
		const auto data = self->in_.cdata();
		self->OnMessage(std::string_view(static_cast<const char*>(data.data()), data.size()));
		self->in_.consume(self->in_.size());
		if (!self->failed_ && !self->closing_) self->ReadNext();
	});
}

void JoinClient::OnMessage(std::string_view text) {
	if (text.find("\"phx_reply\"") == std::string_view::npos || awaiting_ == 0) return;
	// The ref is the second element: ["<join_ref>","<ref>",...]; the channel index follows the dot.
	const auto ref_start = text.find(",\"");
	const auto dot = ref_start == std::string_view::npos ? ref_start : text.find('.', ref_start);
	const bool ok = text.find("\"status\":\"ok\"") != std::string_view::npos;
	stats_.NoteAnswer(MonotonicNs());
	if (ok) {
		stats_.ok.fetch_add(1, std::memory_order_relaxed);
		if (!leaving_ && dot != std::string_view::npos) {
			const auto c = std::size_t(std::strtoul(std::string(text.substr(dot + 1, 8)).c_str(), nullptr, 10));
			if (c < joined_.size()) joined_[c] = true;
		}
	} else {
		stats_.refused.fetch_add(1, std::memory_order_relaxed);
		stats_.NoteError("server said: " + std::string(text.substr(0, 300)));
	}
	if (--awaiting_ == 0) Settle();
}

void JoinClient::Fail(const char* where, beast::error_code ec) {
	if (failed_ || closing_) return;
	failed_ = true;
	if (open_) {
		stats_.lost.fetch_add(1, std::memory_order_relaxed);
	} else {
		stats_.connect_failed.fetch_add(1, std::memory_order_relaxed);
	}
	stats_.NoteError(std::string(where) + (ec ? ": " + ec.message() : std::string()));
	beast::error_code ignored;
	ws_.next_layer().close(ignored);
	Settle();
}

void JoinClient::Settle() {
	if (settled_) return;
	settled_ = true;
	awaiting_ = 0;
	stats_.settled.fetch_add(1, std::memory_order_relaxed);
}

void JoinClient::Close() {
	closing_ = true;
	beast::error_code ignored;
	ws_.next_layer().close(ignored);
}

}  // namespace loadgen
