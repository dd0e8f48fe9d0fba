#include "net/listener.hpp"

#include <chrono>
#include <stdexcept>
#include <string>

#include "core/log.hpp"
#include "net/http_session.hpp"
#include "net/server_context.hpp"

namespace walcast::net {

namespace {

// The message names the step and the OS error ("bind: Address already in use"); main prefixes the
// address it was asked for, so the endpoint is not repeated here.
void Check(const beast::error_code& ec, const char* what) {
	if (ec) throw std::runtime_error(std::string(what) + ": " + ec.message());
}

}  // namespace

Listener::Listener(std::shared_ptr<ServerContext> ctx, const tcp::endpoint& endpoint)
	: ctx_(std::move(ctx)), acceptor_(ctx_->ioc), retry_timer_(ctx_->ioc) {
	beast::error_code ec;
	acceptor_.open(endpoint.protocol(), ec);
	Check(ec, "open");
	acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
	Check(ec, "set SO_REUSEADDR");
	acceptor_.bind(endpoint, ec);
	Check(ec, "bind");
	acceptor_.listen(asio::socket_base::max_listen_connections, ec);
	Check(ec, "listen");
}

tcp::endpoint Listener::local_endpoint() const {
	beast::error_code ec;
	return acceptor_.local_endpoint(ec);
}

void Listener::Run() { DoAccept(); }

void Listener::Stop() {
	stopped_ = true;
	beast::error_code ignored;
	acceptor_.close(ignored);
	retry_timer_.cancel();
}

void Listener::DoAccept() {
	if (stopped_) return;
	acceptor_.async_accept(ctx_->ioc, beast::bind_front_handler(&Listener::OnAccept, shared_from_this()));
}

void Listener::OnAccept(beast::error_code ec, tcp::socket socket) {
	if (stopped_) return;
	if (ec) {
		// Typically out of file descriptors: log, wait a moment instead of spinning, and go on.
		WALCAST_LOG(warn, "net", "accept failed: " << ec.message());
		retry_timer_.expires_after(std::chrono::milliseconds(100));
		retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
			if (!wait_ec) self->DoAccept();
		});
		return;
	}
	// Frames are small and latency matters more than packet count.
	beast::error_code ignored;
	socket.set_option(tcp::no_delay(true), ignored);
	std::make_shared<HttpSession>(std::move(socket), ctx_)->Run();
	DoAccept();
}

}  // namespace walcast::net
