#pragma once
// Accepts TCP connections and starts an HttpSession for each.

#include <memory>

#include "net/beast.hpp"

namespace walcast::net {

struct ServerContext;

class Listener : public std::enable_shared_from_this<Listener> {
public:
	// Opens, binds and listens at once; throws std::runtime_error naming the endpoint on failure.
	Listener(std::shared_ptr<ServerContext> ctx, const tcp::endpoint& endpoint);

	void Run();
	void Stop();
	tcp::endpoint local_endpoint() const;

private:
	void DoAccept();
	void OnAccept(beast::error_code ec, tcp::socket socket);

	std::shared_ptr<ServerContext> ctx_;
	tcp::acceptor acceptor_;
	asio::steady_timer retry_timer_;
	bool stopped_ = false;
};

}  // namespace walcast::net
