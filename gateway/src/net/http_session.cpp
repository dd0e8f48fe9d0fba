#include "net/http_session.hpp"

#include <chrono>
#include <string>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "net/health.hpp"
#include "net/routes.hpp"
#include "net/server_context.hpp"
#include "net/websocket_session.hpp"

namespace walcast::net {

namespace {

// Request line plus headers; browsers send a few KB at most.
constexpr std::size_t kMaxRequestBuffer = 16 * 1024;
constexpr const char* kJson = "application/json";

HealthSnapshot Snapshot(const ServerContext& ctx) {
	auto snapshot = TakeSnapshot(GlobalMetrics(), ctx.settings.slot_name);
	snapshot.max_connections = ctx.connection_slots.max();
	snapshot.max_queued_bytes = ctx.queue_budget.limit();
	return snapshot;
}

}  // namespace

HttpSession::HttpSession(tcp::socket&& socket, std::shared_ptr<ServerContext> ctx)
	: stream_(std::move(socket)), buffer_(kMaxRequestBuffer), ctx_(std::move(ctx)) {}

void HttpSession::Run() {
	ctx_->http_sessions.push_back(*this);
	DoRead();
}

void HttpSession::Stop() {
	if (is_linked()) unlink();
	beast::error_code ignored;
	stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
	stream_.close();
}

void HttpSession::DoRead() {
	parser_.emplace();
	parser_->body_limit(ctx_->settings.http_body_limit);
	stream_.expires_after(ctx_->settings.handshake_timeout);
	http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::OnRead, shared_from_this()));
}

http::response<http::string_body> HttpSession::MakeResponse(unsigned status, std::string content_type,
                                                            std::string body) const {
	http::response<http::string_body> res{static_cast<http::status>(status), parser_->get().version()};
	res.set(http::field::server, ctx_->settings.server_header);
	res.set(http::field::content_type, content_type);
	res.set(http::field::cache_control, "no-store");
	res.keep_alive(parser_->get().keep_alive());
	res.body() = std::move(body);
	res.prepare_payload();
	return res;
}

void HttpSession::OnRead(beast::error_code ec, std::size_t) {
	if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted || ec == beast::error::timeout ||
	    ec == asio::error::eof || ec == asio::error::connection_reset) {
		Stop();
		return;
	}
	if (ec) {
		// Malformed or oversized request: say so once and hang up.
		WALCAST_LOG(debug, "net", "bad HTTP request: " << ec.message());
		const unsigned status = ec == http::error::body_limit || ec == http::error::header_limit ||
		                                ec == http::error::buffer_overflow
		                            ? 413
		                            : 400;
		http::response<http::string_body> res{static_cast<http::status>(status), 11};
		res.set(http::field::server, ctx_->settings.server_header);
		res.set(http::field::content_type, kJson);
		res.keep_alive(false);
		res.body() = ErrorBody("bad request: " + ec.message());
		res.prepare_payload();
		Respond(std::move(res));
		return;
	}

	auto& request = parser_->get();
	const bool upgrade = websocket::is_upgrade(request);
	const Route route = RouteRequest(request.method_string(), upgrade, request.target());

	switch (route.kind) {
		case RouteKind::WebSocket: {
			if (ctx_->stopping) {
				auto res = MakeResponse(503, kJson, ErrorBody("server shutting down"));
				res.keep_alive(false);
				Respond(std::move(res));
				return;
			}
			auto slot = ctx_->connection_slots.TryTake();
			if (!slot) {
				// Refused before upgrading: the client gets a plain HTTP answer it can show, and holds nothing.
				GlobalMetrics().connections_refused.fetch_add(1, std::memory_order_relaxed);
				// At most one line a second, however fast a client retries; the count says what the lines skipped.
				++ctx_->refusals_not_logged;
				const auto now = std::chrono::steady_clock::now();
				if (now - ctx_->last_refusal_logged >= std::chrono::seconds(1)) {
					WALCAST_LOG(warn, "net", "refused " << ctx_->refusals_not_logged
					                                    << " WebSocket upgrade(s) with 503: MAX_CONNECTIONS ("
					                                    << ctx_->connection_slots.max() << ") connections open");
					ctx_->refusals_not_logged = 0;
					ctx_->last_refusal_logged = now;
				}
				auto res = MakeResponse(
					503, kJson,
					ErrorBody("too many connections: MAX_CONNECTIONS (" + std::to_string(ctx_->connection_slots.max()) +
				              ") reached"));
				res.keep_alive(false);
				Respond(std::move(res));
				return;
			}
			if (is_linked()) unlink();
			// The socket and the parsed request move to the WebSocket session; this object ends here.
			stream_.expires_never();
			std::make_shared<WebSocketSession>(stream_.release_socket(), ctx_, route.version, std::move(slot))
				->Run(parser_->release());
			return;
		}
		case RouteKind::Health: {
			const auto snapshot = Snapshot(*ctx_);
			Respond(MakeResponse(HealthStatusCode(snapshot), kJson, RenderHealthJson(snapshot)));
			return;
		}
		case RouteKind::Metrics: {
			const auto snapshot = Snapshot(*ctx_);
			Respond(MakeResponse(200, kMetricsContentType, RenderMetricsText(snapshot)));
			return;
		}
		case RouteKind::Error: {
			auto res = MakeResponse(route.status, kJson, ErrorBody(route.error));
			// A refused upgrade ends the connection, as a client expecting 101 cannot continue anyway.
			if (upgrade) res.keep_alive(false);
			Respond(std::move(res));
			return;
		}
	}
}

void HttpSession::Respond(http::response<http::string_body> response) {
	const bool keep_alive = response.keep_alive() && !ctx_->stopping;
	response.keep_alive(keep_alive);
	// HEAD: the GET headers, Content-Length included, and no body.
	if (parser_ && parser_->is_header_done() && parser_->get().method() == http::verb::head) response.body().clear();
	response_.emplace(std::move(response));
	stream_.expires_after(ctx_->settings.handshake_timeout);
	http::async_write(stream_, *response_,
	                  beast::bind_front_handler(&HttpSession::OnWrite, shared_from_this(), keep_alive));
}

void HttpSession::OnWrite(bool keep_alive, beast::error_code ec, std::size_t) {
	response_.reset();
	if (ec || !keep_alive || ctx_->stopping) {
		Stop();
		return;
	}
	DoRead();
}

}  // namespace walcast::net
