#include "frames.hpp"

#include <charconv>

namespace loadgen {

std::optional<Protocol> ParseProtocol(std::string_view name) {
	if (name == "phoenix") return Protocol::kPhoenix;
	if (name == "lds") return Protocol::kLds;
	if (name == "raw") return Protocol::kRaw;
	return std::nullopt;
}

std::vector<std::string> SubscribeFrames(Protocol protocol, const std::string& topic, const std::string& schema,
                                         const std::string& table) {
	switch (protocol) {
	case Protocol::kPhoenix:
		// The join realtime-js 2.x sends for channel(topic).on('postgres_changes', {event:'INSERT', ...}).
		return {"[\"1\",\"1\",\"realtime:" + topic +
		        "\",\"phx_join\",{\"config\":{\"broadcast\":{\"ack\":false,\"self\":false},"
		        "\"presence\":{\"key\":\"\",\"enabled\":false},\"postgres_changes\":[{\"event\":\"INSERT\","
		        "\"schema\":\"" + schema + "\",\"table\":\"" + table + "\"}],\"private\":false}}]"};
	case Protocol::kLds:
		return {"SUB [\"" + schema + "\",\"" + table + "\"]"};
	case Protocol::kRaw:
		return {};
	}
	return {};
}

std::string HeartbeatFrame(Protocol protocol, std::uint64_t ref) {
	if (protocol != Protocol::kPhoenix) return {};
	return "[null,\"hb" + std::to_string(ref) + "\",\"phoenix\",\"heartbeat\",{}]";
}

std::optional<std::int64_t> FindInteger(std::string_view text, std::string_view quoted_key, std::size_t& from) {
	const auto at = text.find(quoted_key, from);
	if (at == std::string_view::npos) return std::nullopt;
	std::size_t p = at + quoted_key.size();
	while (p < text.size() && (text[p] == ' ' || text[p] == '"')) ++p;
	std::int64_t value = 0;
	const auto [end, ec] = std::from_chars(text.data() + p, text.data() + text.size(), value);
	if (ec != std::errc()) return std::nullopt;
	from = std::size_t(end - text.data());
	return value;
}

Heard Classify(Protocol protocol, std::string_view text) {
	Heard heard;
	std::size_t at = 0;
	if (auto seq = FindInteger(text, "\"seq\":", at)) {
		if (auto sent = FindInteger(text, "\"sent_ns\":", at)) {
			heard.kind = Heard::kRow;
			heard.seq = *seq;
			heard.sent_ns = *sent;
			return heard;
		}
	}
	if (protocol == Protocol::kPhoenix) {
		if (text.find("\"status\":\"error\"") != std::string_view::npos ||
		    text.find("\"phx_error\"") != std::string_view::npos || text.find("\"phx_close\"") != std::string_view::npos) {
			heard.kind = Heard::kError;
		} else if (text.find("Subscribed to PostgreSQL") != std::string_view::npos) {
			heard.kind = Heard::kSubscribed;
		}
	}
	return heard;
}

}  // namespace loadgen
