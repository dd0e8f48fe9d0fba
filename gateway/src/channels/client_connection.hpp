#pragma once
// One WebSocket connection speaking Phoenix Channels: decodes frames, answers heartbeats, joins and
// leaves channels, relays broadcasts and presence through the hub. Created by the network stage after
// the upgrade; everything runs on the network thread.

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "channels/channel.hpp"
#include "channels/client_limits.hpp"
#include "channels/hub.hpp"
#include "channels/phoenix_codec.hpp"
#include "core/client_log.hpp"
#include "core/client_transport.hpp"
#include "core/rate_limiter.hpp"

namespace walcast::channels {

class ClientConnection final : public ChannelOwner {
public:
	// postgres_changes entries per join; each may cost a catalog query.
	static constexpr std::size_t kMaxBindingsPerChannel = 100;

	// Keeps `transport` until OnClosed() (or destruction), so a transport that owns this connection
	// forms a cycle that OnClosed breaks: call OnClosed when the socket is gone. The limits are the hub's
	// client_limits() unless given.
	ClientConnection(Hub& hub, std::shared_ptr<ClientTransport> transport, Serializer serializer);
	ClientConnection(Hub& hub, std::shared_ptr<ClientTransport> transport, Serializer serializer,
	                 const ClientLimits& limits);
	~ClientConnection() override;
	ClientConnection(const ClientConnection&) = delete;
	ClientConnection& operator=(const ClientConnection&) = delete;

	void OnText(std::string_view frame);
	void OnBinary(std::string_view frame);
	// A WebSocket ping: charged with heartbeats (MAX_EVENTS_PER_SECOND), since each one costs a pong.
	void OnPing();
	// The socket is gone: leave every channel (others see presence leaves), free everything, send nothing.
	void OnClosed();

	std::size_t ChannelCount() const { return channels_.size(); }

	// The identity of the WebSocket's apikey (auth on): every channel joined without an access_token acts as it.
	void SetConnectionIdentity(auth::IdentityPtr identity) { identity_ = std::move(identity); }

	// ChannelOwner: the hub found the channel's token expired.
	void Revoke(const std::string& topic, const void* channel, std::string_view reason) override;

private:
	void Receive(std::optional<InMessage> msg, std::string_view decode_error);
	// Charges one frame (not a join) to its allowance; false when that closed the client as a flood.
	bool Charge(const InMessage* msg);
	void CloseAsFlood();
	void Handle(InMessage& msg);
	void HandleJoin(InMessage& msg);
	// The rest of a join once it is allowed (at once, or when a private topic's policies answered).
	void FinishJoin(const std::shared_ptr<Channel>& channel, const InMessage& msg, boost::json::value response,
	                const std::string& binding_error);
	// A private channel's join: asks the policies, then finishes or refuses the join.
	void AuthorizeJoin(const std::shared_ptr<Channel>& channel, InMessage msg, boost::json::value response,
	                   std::string binding_error);
	void HandleAccessToken(const std::shared_ptr<Channel>& channel, const InMessage& msg);
	boost::json::object PresenceStateFor(const Channel& channel) const;
	void HandleBroadcast(Channel& channel, InMessage& msg);
	void HandlePresence(Channel& channel, InMessage& msg);
	// Removes the channel; with `notify` the client gets phx_close (ref = join_ref).
	void CloseChannel(const std::string& topic, bool notify);
	void Reply(const InMessage& msg, bool ok, boost::json::value response);
	void ReplyError(const InMessage& msg, std::string_view reason);
	void Malformed(std::string_view why);

	Hub& hub_;
	std::shared_ptr<ClientTransport> transport_;
	Serializer serializer_;
	ClientLimits limits_;
	RateLimiter joins_;       // MAX_JOINS_PER_SECOND
	RateLimiter events_;      // MAX_EVENTS_PER_SECOND
	RateLimiter keepalives_;  // heartbeats and access_token frames (see ClientLimits)
	// Shared with this client's channels, so lines about them written later (catalog answers) are throttled too.
	std::shared_ptr<log::ClientLog> log_;
	std::map<std::string, std::shared_ptr<Channel>, std::less<>> channels_;  // by topic
	auth::IdentityPtr identity_;  // the apikey's (auth on)
	bool closed_ = false;
	bool flooded_ = false;  // closed as a flood: the frames still arriving are dropped unread
};

}  // namespace walcast::channels
