#pragma once
// The Phoenix Channels wire format as @supabase/realtime-js speaks it: vsn 1.0.0 (one JSON object per text
// frame) and vsn 2.0.0 (one JSON array per text frame, plus binary user broadcasts). Pure functions, no state.

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace walcast::channels {

enum class Serializer {
	V1,  // vsn 1.0.0: {"topic","event","payload","ref"} objects; never writes join_ref
	V2,  // vsn 2.0.0: [join_ref, ref, topic, event, payload] arrays; binary kind 3 in, kind 4 out
};

// A vsn-2 binary user broadcast push (kind 3): realtime-js sends every channel.send({type:'broadcast'}) so.
struct BinaryBroadcast {
	std::string user_event;
	std::string metadata;      // JSON text or empty
	bool json_payload = true;  // payload_encoding 1 (JSON) or 0 (raw bytes)
	std::string payload;
};

// One decoded client message. Refs stay JSON values (usually strings, null when absent) so replies echo
// them exactly as the client sent them.
struct InMessage {
	boost::json::value join_ref;
	boost::json::value ref;
	std::string topic;
	std::string event;
	boost::json::value payload;            // unused for a binary broadcast
	std::optional<BinaryBroadcast> binary;  // set only for a kind-3 frame; event is then "broadcast"
};

// Decode one frame. On failure return nullopt and say why in `error` (the frame is dropped, the socket lives).
std::optional<InMessage> DecodeText(Serializer serializer, std::string_view frame, std::string& error);
std::optional<InMessage> DecodeBinary(std::string_view frame, std::string& error);

// JSON string literal for `text`, quotes included.
std::string QuoteJson(std::string_view text);

// A complete text frame. vsn 1 drops join_ref, as the stock Phoenix V1 serializer does.
std::string EncodeText(Serializer serializer, const boost::json::value& join_ref, const boost::json::value& ref,
                       std::string_view topic, std::string_view event, const boost::json::value& payload);

// A frame split around bytes shared by every recipient: head + shared + tail. `topic_json` is an already
// quoted topic (QuoteJson) so a channel quotes its topic once, not once per message. Refs are null.
struct Envelope {
	std::string head;
	std::string tail;
};
Envelope PushEnvelope(Serializer serializer, std::string_view topic_json, std::string_view event);

// Head of a kind-4 user broadcast (S->C binary) for the given strings; the payload bytes follow it.
// nullopt when a string is longer than the format's 255-byte limit.
std::optional<std::string> UserBroadcastHead(std::string_view topic, std::string_view user_event,
                                             std::string_view metadata, bool json_payload);

}  // namespace walcast::channels
