#include "channels/phoenix_codec.hpp"

#include "core/utf8.hpp"

#include <cmath>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace walcast::channels {

namespace json = boost::json;

namespace {

// Refs are decimal strings from realtime-js; null when absent. Anything else is a protocol error.
bool IsRef(const json::value& v) { return v.is_null() || v.is_string() || v.is_int64() || v.is_uint64(); }

// Boost.JSON reads a number too large for a double (1e999) as an infinity and writes it back as the token
// `Infinity`, which is not JSON: relayed in a broadcast, it would break the frame for every receiver. Recursion
// is bounded by the parser's default depth limit (32).
bool AllNumbersFinite(const json::value& v) {
	if (v.is_double()) return std::isfinite(v.get_double());
	if (const auto* arr = v.if_array()) {
		for (const auto& e : *arr)
			if (!AllNumbersFinite(e)) return false;
	} else if (const auto* obj = v.if_object()) {
		for (const auto& m : *obj)
			if (!AllNumbersFinite(m.value())) return false;
	}
	return true;
}

std::optional<json::value> ParseJson(std::string_view frame, std::string& error) {
	boost::system::error_code ec;
	json::value value = json::parse(frame, ec);
	if (ec) {
		error = "not JSON: " + ec.message();
		return std::nullopt;
	}
	if (!AllNumbersFinite(value)) {
		error = "a number is too large to relay as JSON";
		return std::nullopt;
	}
	return value;
}

std::optional<InMessage> FromV1(json::value value, std::string& error) {
	auto* obj = value.if_object();
	if (!obj) {
		error = "vsn 1.0.0 message is not a JSON object";
		return std::nullopt;
	}
	// Phoenix requires topic, event, payload and ref; join_ref is optional.
	auto* topic = obj->if_contains("topic");
	auto* event = obj->if_contains("event");
	auto* payload = obj->if_contains("payload");
	auto* ref = obj->if_contains("ref");
	if (!topic || !event || !payload || !ref) {
		error = "message lacks one of topic, event, payload, ref";
		return std::nullopt;
	}
	if (!topic->is_string() || !event->is_string() || !IsRef(*ref)) {
		error = "topic and event must be strings, ref a string or null";
		return std::nullopt;
	}
	InMessage msg;
	if (auto* join_ref = obj->if_contains("join_ref")) {
		if (!IsRef(*join_ref)) {
			error = "join_ref must be a string or null";
			return std::nullopt;
		}
		msg.join_ref = *join_ref;
	}
	msg.ref = *ref;
	msg.topic = std::string(topic->get_string());
	msg.event = std::string(event->get_string());
	msg.payload = std::move(*payload);
	return msg;
}

std::optional<InMessage> FromV2(json::value value, std::string& error) {
	auto* arr = value.if_array();
	// Extra elements are accepted and ignored, as the server's V2 serializer does.
	if (!arr || arr->size() < 5) {
		error = "vsn 2.0.0 message is not an array [join_ref, ref, topic, event, payload]";
		return std::nullopt;
	}
	auto& a = *arr;
	if (!IsRef(a[0]) || !IsRef(a[1]) || !a[2].is_string() || !a[3].is_string()) {
		error = "refs must be strings or null, topic and event strings";
		return std::nullopt;
	}
	InMessage msg;
	msg.join_ref = a[0];
	msg.ref = a[1];
	msg.topic = std::string(a[2].get_string());
	msg.event = std::string(a[3].get_string());
	msg.payload = std::move(a[4]);
	return msg;
}

json::value RefFromBytes(std::string_view bytes) {
	if (bytes.empty()) return nullptr;
	return json::string(bytes);
}

}  // namespace

std::optional<InMessage> DecodeText(Serializer serializer, std::string_view frame, std::string& error) {
	auto value = ParseJson(frame, error);
	if (!value) return std::nullopt;
	return serializer == Serializer::V1 ? FromV1(std::move(*value), error) : FromV2(std::move(*value), error);
}

std::optional<InMessage> DecodeBinary(std::string_view frame, std::string& error) {
	constexpr unsigned char kUserBroadcastPush = 3;
	constexpr std::size_t kHeader = 7;  // kind + six u8 fields
	if (frame.empty()) {
		error = "empty binary frame";
		return std::nullopt;
	}
	auto kind = static_cast<unsigned char>(frame[0]);
	if (kind != kUserBroadcastPush) {
		error = "unsupported binary frame kind " + std::to_string(kind);
		return std::nullopt;
	}
	if (frame.size() < kHeader) {
		error = "binary broadcast shorter than its header";
		return std::nullopt;
	}
	auto u8 = [&](std::size_t i) { return static_cast<std::size_t>(static_cast<unsigned char>(frame[i])); };
	std::size_t join_ref_len = u8(1), ref_len = u8(2), topic_len = u8(3), event_len = u8(4), meta_len = u8(5);
	std::size_t encoding = u8(6);
	if (encoding > 1) {
		error = "binary broadcast payload encoding must be 0 or 1";
		return std::nullopt;
	}
	std::size_t strings = join_ref_len + ref_len + topic_len + event_len + meta_len;
	if (frame.size() < kHeader + strings) {
		error = "binary broadcast shorter than its declared strings";
		return std::nullopt;
	}
	std::size_t pos = kHeader;
	auto take = [&](std::size_t n) {
		auto part = frame.substr(pos, n);
		pos += n;
		return part;
	};
	const std::string_view join_ref = take(join_ref_len);
	const std::string_view ref = take(ref_len);
	const std::string_view topic = take(topic_len);
	// Refs and topic are echoed in replies: without valid UTF-8 there is nothing that can be answered.
	if (!IsValidUtf8(join_ref) || !IsValidUtf8(ref) || !IsValidUtf8(topic)) {
		error = "binary broadcast topic or ref is not valid UTF-8";
		return std::nullopt;
	}
	InMessage msg;
	msg.join_ref = RefFromBytes(join_ref);
	msg.ref = RefFromBytes(ref);
	msg.topic = std::string(topic);
	msg.event = "broadcast";
	BinaryBroadcast b;
	b.user_event = std::string(take(event_len));
	b.metadata = std::string(take(meta_len));
	b.json_payload = encoding == 1;
	b.payload = std::string(frame.substr(pos));
	if (b.json_payload) {
		// Relayed verbatim inside JSON text to vsn-1 clients, so it must really be JSON.
		boost::system::error_code ec;
		json::parse(b.payload, ec);
		if (ec) {
			error = "binary broadcast says JSON payload but it is not JSON";
			return std::nullopt;
		}
	}
	msg.binary = std::move(b);
	return msg;
}

std::string QuoteJson(std::string_view text) {
	static constexpr char kHex[] = "0123456789abcdef";
	std::string out;
	out.reserve(text.size() + 2);
	out.push_back('"');
	for (char c : text) {
		auto u = static_cast<unsigned char>(c);
		switch (c) {
			case '"': out += "\\\""; break;
			case '\\': out += "\\\\"; break;
			case '\n': out += "\\n"; break;
			case '\r': out += "\\r"; break;
			case '\t': out += "\\t"; break;
			case '\b': out += "\\b"; break;
			case '\f': out += "\\f"; break;
			default:
				if (u < 0x20) {
					out += "\\u00";
					out.push_back(kHex[u >> 4]);
					out.push_back(kHex[u & 0xf]);
				} else {
					out.push_back(c);
				}
		}
	}
	out.push_back('"');
	return out;
}

std::string EncodeText(Serializer serializer, const json::value& join_ref, const json::value& ref,
                       std::string_view topic, std::string_view event, const json::value& payload) {
	std::string out;
	if (serializer == Serializer::V1) {
		out.append("{\"topic\":").append(QuoteJson(topic));
		out.append(",\"event\":").append(QuoteJson(event));
		out.append(",\"payload\":").append(json::serialize(payload));
		out.append(",\"ref\":").append(json::serialize(ref)).append("}");
	} else {
		out.append("[").append(json::serialize(join_ref));
		out.append(",").append(json::serialize(ref));
		out.append(",").append(QuoteJson(topic));
		out.append(",").append(QuoteJson(event));
		out.append(",").append(json::serialize(payload)).append("]");
	}
	return out;
}

Envelope PushEnvelope(Serializer serializer, std::string_view topic_json, std::string_view event) {
	Envelope env;
	if (serializer == Serializer::V1) {
		env.head.append("{\"topic\":").append(topic_json);
		env.head.append(",\"event\":").append(QuoteJson(event)).append(",\"payload\":");
		env.tail = ",\"ref\":null}";
	} else {
		env.head.append("[null,null,").append(topic_json).append(",").append(QuoteJson(event)).append(",");
		env.tail = "]";
	}
	return env;
}

std::optional<std::string> UserBroadcastHead(std::string_view topic, std::string_view user_event,
                                             std::string_view metadata, bool json_payload) {
	constexpr unsigned char kUserBroadcast = 4;
	if (topic.size() > 255 || user_event.size() > 255 || metadata.size() > 255) return std::nullopt;
	std::string head;
	head.reserve(5 + topic.size() + user_event.size() + metadata.size());
	head.push_back(static_cast<char>(kUserBroadcast));
	head.push_back(static_cast<char>(topic.size()));
	head.push_back(static_cast<char>(user_event.size()));
	head.push_back(static_cast<char>(metadata.size()));
	head.push_back(static_cast<char>(json_payload ? 1 : 0));
	head.append(topic).append(user_event).append(metadata);
	return head;
}

}  // namespace walcast::channels
