// Binds the network stage to the channels stage: each WebSocket session gets a ClientConnection on the
// Hub. The only net/ file that knows the channels classes.

#include <memory>
#include <utility>

#include "channels/client_connection.hpp"
#include "channels/hub.hpp"
#include "net/server.hpp"

namespace walcast::net {

namespace {

class HubConnection final : public InboundHandler {
public:
	HubConnection(channels::Hub& hub, std::shared_ptr<ClientTransport> transport, WireVersion version)
		: connection_(hub, std::move(transport),
		              version == WireVersion::V2 ? channels::Serializer::V2 : channels::Serializer::V1) {}

	void OnText(std::string_view message) override { connection_.OnText(message); }
	void OnBinary(std::string_view message) override { connection_.OnBinary(message); }
	void OnPing() override { connection_.OnPing(); }
	void OnClosed() override { connection_.OnClosed(); }

private:
	channels::ClientConnection connection_;
};

}  // namespace

Server::Server(asio::io_context& ioc, std::string_view address, std::uint16_t port, channels::Hub& hub,
               ServerSettings settings)
	: Server(ioc, address, port,
	         [&hub](std::shared_ptr<ClientTransport> transport, WireVersion version) -> std::unique_ptr<InboundHandler> {
		         return std::make_unique<HubConnection>(hub, std::move(transport), version);
	         },
	         std::move(settings)) {}

}  // namespace walcast::net
