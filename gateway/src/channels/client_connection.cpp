#include "channels/client_connection.hpp"

#include <algorithm>
#include <chrono>
#include <random>

#include <boost/json/serialize.hpp>

#include "channels/postgres_subscribe.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/utf8.hpp"

namespace walcast::channels {

namespace json = boost::json;

namespace {

constexpr std::string_view kTopicPrefix = "realtime:";

const json::object* ObjectAt(const json::object& obj, std::string_view key) {
	auto* v = obj.if_contains(key);
	return v ? v->if_object() : nullptr;
}

// The server accepts true/false and the strings "true"/"false".
bool FlexibleBool(const json::object* obj, std::string_view key) {
	if (!obj) return false;
	auto* v = obj->if_contains(key);
	if (!v) return false;
	if (auto* b = v->if_bool()) return *b;
	if (auto* s = v->if_string()) return *s == "true";
	return false;
}

// A random UUID v4 as the presence key when the client gives none, as the original server does.
std::string RandomUuid() {
	static std::mt19937_64 rng{std::random_device{}()};
	std::uint64_t hi = rng(), lo = rng();
	hi = (hi & 0xffffffffffff0fffull) | 0x0000000000004000ull;
	lo = (lo & 0x3fffffffffffffffull) | 0x8000000000000000ull;
	char buf[37];
	std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
	              static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
	              static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xffffffffffffull));
	return buf;
}

// A private channel's question to its topic's policies: every right at once, so sends need no later check.
auth::AccessRequest TopicRightsRequest(const Channel& channel) {
	auth::AccessRequest request;
	request.identity = channel.identity;
	request.topic = channel.subtopic;
	request.topic_checks = auth::kReadBroadcast | auth::kReadPresence | auth::kWriteBroadcast | auth::kWritePresence;
	return request;
}

// Why the policies' answer keeps `channel` out (it may read neither broadcasts nor presence), or empty.
std::string TopicRefusal(const Channel& channel, const auth::AccessResult& result) {
	if (!result.ok) return "Unauthorized: could not check this channel's policies: " + result.error;
	if (!(result.topic_allowed & (auth::kReadBroadcast | auth::kReadPresence)))
		return "Unauthorized: You do not have permissions to read from this Channel topic: " + channel.subtopic;
	return {};
}

}  // namespace

ClientConnection::ClientConnection(Hub& hub, std::shared_ptr<ClientTransport> transport, Serializer serializer)
    : ClientConnection(hub, std::move(transport), serializer, hub.client_limits()) {}

ClientConnection::ClientConnection(Hub& hub, std::shared_ptr<ClientTransport> transport, Serializer serializer,
                                   const ClientLimits& limits)
    : hub_(hub),
      transport_(std::move(transport)),
      serializer_(serializer),
      limits_(limits),
      joins_(limits.max_joins_per_second),
      events_(limits.max_events_per_second),
      keepalives_(limits.max_events_per_second,
                  limits.max_events_per_second ? limits.max_events_per_second +
                                                     static_cast<std::uint32_t>(std::min<std::size_t>(limits.max_channels, 1u << 20))
                                               : 0),
      log_(std::make_shared<log::ClientLog>(transport_ ? transport_->Describe() : std::string("client"),
                                            limits.max_log_lines)) {}

ClientConnection::~ClientConnection() { OnClosed(); }

void ClientConnection::OnText(std::string_view frame) {
	if (closed_ || flooded_) return;
	std::string error;
	auto msg = DecodeText(serializer_, frame, error);
	Receive(std::move(msg), error);
}

void ClientConnection::OnBinary(std::string_view frame) {
	if (closed_ || flooded_) return;
	std::string error;
	auto msg = DecodeBinary(frame, error);
	Receive(std::move(msg), error);
}

void ClientConnection::OnPing() {
	if (closed_ || flooded_) return;
	if (!keepalives_.TryTake(RateLimiter::Clock::now())) CloseAsFlood();
}

void ClientConnection::Receive(std::optional<InMessage> msg, std::string_view decode_error) {
	// Decoding comes first because a heartbeat is not an event; its cost is bounded all the same, since a
	// client over its allowance is closed and the socket hands a closing client's frames to no one.
	if (!Charge(msg ? &*msg : nullptr)) return;
	if (!msg) return Malformed(decode_error);
	try {
		Handle(*msg);
	} catch (const std::exception& e) {
		Malformed(std::string("message could not be handled: ") + e.what());
	}
}

bool ClientConnection::Charge(const InMessage* msg) {
	if (msg && msg->event == "phx_join") return true;  // HandleJoin charges joins to MAX_JOINS_PER_SECOND
	const bool keepalive =
		msg && ((msg->topic == "phoenix" && msg->event == "heartbeat") || msg->event == "access_token");
	RateLimiter& allowance = keepalive ? keepalives_ : events_;
	if (allowance.TryTake(RateLimiter::Clock::now())) return true;
	CloseAsFlood();
	return false;
}

void ClientConnection::CloseAsFlood() {
	flooded_ = true;
	GlobalMetrics().client_errors.fetch_add(1, std::memory_order_relaxed);
	WALCAST_CLIENT_LOG(*log_, warn, "channels",
	                   "MessagePerSecondRateLimitReached: more than " << limits_.max_events_per_second
	                       << " messages per second (MAX_EVENTS_PER_SECOND); closed with 4029");
	// Realtime's wording ("Too many messages per second", realtime_channel.ex), plus the setting's name.
	const std::string reason =
		"Too many messages per second (MAX_EVENTS_PER_SECOND " + std::to_string(limits_.max_events_per_second) + ")";
	auto transport = transport_;  // closing may re-enter OnClosed, which drops transport_
	if (transport) transport->Close(CloseCode::TooManyMessages, reason);
}

void ClientConnection::OnClosed() {
	if (closed_) return;
	closed_ = true;
	// Taken out first: leaving sends presence diffs to others, which must not find half-removed state here.
	auto channels = std::move(channels_);
	channels_.clear();
	for (auto& [topic, channel] : channels) {
		channel->transport.reset();
		hub_.RemoveChannel(*channel);
	}
	transport_.reset();
	log_->Flush();
}

void ClientConnection::Malformed(std::string_view why) {
	GlobalMetrics().client_errors.fetch_add(1, std::memory_order_relaxed);
	WALCAST_CLIENT_LOG(*log_, warn, "channels", "MalformedWebSocketMessage: " << why << "; message dropped");
}

void ClientConnection::Reply(const InMessage& msg, bool ok, json::value response) {
	if (!transport_) return;
	json::object payload{{"status", ok ? "ok" : "error"}, {"response", std::move(response)}};
	OutFrame frame;
	frame.head = EncodeText(serializer_, msg.join_ref, msg.ref, msg.topic, "phx_reply", payload);
	transport_->Send(std::move(frame));
}

void ClientConnection::ReplyError(const InMessage& msg, std::string_view reason) {
	Reply(msg, false, json::object{{"reason", reason}});
}

void ClientConnection::Handle(InMessage& msg) {
	if (msg.topic == "phoenix") {
		if (msg.event == "heartbeat") return Reply(msg, true, json::object());
		return ReplyError(msg, "unmatched topic");
	}
	if (msg.event == "phx_join") return HandleJoin(msg);

	auto it = channels_.find(msg.topic);
	if (it == channels_.end()) {
		// Leaving a channel that is not joined is fine (the client may not know the server dropped it).
		if (msg.event == "phx_leave") return Reply(msg, true, json::object());
		return ReplyError(msg, "unmatched topic");
	}
	auto channel = it->second;  // kept alive even if a send below closes this connection
	if (!msg.join_ref.is_null() && msg.join_ref != channel->join_ref) {
		WALCAST_CLIENT_LOG(*log_, debug, "channels", msg.topic << ": " << msg.event << " for an older join ignored");
		return;
	}
	if (msg.event == "phx_leave") {
		Reply(msg, true, json::object());
		return CloseChannel(msg.topic, true);
	}
	if (!channel->joined) {
		// The join waits for the topic's policies; realtime-js sends nothing on a channel before its join reply.
		WALCAST_CLIENT_LOG(*log_, debug, "channels", msg.topic << ": " << msg.event << " before the join was answered; ignored");
		return;
	}
	if (msg.event == "broadcast") return HandleBroadcast(*channel, msg);
	if (msg.event == "presence") return HandlePresence(*channel, msg);
	if (msg.event == "access_token") return HandleAccessToken(channel, msg);  // never answered, as Realtime
	WALCAST_CLIENT_LOG(*log_, debug, "channels", msg.topic << ": unknown event '" << msg.event << "' ignored");
}

void ClientConnection::HandleJoin(InMessage& msg) {
	if (!joins_.TryTake(RateLimiter::Clock::now())) {
		// A refused join is an event too, so a client that keeps joining past the limit ends as a flood.
		if (!Charge(nullptr)) return;
		GlobalMetrics().client_errors.fetch_add(1, std::memory_order_relaxed);
		WALCAST_CLIENT_LOG(*log_, warn, "channels",
		                   msg.topic << ": join refused, more than " << limits_.max_joins_per_second
		                             << " joins per second (MAX_JOINS_PER_SECOND)");
		// Realtime's reason (realtime_channel.ex), plus the setting that decides it. Realtime also drops the
		// socket; here the join alone is refused and realtime-js retries it with its backoff.
		return ReplyError(msg, "ClientJoinRateLimitReached: Too many joins per second (MAX_JOINS_PER_SECOND " +
		                           std::to_string(limits_.max_joins_per_second) + ")");
	}
	std::string_view topic = msg.topic;
	if (topic.substr(0, kTopicPrefix.size()) != kTopicPrefix) return ReplyError(msg, "unmatched topic");
	std::string subtopic(topic.substr(kTopicPrefix.size()));
	if (subtopic.empty()) return ReplyError(msg, "TopicNameRequired: You must provide a topic name");
	// Phoenix closes the old channel of a duplicate join first.
	if (channels_.count(msg.topic)) CloseChannel(msg.topic, true);
	if (closed_) return;  // sending phx_close may have closed the connection (slow client)
	if (channels_.size() >= limits_.max_channels) {
		GlobalMetrics().client_errors.fetch_add(1, std::memory_order_relaxed);
		WALCAST_CLIENT_LOG(*log_, info, "channels",
		                   msg.topic << ": join refused, " << channels_.size()
		                             << " channels joined already (MAX_CHANNELS_PER_CLIENT)");
		// Realtime's reason for its max_channels_per_client (realtime_channel.ex), plus the setting and its value.
		return ReplyError(msg, "ChannelRateLimitReached: Too many channels (MAX_CHANNELS_PER_CLIENT " +
		                           std::to_string(limits_.max_channels) + ")");
	}

	static const json::object kEmpty;
	const json::object& payload = msg.payload.is_object() ? msg.payload.get_object() : kEmpty;

	auto channel = std::make_shared<Channel>();
	channel->topic = msg.topic;
	channel->subtopic = subtopic;
	channel->topic_json = QuoteJson(msg.topic);
	channel->join_ref = msg.join_ref.is_null() ? msg.ref : msg.join_ref;
	channel->serializer = serializer_;
	channel->transport = transport_;
	channel->connection = this;
	channel->log = log_;

	// The new API is told apart by the presence of `config` (even an empty one).
	channel->legacy = !payload.contains("config");
	json::value response = json::object();
	std::string binding_error;
	if (!channel->legacy) {
		const json::object* config = ObjectAt(payload, "config");
		const json::object* broadcast = config ? ObjectAt(*config, "broadcast") : nullptr;
		const json::object* presence = config ? ObjectAt(*config, "presence") : nullptr;
		channel->broadcast_self = FlexibleBool(broadcast, "self");
		channel->broadcast_ack = FlexibleBool(broadcast, "ack");
		channel->presence_enabled = FlexibleBool(presence, "enabled");
		if (auto* key = presence ? presence->if_contains("key") : nullptr; key && key->is_string() && !key->get_string().empty())
			channel->presence_key = std::string(key->get_string());

		// Echo every entry unchanged plus its id, in order: the client matches the reply by position.
		json::array echoes;
		const json::value* entries = config ? config->if_contains("postgres_changes") : nullptr;
		if (entries && entries->is_array()) {
			for (auto& entry : entries->get_array()) {
				if (entry.is_null()) continue;  // the server drops nil entries
				auto* obj = entry.if_object();
				if (!obj) {
					if (binding_error.empty())
						binding_error = "No subscription params provided. Please provide at least a `schema` or `table` "
						                "to subscribe to: " + json::serialize(entry);
					continue;
				}
				json::object echo = *obj;
				std::string error;
				auto binding = ParseBindingEntry(*obj, error, hub_.filter_limits());
				if (binding) {
					echo["id"] = binding->id;
					channel->bindings.push_back(std::move(*binding));
				} else {
					echo["id"] = BindingId(*obj);
					if (binding_error.empty()) binding_error = error;
				}
				echoes.push_back(std::move(echo));
			}
		}
		if (echoes.size() > kMaxBindingsPerChannel && binding_error.empty())
			binding_error = "Too many postgres_changes bindings on one channel: " + std::to_string(echoes.size()) +
			                ", at most " + std::to_string(kMaxBindingsPerChannel);
		response = json::object{{"postgres_changes", std::move(echoes)}};
	} else {
		std::string error;
		auto binding = ParseLegacyTopic(subtopic, error, hub_.filter_limits());
		if (binding) {
			channel->bindings.push_back(std::move(*binding));
		} else {
			// Legacy clients cannot show a subscription error; the join still succeeds (broadcast-only use).
			GlobalMetrics().client_errors.fetch_add(1, std::memory_order_relaxed);
			WALCAST_CLIENT_LOG(*log_, info, "channels",
			                   msg.topic << ": legacy topic gives no postgres subscription: " << error);
		}
	}
	if (channel->presence_key.empty()) channel->presence_key = RandomUuid();

	if (hub_.auth_enabled()) {
		const json::object* config = ObjectAt(payload, "config");
		channel->is_private = !channel->legacy && FlexibleBool(config, "private");
		// The join's access_token is the channel's identity; without one, the socket's apikey is.
		channel->identity = identity_;
		// realtime-js 2.x sends access_token; the legacy 1.x client user_token.
		const json::value* token = payload.if_contains("access_token");
		if (!token || !token->is_string() || token->get_string().empty()) token = payload.if_contains("user_token");
		if (token && token->is_string() && !token->get_string().empty()) {
			auto verified = hub_.auth().verifier->Verify(std::string_view(token->get_string()));
			if (!verified) {
				GlobalMetrics().client_errors.fetch_add(1, std::memory_order_relaxed);
				GlobalMetrics().tokens_rejected.fetch_add(1, std::memory_order_relaxed);
				WALCAST_CLIENT_LOG(*log_, info, "channels", msg.topic << ": join refused: " << verified.error);
				return ReplyError(msg, "InvalidJWTToken: " + verified.error);
			}
			channel->identity = verified.identity;
		}
		if (!channel->identity) return ReplyError(msg, "InvalidJWTToken: no token (apikey or access_token) given");
		// The apikey was verified at the upgrade and may have expired since; the sweep would close the channel
		// only later, after it had received (and, if private, been checked) as the expired identity.
		if (channel->identity->expires_at <= std::chrono::system_clock::now()) {
			GlobalMetrics().client_errors.fetch_add(1, std::memory_order_relaxed);
			return ReplyError(msg, "InvalidJWTToken: Token has expired");
		}
		if (hub_.auth().private_only && !channel->is_private) {
			GlobalMetrics().client_errors.fetch_add(1, std::memory_order_relaxed);
			return ReplyError(msg, "PrivateOnly: This project only allows private channels (PRIVATE_CHANNELS_ONLY)");
		}
		if (channel->is_private) return AuthorizeJoin(channel, msg, std::move(response), binding_error);
	} else if (!channel->legacy) {
		// With auth off a private channel is still a topic apart (walcast.send's messages go to it), open to all.
		channel->is_private = FlexibleBool(ObjectAt(payload, "config"), "private");
	}
	FinishJoin(channel, msg, std::move(response), binding_error);
}

void ClientConnection::AuthorizeJoin(const std::shared_ptr<Channel>& channel, InMessage msg, json::value response,
                                     std::string binding_error) {
	// Held in channels_ unanswered, so it counts against MAX_CHANNELS_PER_CLIENT and a leave or rejoin finds it.
	channel->rights = 0;
	channels_[msg.topic] = channel;
	msg.payload = nullptr;  // only the refs and topic are needed for the reply
	std::weak_ptr<Channel> weak = channel;
	hub_.auth().authorizer->Check(
		TopicRightsRequest(*channel), channel,
		[this, weak, msg = std::move(msg), response = std::move(response), binding_error](auth::AccessResult result) mutable {
			auto ch = weak.lock();
			// Open() first: OnClosed (which runs before the connection goes) resets every channel's transport, so an
			// open channel means `this` is still alive.
			if (!ch || !ch->Open() || closed_) return;
			auto it = channels_.find(ch->topic);
			if (it == channels_.end() || it->second != ch) return;  // left or joined again meanwhile
			if (auto refusal = TopicRefusal(*ch, result); !refusal.empty()) {
				channels_.erase(it);
				GlobalMetrics().client_errors.fetch_add(1, std::memory_order_relaxed);
				WALCAST_CLIENT_LOG(*log_, info, "channels", msg.topic << ": join refused: " << refusal);
				return ReplyError(msg, refusal);
			}
			ch->rights = result.topic_allowed;
			FinishJoin(ch, msg, std::move(response), binding_error);
		});
}

void ClientConnection::FinishJoin(const std::shared_ptr<Channel>& channel, const InMessage& msg, json::value response,
                                  const std::string& binding_error) {
	channel->joined = true;
	channel->owner = this;
	channels_[msg.topic] = channel;
	hub_.AddChannel(channel);
	hub_.WatchExpiry(channel);
	Reply(msg, true, std::move(response));
	if (channel->presence_enabled) channel->Push(nullptr, "presence_state", PresenceStateFor(*channel));

	if (channel->legacy && hub_.auth_enabled() && !channel->bindings.empty()) {
		// A legacy topic carries changes too: with auth on its table goes through the catalog and the SELECT
		// check like a binding's (SubscribePostgres), instead of being routed unchecked.
		SubscribePostgres(hub_, channel);
	} else if (channel->legacy) {
		hub_.ActivateBindings(*channel);
	} else if (!binding_error.empty()) {
		GlobalMetrics().client_errors.fetch_add(1, std::memory_order_relaxed);
		WALCAST_CLIENT_LOG(*log_, info, "channels", msg.topic << ": postgres_changes refused: " << binding_error);
		channel->bindings.clear();
		SendPostgresStatus(*channel, false, binding_error);
	} else if (!channel->bindings.empty()) {
		SubscribePostgres(hub_, channel);
	}
}

void ClientConnection::HandleAccessToken(const std::shared_ptr<Channel>& channel, const InMessage& msg) {
	if (!hub_.auth_enabled()) return;
	const json::object* payload = msg.payload.if_object();
	auto* token = payload ? payload->if_contains("access_token") : nullptr;
	if (!token || !token->is_string() || token->get_string().empty()) return;
	auto verified = hub_.auth().verifier->Verify(std::string_view(token->get_string()));
	if (!verified) {
		GlobalMetrics().client_errors.fetch_add(1, std::memory_order_relaxed);
		GlobalMetrics().tokens_rejected.fetch_add(1, std::memory_order_relaxed);
		return Revoke(channel->topic, channel.get(), "Invalid token: " + verified.error);
	}
	if (verified.identity == channel->identity) return;  // the same token again (remembered): nothing changes
	const bool role_changed = !channel->identity || channel->identity->role != verified.identity->role;
	channel->identity = verified.identity;
	hub_.WatchExpiry(channel);
	// Table privileges belong to the role: a token for another role asks them again.
	if (role_changed) RecheckTables(hub_, channel);
	if (!channel->is_private) return;
	// The policies may answer differently for the new claims: ask again (the cache makes a repeat cheap).
	std::weak_ptr<Channel> weak = channel;
	// Weak, not a raw pointer: a later refresh's identity may be allocated where this one was.
	std::weak_ptr<const auth::Identity> asked_for = channel->identity;
	hub_.auth().authorizer->Check(TopicRightsRequest(*channel), channel, [this, weak, asked_for](auth::AccessResult result) {
		auto ch = weak.lock();
		if (!ch || !ch->Open() || closed_ || !ch->in_hub || ch->identity != asked_for.lock()) return;  // gone, or refreshed again
		if (auto refusal = TopicRefusal(*ch, result); !refusal.empty()) return Revoke(ch->topic, ch.get(), refusal);
		ch->rights = result.topic_allowed;
	});
}

void ClientConnection::Revoke(const std::string& topic, const void* which, std::string_view reason) {
	auto it = channels_.find(topic);
	if (it == channels_.end() || it->second.get() != which) return;
	auto channel = it->second;
	WALCAST_CLIENT_LOG(*log_, info, "channels", topic << ": channel closed: " << reason);
	// Realtime's shape: a system message with status error, then phx_close; nothing reaches the channel after.
	json::object system{{"extension", "system"}, {"status", "error"}, {"message", reason}, {"channel", channel->subtopic}};
	channel->Push(nullptr, "system", system);
	CloseChannel(topic, true);
}

json::object ClientConnection::PresenceStateFor(const Channel& channel) const {
	// A private channel whose policies do not let it read presence gets an empty state and no diffs.
	if (!channel.May(auth::kReadPresence)) return json::object();
	return hub_.PresenceState(channel);
}

void ClientConnection::HandleBroadcast(Channel& channel, InMessage& msg) {
	if (!channel.May(auth::kWriteBroadcast)) {
		GlobalMetrics().client_errors.fetch_add(1, std::memory_order_relaxed);
		WALCAST_CLIENT_LOG(*log_, info, "channels", msg.topic << ": broadcast refused by the topic's policies");
		return ReplyError(msg, "Unauthorized: You do not have permissions to write to this Channel topic: " +
		                           channel.subtopic);
	}
	if (msg.binary) {
		// A binary frame's strings are not checked by the WebSocket layer (text frames are), and the event name
		// goes into the JSON text frames of vsn-1 receivers, which a browser must drop the connection for.
		if (!IsValidUtf8(msg.binary->user_event) || !IsValidUtf8(msg.binary->metadata)) {
			Malformed("binary broadcast event or metadata is not valid UTF-8");
			return ReplyError(msg, "broadcast event and metadata must be valid UTF-8");
		}
		hub_.BroadcastBinary(channel, *msg.binary);
	} else if (msg.payload.is_object()) {
		hub_.BroadcastJson(channel, msg.payload);
	} else {
		return Malformed("broadcast payload is not an object");
	}
	if (channel.broadcast_ack) Reply(msg, true, json::object());
}

void ClientConnection::HandlePresence(Channel& channel, InMessage& msg) {
	const json::object* payload = msg.payload.if_object();
	auto* event = payload ? payload->if_contains("event") : nullptr;
	std::string_view name = event && event->is_string() ? std::string_view(event->get_string()) : std::string_view();
	if (name == "track") {
		if (!channel.May(auth::kWritePresence)) {
			GlobalMetrics().client_errors.fetch_add(1, std::memory_order_relaxed);
			WALCAST_CLIENT_LOG(*log_, info, "channels", msg.topic << ": presence track refused by the topic's policies");
			return ReplyError(msg, "Unauthorized: You do not have permissions to track presence on this Channel topic: " +
			                           channel.subtopic);
		}
		auto* meta = payload->if_contains("payload");
		if (!meta || !meta->is_object())
			return Reply(msg, false, json::object{{"reason", "Presence track payload must be a map"}});
		if (auto refusal = hub_.TrackRefusal(channel, meta->get_object()); !refusal.empty()) {
			GlobalMetrics().client_errors.fetch_add(1, std::memory_order_relaxed);
			return Reply(msg, false, json::object{{"reason", refusal}});
		}
		if (!channel.presence_enabled) {
			// A track enables presence; the state comes first because the client buffers diffs until then.
			channel.presence_enabled = true;
			channel.Push(nullptr, "presence_state", PresenceStateFor(channel));
		}
		Reply(msg, true, json::object());
		hub_.Track(channel, meta->get_object());
	} else if (name == "untrack") {
		Reply(msg, true, json::object());
		hub_.Untrack(channel);
	} else {
		Reply(msg, false, json::object());
	}
}

void ClientConnection::CloseChannel(const std::string& topic, bool notify) {
	auto it = channels_.find(topic);
	if (it == channels_.end()) return;
	auto channel = std::move(it->second);
	channels_.erase(it);
	hub_.RemoveChannel(*channel);
	if (notify) channel->Push(channel->join_ref, "phx_close", json::object());
	channel->transport.reset();
}

}  // namespace walcast::channels
