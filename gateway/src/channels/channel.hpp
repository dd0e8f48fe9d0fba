#pragma once
// One joined channel of one connection: the state the hub routes by. Owned by its ClientConnection
// (shared, so work finishing later, like a catalog answer, can tell whether the channel still exists).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "auth/authorizer.hpp"
#include "auth/identity.hpp"
#include "channels/phoenix_codec.hpp"
#include "channels/subscription.hpp"
#include "core/client_log.hpp"
#include "core/client_transport.hpp"

namespace walcast::channels {

// What the server may do to a channel on its own (its token expired, a refreshed token was refused):
// the owning connection tells the client and forgets the channel.
class ChannelOwner {
public:
	virtual ~ChannelOwner() = default;
	// Sends a `system` error with `reason`, then phx_close; nothing more reaches the channel.
	virtual void Revoke(const std::string& topic, const void* channel, std::string_view reason) = 0;
};

struct Channel : std::enable_shared_from_this<Channel> {
	std::string topic;       // realtime:room1
	std::string subtopic;    // room1
	std::string topic_json;  // "realtime:room1", quoted once for every envelope
	boost::json::value join_ref;
	Serializer serializer = Serializer::V2;
	std::shared_ptr<ClientTransport> transport;  // reset when the channel closes: nothing is sent after that
	const void* connection = nullptr;            // the owning ClientConnection, for identity only
	std::shared_ptr<log::ClientLog> log;         // the owning client's throttled log
	ChannelOwner* owner = nullptr;               // valid while in the hub (the owner removes it before it goes)

	// Authorization (auth on): who this channel acts as, and what its topic's policies granted.
	auth::IdentityPtr identity;  // the join's access_token, else the connection's apikey; null with auth off
	bool is_private = false;     // config.private: a topic of its own, guarded by walcast.messages policies
	// auth::TopicRight bits: everything for public channels and with auth off; for private ones what the
	// policies granted at join or at the last token refresh.
	unsigned rights = ~0u;
	bool joined = false;
	std::weak_ptr<const auth::Identity> expiry_watched;  // the identity Hub::WatchExpiry has an entry for  // the join was answered ok (private joins wait for the policy check)
	// postgres_changes with auth on: only these tables ("schema\x1ftable", see RouteKey), the ones the role
	// may SELECT among those the bindings matched at join. Unrestricted with auth off.
	bool tables_restricted = false;
	std::vector<std::string> allowed_tables;
	// The tables asked about at join (schema, table), asked again when a refreshed token names another role.
	std::vector<std::pair<std::string, std::string>> checked_tables;

	bool May(unsigned right) const { return (rights & right) == right; }

	// postgres_changes
	bool legacy = false;  // joined without `config`: events named INSERT/UPDATE/DELETE, bare change payload
	std::vector<PostgresBinding> bindings;
	bool bindings_active = false;  // routed by the hub (after the catalog confirmed them)
	bool unreachable_reported = false;  // the "database unreachable" status was sent; retries stay quiet

	// broadcast and presence
	bool broadcast_self = false;
	bool broadcast_ack = false;
	bool presence_enabled = false;
	std::string presence_key;

	// postgres_changes envelope around "<ids>],\"data\":" + change + tail, built once per channel
	std::string change_head;  // [null,null,"realtime:x","postgres_changes",{"ids":[
	std::string change_tail;  // }]
	// change_head + ids + "],\"data\":" for the ids of the last change sent: consecutive changes usually
	// match the same bindings, and then every frame shares this one string.
	std::shared_ptr<const std::string> last_change_head;
	std::vector<std::int64_t> last_change_ids;

	// Hub bookkeeping
	bool in_hub = false;                  // between Hub::AddChannel and Hub::RemoveChannel
	std::vector<std::string> index_keys;  // routing-index entries this channel sits in
	std::uint64_t dispatch_stamp = 0;     // the last change that visited it, so it is visited once

	bool Open() const { return transport != nullptr; }

	void Send(OutFrame frame) const {
		if (transport) transport->Send(std::move(frame));
	}
	void SendText(std::string text) const {
		OutFrame frame;
		frame.head = std::move(text);
		Send(std::move(frame));
	}
	// A push on this channel carrying its join_ref (system, presence_state, phx_close use this).
	void Push(const boost::json::value& ref, std::string_view event, const boost::json::value& payload) const {
		SendText(EncodeText(serializer, join_ref, ref, topic, event, payload));
	}
};

}  // namespace walcast::channels
