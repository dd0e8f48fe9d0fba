#pragma once
// What a WebSocket session delivers its client's messages to. In the gateway this is the channels
// stage's ClientConnection (see hub_handler.cpp); tests plug in their own, so sessions are tested
// without a Hub.

#include <functional>
#include <memory>
#include <string_view>

#include "core/client_transport.hpp"
#include "net/routes.hpp"

namespace walcast::net {

class InboundHandler {
public:
	virtual ~InboundHandler() = default;
	// The views are valid only during the call.
	virtual void OnText(std::string_view message) = 0;
	virtual void OnBinary(std::string_view message) = 0;
	// The client sent a WebSocket ping (Beast answers it with a pong by itself).
	virtual void OnPing() {}
	// Called exactly once, after the last OnText/OnBinary, when the connection is gone for any reason.
	virtual void OnClosed() = 0;
};

// Creates the handler for a newly opened WebSocket; transport is the session itself.
using HandlerFactory =
	std::function<std::unique_ptr<InboundHandler>(std::shared_ptr<ClientTransport> transport, WireVersion version)>;

}  // namespace walcast::net
