#pragma once
// What a WebSocket session delivers its client's messages to. In the gateway this is the channels
// stage's ClientConnection (see hub_handler.cpp); tests plug in their own, so sessions are tested
// without a Hub.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "auth/identity.hpp"
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

// Creates the handler for a newly opened WebSocket; transport is the session itself, identity the verified
// apikey of the upgrade (null with auth off).
using HandlerFactory = std::function<std::unique_ptr<InboundHandler>(
	std::shared_ptr<ClientTransport> transport, WireVersion version, auth::IdentityPtr identity)>;

// Where REST broadcasts go (POST /api/broadcast). The gateway's is the Hub (hub_handler.cpp).
struct RestBroadcast {
	std::string topic;  // as the client named it (room1), without "realtime:"
	std::string event;
	boost::json::value payload;
	bool is_private = false;
};
class BroadcastSink {
public:
	virtual ~BroadcastSink() = default;
	// Checks private topics against their INSERT policies, then sends all or none. `done(status, error)`
	// runs on the network thread: 202 (sent), 403 (a private topic refused), 503 (could not check).
	// Dropped unanswered once `interest` expired.
	virtual void Publish(std::vector<RestBroadcast> messages, auth::IdentityPtr identity,
	                     std::weak_ptr<const void> interest, std::function<void(unsigned, std::string)> done) = 0;
};

}  // namespace walcast::net
