#pragma once
// The network stage: HTTP (/health, /metrics) and the Phoenix WebSocket endpoints on one port, all on
// the single network thread that runs `ioc`.
//
//   walcast::net::Server server(ioc, "0.0.0.0", 4000, hub, settings);   // binds now; throws on error
//   (std::runtime_error: "bind: Address already in use", "bad bind address 'x': ..."; the caller
//   prefixes the address and port it asked for)
//   ... ioc.run() ...
//   server.Stop();   // on SIGTERM: stop accepting, close every client with 1001 GoingAway
//
// The Server must be created and stopped on (or before running) the network thread. Its state is shared
// with the sessions, so destroying the Server object never leaves a dangling handler behind.

#include <cstdint>
#include <memory>
#include <string_view>

#include "net/beast.hpp"
#include "net/inbound_handler.hpp"
#include "net/server_settings.hpp"

namespace walcast::channels {
class Hub;
}

namespace walcast::net {

struct ServerContext;
class Listener;

class Server {
public:
	// Serves clients through the channels stage's Hub. Defined in hub_handler.cpp.
	Server(asio::io_context& ioc, std::string_view address, std::uint16_t port, channels::Hub& hub,
	       ServerSettings settings = {});
	// Serves clients through any handler factory (tests).
	Server(asio::io_context& ioc, std::string_view address, std::uint16_t port, HandlerFactory factory,
	       ServerSettings settings = {});
	~Server();

	Server(const Server&) = delete;
	Server& operator=(const Server&) = delete;

	// Stops accepting and closes every client with GoingAway (a close frame is sent). Safe to call more
	// than once and from any thread (it is dispatched onto the io_context). The io_context runs out of
	// network work once the last client finished closing or hit the close timeout.
	void Stop();

	// The bound port (useful with port 0).
	std::uint16_t port() const { return port_; }

private:
	std::shared_ptr<ServerContext> ctx_;
	std::shared_ptr<Listener> listener_;
	std::uint16_t port_ = 0;
};

// Resolves the bind address ("0.0.0.0", "::", "127.0.0.1", "localhost"); throws std::runtime_error.
tcp::endpoint ResolveBindEndpoint(asio::io_context& ioc, std::string_view address, std::uint16_t port);

}  // namespace walcast::net
