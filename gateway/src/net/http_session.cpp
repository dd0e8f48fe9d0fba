#include "net/http_session.hpp"

#include <cctype>
#include <chrono>
#include <string>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "net/health.hpp"
#include "net/rest_broadcast.hpp"
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
	snapshot.auth_on = ctx.settings.verifier != nullptr;
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
			// Auth on: the upgrade's apikey must verify (realtime-js always sends one); refused before upgrading,
			// so the client gets an HTTP answer it can show and holds no connection slot.
			auth::IdentityPtr identity;
			if (const auto* verifier = ctx_->settings.verifier) {
				std::string why;
				if (!route.apikey || route.apikey->empty()) {
					why = "apikey required: pass a JWT as the apikey query parameter";
				} else if (auto verified = verifier->Verify(*route.apikey)) {
					identity = verified.identity;
				} else {
					why = "InvalidJWTToken: " + verified.error;
				}
				if (!identity) {
					GlobalMetrics().client_errors.fetch_add(1, std::memory_order_relaxed);
					GlobalMetrics().tokens_rejected.fetch_add(1, std::memory_order_relaxed);
					WALCAST_LOG(debug, "net", "WebSocket upgrade refused with 401: " << why);
					auto res = MakeResponse(401, kJson, ErrorBody(why));
					res.keep_alive(false);
					Respond(std::move(res));
					return;
				}
			}
			if (is_linked()) unlink();
			// The socket and the parsed request move to the WebSocket session; this object ends here.
			stream_.expires_never();
			std::make_shared<WebSocketSession>(stream_.release_socket(), ctx_, route.version, std::move(identity),
			                                   std::move(slot))
				->Run(parser_->release());
			return;
		}
		case RouteKind::Health: {
			auto snapshot = Snapshot(*ctx_);
			// The status stays public for container health checks; slot and LSNs only for a metrics token.
			const auto* metrics_verifier = ctx_->settings.metrics_verifier;
			snapshot.show_details = !metrics_verifier || metrics_verifier->Verify(BearerToken());
			Respond(MakeResponse(HealthStatusCode(snapshot), kJson, RenderHealthJson(snapshot)));
			return;
		}
		case RouteKind::Metrics: {
			if (const auto* metrics_verifier = ctx_->settings.metrics_verifier) {
				if (auto verified = metrics_verifier->Verify(BearerToken()); !verified) {
					auto res = MakeResponse(401, kJson, ErrorBody("metrics need Authorization: Bearer <token signed with "
					                                              "METRICS_JWT_SECRET>: " + verified.error));
					res.set(http::field::www_authenticate, "Bearer");
					Respond(std::move(res));
					return;
				}
			}
			const auto snapshot = Snapshot(*ctx_);
			Respond(MakeResponse(200, kMetricsContentType, RenderMetricsText(snapshot)));
			return;
		}
		case RouteKind::Broadcast:
			HandleBroadcast(route);
			return;
		case RouteKind::Error: {
			auto res = MakeResponse(route.status, kJson, ErrorBody(route.error));
			// A refused upgrade ends the connection, as a client expecting 101 cannot continue anyway.
			if (upgrade) res.keep_alive(false);
			Respond(std::move(res));
			return;
		}
	}
}

std::string HttpSession::BearerToken() const {
	const auto& request = parser_->get();
	auto it = request.find(http::field::authorization);
	if (it == request.end()) return {};
	std::string_view value = it->value();
	constexpr std::string_view kBearer = "Bearer ";
	if (value.size() <= kBearer.size()) return {};
	// The scheme is case-insensitive (RFC 9110); realtime-js and curl users write "Bearer".
	for (std::size_t i = 0; i < kBearer.size(); ++i)
		if (std::tolower(static_cast<unsigned char>(value[i])) != std::tolower(static_cast<unsigned char>(kBearer[i])))
			return {};
	return std::string(value.substr(kBearer.size()));
}

std::string HttpSession::RequestToken() const {
	// realtime-js sends both: apikey (the project key) and Authorization (the user's token, when set);
	// the user's token is the identity, as for a channel's access_token.
	if (auto bearer = BearerToken(); !bearer.empty()) return bearer;
	const auto& request = parser_->get();
	auto it = request.find("apikey");
	return it == request.end() ? std::string() : std::string(it->value());
}

void HttpSession::HandleBroadcast(const Route& route) {
	if (!ctx_->broadcast_sink) return Respond(MakeResponse(404, kJson, ErrorBody("REST broadcast is not served here")));
	auth::IdentityPtr identity;
	if (const auto* verifier = ctx_->settings.verifier) {
		const std::string token = RequestToken();
		if (token.empty())
			return Respond(MakeResponse(401, kJson, ErrorBody("a token is required: Authorization: Bearer <jwt> or an apikey header")));
		auto verified = verifier->Verify(token);
		if (!verified) {
			GlobalMetrics().tokens_rejected.fetch_add(1, std::memory_order_relaxed);
			return Respond(MakeResponse(401, kJson, ErrorBody("InvalidJWTToken: " + verified.error)));
		}
		identity = verified.identity;
	}
	const auto& request = parser_->get();
	// httpSend's binary form (application/octet-stream payloads) is not served: its bytes have no JSON frame to
	// travel in for vsn-1 clients. Any JSON (or unlabelled) body is.
	const std::string_view content_type = request[http::field::content_type];
	const bool json_body = content_type.empty() || content_type.find("json") != std::string_view::npos;
	if (!route.topic.empty() && !json_body)
		return Respond(MakeResponse(415, kJson, ErrorBody("only application/json bodies are accepted")));
	auto parsed = ParseRestBroadcast(request.body(), route.topic, route.event, route.is_private,
	                                 ctx_->settings.max_broadcast_messages);
	if (parsed.status != 202) {
		GlobalMetrics().client_errors.fetch_add(1, std::memory_order_relaxed);
		return Respond(MakeResponse(parsed.status, kJson, ErrorBody(parsed.error)));
	}
	auto self = shared_from_this();
	ctx_->broadcast_sink->Publish(std::move(parsed.messages), std::move(identity), self,
	                              [self](unsigned status, std::string error) {
		                              if (status == 202) return self->Respond(self->MakeResponse(202, kJson, "{}"));
		                              GlobalMetrics().client_errors.fetch_add(1, std::memory_order_relaxed);
		                              self->Respond(self->MakeResponse(status, kJson, ErrorBody(error)));
	                              });
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
