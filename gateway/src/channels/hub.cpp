#include "channels/hub.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "channels/postgres_subscribe.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"

namespace walcast::channels {

namespace json = boost::json;

namespace {

std::string_view StringField(const json::object& obj, std::string_view key) {
	auto* v = obj.if_contains(key);
	if (!v || !v->is_string()) return {};
	return v->get_string();
}

const json::object* ObjectField(const json::object& obj, std::string_view key) {
	auto* v = obj.if_contains(key);
	return v ? v->if_object() : nullptr;
}

}  // namespace

std::string RouteKey(std::string_view schema, std::string_view table) {
	std::string key;
	key.reserve(schema.size() + table.size() + 1);
	key.append(schema).push_back('\x1f');
	key.append(table);
	return key;
}

std::string TopicKey(std::string_view topic, bool is_private) {
	std::string key;
	if (is_private) key = "private\x1f";
	key.append(topic);
	return key;
}

Hub::Hub(DeliveryProgress& progress, Catalog& catalog) : progress_(progress), catalog_(catalog) {}

void Hub::Dispatch(const WalEvent& event) {
	try {
		if (!subscribe_retries_.empty()) RetrySubscribes();
		switch (event.kind) {
			case WalEventKind::Change: DispatchChange(event); break;
			case WalEventKind::Message: DispatchMessage(event); break;
			case WalEventKind::Commit: break;
		}
	} catch (const std::exception& e) {
		// A bad event must not stop the stream: log it and count it as handled.
		WALCAST_LOG(error, "hub", "event at " << FormatLsn(event.lsn) << " not dispatched: " << e.what());
	}
	matches_.clear();
	match_ids_.clear();
	progress_.MarkHandled(event);
}

void Hub::DispatchChange(const WalEvent& event) {
	const json::object* change = event.data ? event.data->if_object() : nullptr;
	if (!change || !event.json) {
		WALCAST_LOG(warn, "hub", "change at " << FormatLsn(event.lsn) << " is not a JSON object; skipped");
		return;
	}
	std::string_view type = StringField(*change, "type");
	std::string_view schema = StringField(*change, "schema");
	std::string_view table = StringField(*change, "table");
	unsigned bit = EventBit(type);
	if (!bit) {
		WALCAST_LOG(debug, "hub", "change of type '" << type << "' at " << FormatLsn(event.lsn) << " skipped");
		return;
	}
	// DELETE filters look at the old row (the replica identity), INSERT/UPDATE at the new one.
	const json::object* row = nullptr;
	if (bit == kDelete) row = ObjectField(*change, "old_record");
	else if (bit != kTruncate) row = ObjectField(*change, "record");
	const json::value* columns_value = change->if_contains("columns");
	const json::array* columns = columns_value ? columns_value->if_array() : nullptr;

	++stamp_;
	exact_key_ = RouteKey(schema, table);
	Collect(exact_key_, type, bit, schema, table, row, columns);
	Collect(RouteKey(schema, "*"), type, bit, schema, table, row, columns);
	Collect(RouteKey("*", table), type, bit, schema, table, row, columns);
	Collect(RouteKey("*", "*"), type, bit, schema, table, row, columns);
	if (matches_.empty()) return;
	GlobalMetrics().changes_dispatched.fetch_add(1, std::memory_order_relaxed);

	// Sending may close a client re-entrantly (slow-client close); matches_ holds each channel alive and
	// nothing here iterates the indexes any more.
	for (auto& match : matches_) {
		Channel& ch = *match.channel;
		if (!ch.Open()) continue;
		OutFrame frame;
		frame.shared = event.json;
		if (ch.legacy) {
			auto env = PushEnvelope(ch.serializer, ch.topic_json, type);
			frame.head = std::move(env.head);
			frame.tail = std::move(env.tail);
		} else {
			frame.shared_head = ChangeHead(ch, match);
			frame.tail = ch.change_tail;
		}
		ch.Send(std::move(frame));
	}
}

std::shared_ptr<const std::string> Hub::ChangeHead(Channel& ch, const Match& match) {
	const auto first = match_ids_.begin() + static_cast<std::ptrdiff_t>(match.ids_begin);
	const auto last = match_ids_.begin() + static_cast<std::ptrdiff_t>(match.ids_end);
	if (ch.last_change_head && std::equal(first, last, ch.last_change_ids.begin(), ch.last_change_ids.end()))
		return ch.last_change_head;
	std::string head;
	head.reserve(ch.change_head.size() + 16 * static_cast<std::size_t>(last - first) + 10);
	head = ch.change_head;
	for (auto it = first; it != last; ++it) {
		if (it != first) head.push_back(',');
		char buf[24];
		head.append(buf, std::to_chars(buf, buf + sizeof buf, *it).ptr);
	}
	head += "],\"data\":";
	ch.last_change_ids.assign(first, last);
	ch.last_change_head = std::make_shared<const std::string>(std::move(head));
	return ch.last_change_head;
}

void Hub::Collect(const std::string& key, std::string_view, unsigned event_bit, std::string_view schema,
                  std::string_view table, const json::object* row, const json::array* columns) {
	auto it = routes_.find(key);
	if (it == routes_.end()) return;
	for (Channel* ch : it->second) {
		if (ch->dispatch_stamp == stamp_) continue;  // already visited through another index entry
		ch->dispatch_stamp = stamp_;
		// Auth on: only the tables the role could SELECT when it joined (wildcards included).
		if (ch->tables_restricted && std::find(ch->allowed_tables.begin(), ch->allowed_tables.end(), exact_key_) ==
		                                 ch->allowed_tables.end())
			continue;
		std::size_t begin = match_ids_.size();
		for (auto& b : ch->bindings) {
			if (!(b.events & event_bit)) continue;
			if (!PatternMatches(b.schema, schema) || !PatternMatches(b.table, table)) continue;
			if (event_bit == kTruncate) {
				if (!b.filter.Empty()) continue;  // a truncate has no row to test a filter on
			} else if (!b.filter.Empty() && (!row || !b.filter.Matches(*row, columns))) {
				continue;
			}
			if (std::find(match_ids_.begin() + static_cast<std::ptrdiff_t>(begin), match_ids_.end(), b.id) ==
			    match_ids_.end())
				match_ids_.push_back(b.id);
		}
		if (match_ids_.size() > begin) matches_.push_back({ch->shared_from_this(), begin, match_ids_.size()});
	}
}

void Hub::DispatchMessage(const WalEvent& event) {
	// A walcast logical message {"topic": sub-topic, "event": name, "payload": any} becomes a broadcast on
	// realtime:<topic>, so the database can push to channels (pg_logical_emit_message(true, 'walcast', ...)).
	const json::object* message = event.data ? event.data->if_object() : nullptr;
	if (!message) return;
	const json::value* content = message->if_contains("content");
	if (!content) content = message->if_contains("message");
	if (!content) {
		// The plugin leaves the content out of a message over its max-change-bytes and says so in "errors".
		if (message->if_contains("errors"))
			WALCAST_LOG(warn, "hub", "walcast message at " << FormatLsn(event.lsn)
			                             << " arrived without its content (" << json::serialize(message->at("errors"))
			                             << "); no broadcast sent");
		return;
	}
	json::value parsed;
	if (auto* text = content->if_string()) {
		boost::system::error_code ec;
		parsed = json::parse(*text, ec);
		if (ec) {
			WALCAST_LOG(debug, "hub", "walcast message at " << FormatLsn(event.lsn) << " is not JSON; ignored");
			return;
		}
		content = &parsed;
	}
	const json::object* body = content->if_object();
	if (!body) return;
	std::string_view subtopic = StringField(*body, "topic");
	std::string_view name = StringField(*body, "event");
	if (subtopic.empty() || name.empty()) {
		WALCAST_LOG(debug, "hub", "walcast message at " << FormatLsn(event.lsn) << " lacks topic or event; ignored");
		return;
	}
	// walcast.send marks its messages private unless asked otherwise; a bare walcast message is public.
	bool is_private = false;
	if (auto* flag = body->if_contains("private"); flag && flag->is_bool()) is_private = flag->get_bool();
	json::object payload;
	payload["type"] = "broadcast";
	payload["event"] = name;
	auto* inner = body->if_contains("payload");
	payload["payload"] = inner ? *inner : json::value(json::object());
	// Only the database's broadcasts carry meta.source = "database"; the hub strips `source` from every
	// client's meta, so a receiver can tell them apart.
	payload["meta"] = json::object{{"source", "database"}};
	auto shared = std::make_shared<const std::string>(json::serialize(payload));
	const std::string topic = "realtime:" + std::string(subtopic);
	PushToTopic(TopicKey(topic, is_private), topic, "broadcast", shared,
	            [](const Channel& c) { return c.May(auth::kReadBroadcast); });
}

template <class Want>
void Hub::PushToTopic(const std::string& key, const std::string& topic, std::string_view event,
                      std::shared_ptr<const std::string> shared, Want want) {
	auto it = topics_.find(key);
	if (it == topics_.end()) return;
	std::vector<std::shared_ptr<Channel>> targets;
	for (Channel* ch : it->second.channels)
		if (ch->Open() && want(*ch)) targets.push_back(ch->shared_from_this());
	if (targets.empty()) return;
	std::string topic_json = QuoteJson(topic);
	Envelope envelopes[2] = {PushEnvelope(Serializer::V1, topic_json, event),
	                         PushEnvelope(Serializer::V2, topic_json, event)};
	for (auto& ch : targets) {
		auto& env = envelopes[ch->serializer == Serializer::V1 ? 0 : 1];
		ch->Send(OutFrame{env.head, shared, env.tail, false});
	}
}

void Hub::AddChannel(const std::shared_ptr<Channel>& channel) {
	if (channel->in_hub || !channel->Open()) return;
	channel->in_hub = true;
	topics_[TopicKey(*channel)].channels.insert(channel.get());
	++channel_count_;
	GlobalMetrics().channels.fetch_add(1, std::memory_order_relaxed);
}

void Hub::ActivateBindings(Channel& channel) {
	if (!channel.in_hub || channel.bindings_active) return;
	channel.bindings_active = true;
	if (!channel.legacy && channel.change_head.empty()) {
		auto env = PushEnvelope(channel.serializer, channel.topic_json, "postgres_changes");
		channel.change_head = env.head + "{\"ids\":[";
		channel.change_tail = "}" + env.tail;
	}
	for (auto& b : channel.bindings) {
		auto key = RouteKey(b.schema, b.table);
		if (std::find(channel.index_keys.begin(), channel.index_keys.end(), key) != channel.index_keys.end()) continue;
		routes_[key].insert(&channel);
		channel.index_keys.push_back(std::move(key));
	}
}

void Hub::RetrySubscribeLater(const std::shared_ptr<Channel>& channel) { subscribe_retries_.push_back(channel); }

void Hub::RetrySubscribes() {
	auto now = std::chrono::steady_clock::now();
	if (last_retry_ && now - *last_retry_ < retry_interval_) return;
	last_retry_ = now;
	auto retries = std::move(subscribe_retries_);
	subscribe_retries_.clear();
	for (auto& weak : retries) {
		auto ch = weak.lock();
		if (ch && ch->Open() && ch->in_hub && !ch->bindings_active) SubscribePostgres(*this, ch);
	}
}

void Hub::RemoveChannel(Channel& channel) {
	if (!channel.in_hub) return;
	channel.in_hub = false;
	for (auto& key : channel.index_keys) {
		auto it = routes_.find(key);
		if (it == routes_.end()) continue;
		it->second.erase(&channel);
		if (it->second.empty()) routes_.erase(it);
	}
	channel.index_keys.clear();
	channel.bindings_active = false;
	const std::string key = TopicKey(channel);
	if (auto it = topics_.find(key); it != topics_.end()) it->second.channels.erase(&channel);
	--channel_count_;
	GlobalMetrics().channels.fetch_sub(1, std::memory_order_relaxed);
	// Others see this client's presence go; sending may re-enter, so the topic is looked up again after.
	Untrack(channel);
	if (auto it = topics_.find(key); it != topics_.end() && it->second.channels.empty() && it->second.presences.empty())
		topics_.erase(it);
}

namespace {
// A client's broadcast may carry any `meta` but never meta.source: that marks the database's own.
const json::value& WithoutSource(const json::value& payload, json::value& scratch) {
	auto* obj = payload.if_object();
	auto* meta = obj ? obj->if_contains("meta") : nullptr;
	if (!meta || !meta->is_object() || !meta->get_object().contains("source")) return payload;
	scratch = payload;
	scratch.get_object()["meta"].get_object().erase("source");
	return scratch;
}
}  // namespace

void Hub::BroadcastJson(const Channel& from, const json::value& payload) {
	json::value scratch;
	auto shared = std::make_shared<const std::string>(json::serialize(WithoutSource(payload, scratch)));
	PushToTopic(TopicKey(from), from.topic, "broadcast", shared, [&](const Channel& c) {
		return (&c != &from || from.broadcast_self) && c.May(auth::kReadBroadcast);
	});
}

void Hub::Publish(const ExternalBroadcast& message) {
	// No `meta` at all: the REST body's fields go inside `payload`, so it cannot claim meta.source.
	json::object payload{{"type", "broadcast"}, {"event", message.event}, {"payload", message.payload}};
	auto shared = std::make_shared<const std::string>(json::serialize(payload));
	const std::string topic = "realtime:" + message.subtopic;
	PushToTopic(TopicKey(topic, message.is_private), topic, "broadcast", shared,
	            [](const Channel& c) { return c.May(auth::kReadBroadcast); });
}

void Hub::WatchExpiry(const std::shared_ptr<Channel>& channel) {
	// Once per (channel, identity): a client sending its current token again and again must not add entries that
	// stay live (and so survive the clean-up below) until the token's end.
	if (!channel->identity || channel->expiry_watched.lock() == channel->identity) return;
	channel->expiry_watched = channel->identity;
	expiries_.push_back({channel->identity->expires_at, channel, channel->identity});
	std::push_heap(expiries_.begin(), expiries_.end(), std::greater<>());
	// Entries of channels that left or were refreshed stay until they are due (an hour, for a typical token);
	// a client joining and leaving in a loop would grow the heap without bound. Sweeping them out when the heap
	// is twice the live channels keeps it proportional to those, at an amortized constant cost per entry.
	if (expiries_.size() > 2 * channel_count_ + 1024) {
		std::erase_if(expiries_, [](const Expiry& e) {
			auto ch = e.channel.lock();
			return !ch || !ch->in_hub || ch->identity != e.identity.lock();
		});
		std::make_heap(expiries_.begin(), expiries_.end(), std::greater<>());
	}
}

void Hub::ExpireTokens(std::chrono::system_clock::time_point now) {
	while (!expiries_.empty() && expiries_.front().at <= now) {
		std::pop_heap(expiries_.begin(), expiries_.end(), std::greater<>());
		Expiry due = std::move(expiries_.back());
		expiries_.pop_back();
		auto ch = due.channel.lock();
		// Gone, or refreshed since (its new identity has an entry of its own).
		if (!ch || !ch->in_hub || !ch->Open() || ch->identity != due.identity.lock() || !ch->owner) continue;
		ch->owner->Revoke(ch->topic, ch.get(), "Token has expired");
	}
}

void Hub::BroadcastBinary(const Channel& from, const BinaryBroadcast& message) {
	auto it = topics_.find(TopicKey(from));
	if (it == topics_.end()) return;
	std::vector<std::shared_ptr<Channel>> targets;
	for (Channel* ch : it->second.channels)
		if (ch->Open() && (ch != &from || from.broadcast_self) && ch->May(auth::kReadBroadcast))
			targets.push_back(ch->shared_from_this());
	if (targets.empty()) return;
	auto shared = std::make_shared<const std::string>(message.payload);
	// The metadata reaches realtime-js as the broadcast's `meta`: meta.source is the database's alone.
	std::string metadata = message.metadata;
	// A \u escape can spell the key too ("sourc\u0065"), so such metadata is parsed as well.
	if (metadata.find("source") != std::string::npos || metadata.find("\\u") != std::string::npos) {
		boost::system::error_code ec;
		json::value meta = json::parse(metadata, ec);
		if (ec || !meta.is_object()) metadata.clear();
		else if (meta.get_object().erase("source")) metadata = meta.get_object().empty() ? "" : json::serialize(meta);
	}
	auto binary_head = UserBroadcastHead(from.topic, message.user_event, metadata, message.json_payload);
	// vsn-1 receivers (and vsn-2 ones when the strings do not fit the binary format) get the JSON form.
	std::string json_prefix = "{\"type\":\"broadcast\",\"event\":" + QuoteJson(message.user_event) + ",\"payload\":";
	Envelope envelopes[2] = {PushEnvelope(Serializer::V1, from.topic_json, "broadcast"),
	                         PushEnvelope(Serializer::V2, from.topic_json, "broadcast")};
	for (auto& ch : targets) {
		if (ch->serializer == Serializer::V2 && binary_head) {
			ch->Send(OutFrame{*binary_head, shared, {}, true});
		} else if (message.json_payload) {
			auto& env = envelopes[ch->serializer == Serializer::V1 ? 0 : 1];
			ch->Send(OutFrame{env.head + json_prefix, shared, "}" + env.tail, false});
		}
	}
}

namespace {
json::object MetaWithRef(const json::object& meta, const std::string& phx_ref) {
	json::object out = meta;
	out["phx_ref"] = phx_ref;
	return out;
}
}  // namespace

json::object Hub::PresenceState(const std::string& topic, bool is_private) const {
	json::object state;
	auto it = topics_.find(TopicKey(topic, is_private));
	if (it == topics_.end()) return state;
	for (auto& p : it->second.presences) {
		auto& slot = state[p.key];
		if (!slot.is_object()) slot = json::object{{"metas", json::array()}};
		slot.as_object()["metas"].as_array().push_back(MetaWithRef(p.meta, p.phx_ref));
	}
	return state;
}

std::string Hub::TrackRefusal(const Channel& channel, const json::object& meta) const {
	const std::size_t bytes = json::serialize(meta).size();
	if (bytes > presence_limits_.max_meta_bytes)
		return "presence state too large: " + std::to_string(bytes) + " bytes. Maximum " +
		       std::to_string(presence_limits_.max_meta_bytes) + " (MAX_PRESENCE_META_BYTES)";
	auto topic = topics_.find(TopicKey(channel));
	if (topic == topics_.end()) return {};
	const auto& presences = topic->second.presences;
	const bool tracked = std::any_of(presences.begin(), presences.end(),
	                                 [&](const PresenceEntry& p) { return p.owner == &channel; });
	if (!tracked && presences.size() >= presence_limits_.max_per_topic)
		return "too many presences on this topic: Maximum " + std::to_string(presence_limits_.max_per_topic) +
		       " (MAX_PRESENCES_PER_TOPIC)";
	return {};
}

void Hub::Track(Channel& channel, const json::object& meta) {
	if (!channel.in_hub || !channel.Open()) return;  // closed meanwhile (a send re-entered and closed it)
	auto& topic = topics_[TopicKey(channel)];
	auto it = std::find_if(topic.presences.begin(), topic.presences.end(),
	                       [&](const PresenceEntry& p) { return p.owner == &channel; });
	if (it != topic.presences.end() && it->meta == meta) return;  // tracking the same state again changes nothing
	PresenceEntry joined{&channel, channel.presence_key, meta, std::to_string(++presence_counter_)};
	std::optional<PresenceEntry> left;
	if (it != topic.presences.end()) {
		left = *it;
		joined.meta["phx_ref_prev"] = it->phx_ref;
		*it = joined;
	} else {
		topic.presences.push_back(joined);
	}
	// phx_ref_prev only belongs in the diff, not in the stored meta.
	auto stored = std::find_if(topic.presences.begin(), topic.presences.end(),
	                           [&](const PresenceEntry& p) { return p.owner == &channel; });
	stored->meta.erase("phx_ref_prev");
	SendPresenceDiff(channel, &joined, left ? &*left : nullptr);
}

void Hub::Untrack(Channel& channel) {
	auto topic = topics_.find(TopicKey(channel));
	if (topic == topics_.end()) return;
	auto& presences = topic->second.presences;
	auto it = std::find_if(presences.begin(), presences.end(), [&](const PresenceEntry& p) { return p.owner == &channel; });
	if (it == presences.end()) return;
	PresenceEntry left = std::move(*it);
	presences.erase(it);
	SendPresenceDiff(channel, nullptr, &left);
}

void Hub::SendPresenceDiff(const Channel& about, const PresenceEntry* joined, const PresenceEntry* left) {
	auto side = [](const PresenceEntry* p) {
		json::object out;
		if (p) out[p->key] = json::object{{"metas", json::array{MetaWithRef(p->meta, p->phx_ref)}}};
		return out;
	};
	json::object diff{{"joins", side(joined)}, {"leaves", side(left)}};
	auto shared = std::make_shared<const std::string>(json::serialize(diff));
	// Only channels that received a presence_state: the client buffers diffs until it has one.
	const std::string topic = about.topic;  // `about` may be leaving
	PushToTopic(TopicKey(topic, about.is_private), topic, "presence_diff", shared,
	            [](const Channel& c) { return c.presence_enabled && c.May(auth::kReadPresence); });
}

}  // namespace walcast::channels
