#pragma once
// The fan-out hub: every joined channel of every connection on the network thread, indexed two ways:
// by topic (broadcast, presence, walcast messages) and by (schema, table) (postgres_changes, with
// wildcard entries), so a change only visits the channels that could want it. Single-threaded: every
// call happens on the network thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/json/object.hpp>

#include "auth/authorizer.hpp"
#include "auth/token_verifier.hpp"
#include "channels/catalog.hpp"
#include "channels/channel.hpp"
#include "channels/client_limits.hpp"
#include "channels/filter.hpp"
#include "core/delivery_progress.hpp"
#include "core/wal_event.hpp"

namespace walcast::channels {

// What one client may make the gateway hold in presence state: every join of a topic receives all of its
// presences in one presence_state frame, so both the size of one state and the number per topic are capped.
struct PresenceLimits {
	std::size_t max_meta_bytes = 4096;   // MAX_PRESENCE_META_BYTES: one tracked state, as serialized JSON
	std::size_t max_per_topic = 1000;    // MAX_PRESENCES_PER_TOPIC
};

// Authorization for every connection of the hub (README "Security"). Without a verifier auth is off:
// every client may join, read and send everything, as before.
struct HubAuth {
	const auth::TokenVerifier* verifier = nullptr;
	auth::Authorizer* authorizer = nullptr;  // the database's answers; required with a verifier
	bool private_only = false;               // PRIVATE_CHANNELS_ONLY
};

// A broadcast from outside a channel (REST), to one topic.
struct ExternalBroadcast {
	std::string subtopic;  // as the client named it, without "realtime:"
	std::string event;
	boost::json::value payload;
	bool is_private = false;
};

class Hub {
public:
	Hub(DeliveryProgress& progress, Catalog& catalog);
	Hub(const Hub&) = delete;
	Hub& operator=(const Hub&) = delete;

	// One event from the replication stage, in stream order. Hands a change to the queue of every
	// matching channel, relays a walcast message as a broadcast, then marks the event handled.
	void Dispatch(const WalEvent& event);

	std::size_t ChannelCount() const { return channel_count_; }
	Catalog& catalog() { return catalog_; }

	// ---- used by ClientConnection ----
	void AddChannel(const std::shared_ptr<Channel>& channel);
	// Forgets the channel everywhere (routing, topic, presence: others get the leave diff).
	void RemoveChannel(Channel& channel);
	// Starts routing changes to the channel's bindings (the catalog accepted them).
	void ActivateBindings(Channel& channel);
	// The catalog could not reach the database for this channel's join. Its subscription is tried again
	// when events flow again (the database is back), at most every retry interval (2 s).
	void RetrySubscribeLater(const std::shared_ptr<Channel>& channel);
	void SetSubscribeRetryInterval(std::chrono::milliseconds interval) { retry_interval_ = interval; }
	// What a postgres_changes filter may cost; joins with a filter over them get a `system` error.
	void SetFilterLimits(const FilterLimits& limits) { filter_limits_ = limits; }
	void SetPresenceLimits(const PresenceLimits& limits) { presence_limits_ = limits; }
	// Per-connection limits, read by each ClientConnection when it is created.
	void SetClientLimits(const ClientLimits& limits) { client_limits_ = limits; }
	const ClientLimits& client_limits() const { return client_limits_; }
	const FilterLimits& filter_limits() const { return filter_limits_; }

	void SetAuth(const HubAuth& auth) { auth_ = auth; }
	const HubAuth& auth() const { return auth_; }
	bool auth_enabled() const { return auth_.verifier != nullptr; }

	// Token expiry: the hub closes `channel` (through its owner) once its identity has expired. Called
	// again after a refresh; entries of an older identity are skipped when due.
	void WatchExpiry(const std::shared_ptr<Channel>& channel);
	// Closes every channel whose token has expired by `now` ("Token has expired"). The network stage calls
	// it every sweep interval (1 s).
	void ExpireTokens(std::chrono::system_clock::time_point now);
	// Expiry entries held (for tests: bounded by the live channels, not by the joins ever made).
	std::size_t WatchedExpiries() const { return expiries_.size(); }

	// A REST broadcast: to every channel of the topic (public or private one), as a client broadcast.
	void Publish(const ExternalBroadcast& message);

	// Relays a client broadcast to the topic's channels (the sender too only with broadcast.self).
	// JSON form: `payload` is the sender's {type, event, payload} map, relayed as is.
	void BroadcastJson(const Channel& from, const boost::json::value& payload);
	// Binary form (vsn-2 kind 3): vsn-2 receivers get a kind-4 frame, vsn-1 receivers JSON text (JSON
	// payloads only; raw bytes cannot be put in JSON and are not sent to them).
	void BroadcastBinary(const Channel& from, const BinaryBroadcast& message);

	// Presence, in memory per topic (a private topic's apart from the public one of the same name).
	boost::json::object PresenceState(const std::string& topic, bool is_private = false) const;
	boost::json::object PresenceState(const Channel& channel) const { return PresenceState(channel.topic, channel.is_private); }
	// Why tracking `meta` for `channel` would pass a presence limit (the error reply's reason), or empty.
	std::string TrackRefusal(const Channel& channel, const boost::json::object& meta) const;
	void Track(Channel& channel, const boost::json::object& meta);
	void Untrack(Channel& channel);

private:
	struct PresenceEntry {
		const Channel* owner;
		std::string key;
		boost::json::object meta;  // as tracked, without phx_ref
		std::string phx_ref;
	};
	struct Topic {
		std::unordered_set<Channel*> channels;
		std::vector<PresenceEntry> presences;
	};
	struct Match {
		std::shared_ptr<Channel> channel;
		std::size_t ids_begin, ids_end;  // range in match_ids_
	};

	void RetrySubscribes();
	void DispatchChange(const WalEvent& event);
	// The envelope start of a postgres_changes frame for the match's binding ids, shared while they repeat.
	std::shared_ptr<const std::string> ChangeHead(Channel& channel, const Match& match);
	void DispatchMessage(const WalEvent& event);
	void Collect(const std::string& key, std::string_view type, unsigned event_bit, std::string_view schema,
	             std::string_view table, const boost::json::object* row, const boost::json::array* columns);
	// Sends `shared` in each serializer's push envelope to the topic's channels accepted by `want`.
	// `key` is the topics_ key (TopicKey), `topic` the name in the envelope.
	template <class Want>
	void PushToTopic(const std::string& key, const std::string& topic, std::string_view event,
	                 std::shared_ptr<const std::string> shared, Want want);
	void SendPresenceDiff(const Channel& about, const PresenceEntry* joined, const PresenceEntry* left);

	struct Expiry {
		std::chrono::system_clock::time_point at;
		std::weak_ptr<Channel> channel;
		// The identity watched; a refreshed channel has another one. Weak, not a raw pointer: a freed identity's
		// address may be reused by the channel's next one, which must not inherit this entry's time.
		std::weak_ptr<const auth::Identity> identity;
		bool operator>(const Expiry& o) const { return at > o.at; }
	};
	std::vector<Expiry> expiries_;  // min-heap on `at`
	HubAuth auth_;

	DeliveryProgress& progress_;
	Catalog& catalog_;
	std::unordered_map<std::string, Topic> topics_;
	std::unordered_map<std::string, std::unordered_set<Channel*>> routes_;  // "schema\x1ftable" with "*"
	std::size_t channel_count_ = 0;
	std::uint64_t stamp_ = 0;
	std::uint64_t presence_counter_ = 0;
	std::vector<std::weak_ptr<Channel>> subscribe_retries_;
	std::optional<std::chrono::steady_clock::time_point> last_retry_;
	std::chrono::milliseconds retry_interval_{2000};
	FilterLimits filter_limits_;
	PresenceLimits presence_limits_;
	ClientLimits client_limits_;
	std::vector<Match> matches_;            // scratch for one change
	std::vector<std::int64_t> match_ids_;  // scratch for one change
	std::string exact_key_;                // scratch: RouteKey of the change's own (schema, table)
};

// The routing-index key of a (schema, table) pattern pair.
std::string RouteKey(std::string_view schema, std::string_view table);

// The hub's key of a topic: a private channel's topic is apart from the public one of the same name, so
// public clients neither see nor feed a private topic (and presence lists stay apart).
std::string TopicKey(std::string_view topic, bool is_private);
inline std::string TopicKey(const Channel& channel) { return TopicKey(channel.topic, channel.is_private); }

}  // namespace walcast::channels
