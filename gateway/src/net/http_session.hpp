#pragma once
// One plain HTTP connection: reads requests (with a size limit and a deadline), answers /health and
// /metrics and errors itself, and hands WebSocket upgrades over to a WebSocketSession.

#include <memory>
#include <optional>

#include <boost/intrusive/list_hook.hpp>

#include "net/beast.hpp"

namespace walcast::net {

struct ServerContext;

class HttpSession
	: public std::enable_shared_from_this<HttpSession>,
	  public boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
public:
	HttpSession(tcp::socket&& socket, std::shared_ptr<ServerContext> ctx);

	void Run();
	// Ends the connection at once (server shutdown).
	void Stop();

private:
	void DoRead();
	void OnRead(beast::error_code ec, std::size_t bytes);
	void Respond(http::response<http::string_body> response);
	// POST /api/broadcast[/<topic>/events/<event>]: checks the token, parses the body, hands it to the sink.
	void HandleBroadcast(const struct Route& route);
	// The request's token: `Authorization: Bearer <t>`, else the `apikey` header.
	std::string RequestToken() const;
	// `Authorization: Bearer <t>` only (metrics).
	std::string BearerToken() const;
	void OnWrite(bool keep_alive, beast::error_code ec, std::size_t bytes);
	http::response<http::string_body> MakeResponse(unsigned status, std::string content_type, std::string body) const;

	beast::tcp_stream stream_;
	beast::flat_buffer buffer_;
	std::shared_ptr<ServerContext> ctx_;
	std::optional<http::request_parser<http::string_body>> parser_;
	std::optional<http::response<http::string_body>> response_;
};

}  // namespace walcast::net
