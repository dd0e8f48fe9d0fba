// gateway/src/channels/phoenix_codec: DecodeText (vsn 1.0.0 and 2.0.0) and DecodeBinary (kind-3 broadcasts).
// Whatever is decoded must re-encode: EncodeText of a decoded message decodes to the same message (so a payload
// relayed to other clients is JSON they can parse), and a decoded binary broadcast rebuilds the frame exactly.
//
// Input: byte 0 picks the decoder (0: vsn 1 text, 1: vsn 2 text, 2: binary; mod 3), the rest is the frame.
#include "channels/phoenix_codec.hpp"
#include "core/utf8.hpp"

#include "fuzz_check.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

namespace {

using namespace walcast::channels;

// Equal, except that doubles may differ in their last bits: Boost.JSON 1.81 does not round every decimal
// correctly (331e300 reads as 3.3100000000000003e302, and that as ...07e302), so a number relayed through the
// gateway can change in its 16th-17th significant digit. Recursion is bounded by the parser's depth limit (32).
bool SameValue(const boost::json::value &a, const boost::json::value &b)
{
	if (a.is_double() && b.is_double()) {
		const double x = a.get_double(), y = b.get_double();
		return x == y || std::fabs(x - y) <= 1e-14 * std::max(std::fabs(x), std::fabs(y));
	}
	if (a.is_array() && b.is_array()) {
		const auto &x = a.get_array(), &y = b.get_array();
		if (x.size() != y.size())
			return false;
		for (size_t i = 0; i < x.size(); i++)
			if (!SameValue(x[i], y[i]))
				return false;
		return true;
	}
	if (a.is_object() && b.is_object()) {
		const auto &x = a.get_object(), &y = b.get_object();
		if (x.size() != y.size())
			return false;
		for (const auto &m : x) {
			const auto *other = y.if_contains(m.key());
			if (!other || !SameValue(m.value(), *other))
				return false;
		}
		return true;
	}
	return a == b;
}

void CheckText(Serializer serializer, std::string_view frame)
{
	std::string error;
	auto msg = DecodeText(serializer, frame, error);
	if (!msg) {
		FUZZ_CHECK(!error.empty());
		return;
	}
	FUZZ_CHECK(!msg->binary);
	// Replies and pushes echo topic and event in text frames: they must be valid UTF-8.
	FUZZ_CHECK(walcast::IsValidUtf8(msg->topic) && walcast::IsValidUtf8(msg->event));

	const std::string encoded = EncodeText(serializer, msg->join_ref, msg->ref, msg->topic, msg->event, msg->payload);
	std::string error2;
	auto again = DecodeText(serializer, encoded, error2);
	if (!again)
		std::fprintf(stderr, "re-encoded frame does not decode (%s): %s\n", error2.c_str(), encoded.c_str());
	FUZZ_CHECK(again.has_value());
	FUZZ_CHECK(again->topic == msg->topic && again->event == msg->event);
	FUZZ_CHECK(again->ref == msg->ref && SameValue(again->payload, msg->payload));
	if (serializer == Serializer::V2)
		FUZZ_CHECK(again->join_ref == msg->join_ref);
	// Encoding is deterministic.
	FUZZ_CHECK(EncodeText(serializer, msg->join_ref, msg->ref, msg->topic, msg->event, msg->payload) == encoded);

	// The shared-bytes form of a push wraps the payload into a frame of the same message.
	const Envelope env = PushEnvelope(serializer, QuoteJson(msg->topic), msg->event);
	const std::string pushed = env.head + boost::json::serialize(msg->payload) + env.tail;
	auto push = DecodeText(serializer, pushed, error2);
	FUZZ_CHECK(push && push->topic == msg->topic && push->event == msg->event && SameValue(push->payload, msg->payload));
}

void CheckBinary(std::string_view frame)
{
	std::string error;
	auto msg = DecodeBinary(frame, error);
	if (!msg) {
		FUZZ_CHECK(!error.empty());
		return;
	}
	FUZZ_CHECK(msg->binary.has_value());
	FUZZ_CHECK(msg->event == "broadcast");
	FUZZ_CHECK(walcast::IsValidUtf8(msg->topic));
	const BinaryBroadcast &b = *msg->binary;
	// Refs are strings, or null when empty on the wire.
	FUZZ_CHECK(msg->join_ref.is_null() || (msg->join_ref.is_string() && !msg->join_ref.get_string().empty()));
	FUZZ_CHECK(msg->ref.is_null() || (msg->ref.is_string() && !msg->ref.get_string().empty()));
	auto str = [](const boost::json::value &v) {
		return v.is_null() ? std::string() : std::string(v.get_string());
	};
	const std::string join_ref = str(msg->join_ref), ref = str(msg->ref);
	// Every string came from a one-byte length, so the frame rebuilds exactly.
	std::string rebuilt;
	rebuilt.push_back(3);
	for (size_t n : {join_ref.size(), ref.size(), msg->topic.size(), b.user_event.size(), b.metadata.size()}) {
		FUZZ_CHECK(n <= 255);
		rebuilt.push_back(static_cast<char>(n));
	}
	rebuilt.push_back(b.json_payload ? 1 : 0);
	rebuilt += join_ref + ref + msg->topic + b.user_event + b.metadata + b.payload;
	FUZZ_CHECK(rebuilt == frame);
	if (b.json_payload) {
		boost::system::error_code ec;
		boost::json::parse(b.payload, ec);
		FUZZ_CHECK(!ec);
	}
	// The kind-4 head for relaying it fits the same strings.
	auto head = UserBroadcastHead(msg->topic, b.user_event, b.metadata, b.json_payload);
	FUZZ_CHECK(head && head->size() == 5 + msg->topic.size() + b.user_event.size() + b.metadata.size());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const std::string_view frame(reinterpret_cast<const char *>(data + 1), size - 1);
	switch (data[0] % 3) {
	case 0: CheckText(Serializer::V1, frame); break;
	case 1: CheckText(Serializer::V2, frame); break;
	case 2: CheckBinary(frame); break;
	}
	return 0;
}
