// Binds the network stage to the channels stage: each WebSocket session gets a ClientConnection on the
// Hub, REST broadcasts go to the Hub after the private topics' INSERT policies allowed them, and the sweep
// expires tokens. The only net/ file that knows the channels classes.

#include <algorithm>
#include <memory>
#include <utility>

#include "channels/client_connection.hpp"
#include "channels/hub.hpp"
#include "net/server.hpp"
#include "net/server_context.hpp"

namespace walcast::net {

namespace {

class HubConnection final : public InboundHandler {
public:
	HubConnection(channels::Hub& hub, std::shared_ptr<ClientTransport> transport, WireVersion version,
	              auth::IdentityPtr identity)
		: connection_(hub, std::move(transport),
		              version == WireVersion::V2 ? channels::Serializer::V2 : channels::Serializer::V1) {
		connection_.SetConnectionIdentity(std::move(identity));
	}

	void OnText(std::string_view message) override { connection_.OnText(message); }
	void OnBinary(std::string_view message) override { connection_.OnBinary(message); }
	void OnPing() override { connection_.OnPing(); }
	void OnClosed() override { connection_.OnClosed(); }

private:
	channels::ClientConnection connection_;
};

// REST broadcasts: all messages of a request are sent, or none (one private topic refused refuses the
// request), so a client never has to work out which half went through.
class HubBroadcastSink final : public BroadcastSink {
public:
	explicit HubBroadcastSink(channels::Hub& hub) : hub_(hub) {}

	void Publish(std::vector<RestBroadcast> messages, auth::IdentityPtr identity, std::weak_ptr<const void> interest,
	             std::function<void(unsigned, std::string)> done) override {
		std::vector<std::string> private_topics;
		if (hub_.auth_enabled())
			for (auto& m : messages)
				if (m.is_private && std::find(private_topics.begin(), private_topics.end(), m.topic) == private_topics.end())
					private_topics.push_back(m.topic);
		if (private_topics.empty()) {
			Send(messages);
			return done(202, {});
		}
		// One check per distinct private topic; the answer comes when the last one is in.
		struct Pending {
			std::vector<RestBroadcast> messages;
			std::function<void(unsigned, std::string)> done;
			std::size_t outstanding = 0;
			unsigned status = 202;
			std::string error;
		};
		auto pending = std::make_shared<Pending>();
		pending->messages = std::move(messages);
		pending->done = std::move(done);
		pending->outstanding = private_topics.size();
		for (auto& topic : private_topics) {
			auth::AccessRequest request;
			request.identity = identity;
			request.topic = topic;
			request.topic_checks = auth::kWriteBroadcast;
			hub_.auth().authorizer->Check(std::move(request), interest, [this, pending, topic](auth::AccessResult r) {
				if (pending->status == 202) {
					if (!r.ok) {
						pending->status = 503;
						pending->error = "could not check the policies of topic " + topic + ": " + r.error;
					} else if (!(r.topic_allowed & auth::kWriteBroadcast)) {
						pending->status = 403;
						pending->error = "Unauthorized: You do not have permissions to write to this Channel topic: " + topic;
					}
				}
				if (--pending->outstanding) return;
				if (pending->status == 202) Send(pending->messages);
				pending->done(pending->status, pending->error);
			});
		}
	}

private:
	void Send(const std::vector<RestBroadcast>& messages) {
		for (auto& m : messages) hub_.Publish({m.topic, m.event, m.payload, m.is_private});
	}

	channels::Hub& hub_;
};

}  // namespace

Server::Server(asio::io_context& ioc, std::string_view address, std::uint16_t port, channels::Hub& hub,
               ServerSettings settings)
	: Server(ioc, address, port,
	         [&hub](std::shared_ptr<ClientTransport> transport, WireVersion version,
	                auth::IdentityPtr identity) -> std::unique_ptr<InboundHandler> {
		         return std::make_unique<HubConnection>(hub, std::move(transport), version, std::move(identity));
	         },
	         std::move(settings)) {
	ctx_->broadcast_sink = std::make_shared<HubBroadcastSink>(hub);
	ctx_->on_sweep = [&hub] { hub.ExpireTokens(std::chrono::system_clock::now()); };
}

}  // namespace walcast::net
