#pragma once
// What a client says and hears in each protocol the benchmark speaks:
//  - phoenix: the Realtime protocol as realtime-js 2.x speaks it (vsn 2.0.0 arrays, phx_join with
//    config.postgres_changes, heartbeats on the "phoenix" topic) — walcast-gateway;
//  - lds:     @graphile/lds's own protocol ("SUB [schema, table]" text commands; rows as insertC objects);
//  - raw:     no subscription; every text frame is one row (the NOTIFY listener relays payloads as is).
// Each row carries `seq` and `sent_ns` columns; whatever wraps it, the two numbers are found by key.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loadgen {

enum class Protocol { kPhoenix, kLds, kRaw };
std::optional<Protocol> ParseProtocol(std::string_view name);

// Frames sent right after the handshake.
std::vector<std::string> SubscribeFrames(Protocol protocol, const std::string& topic, const std::string& schema,
                                         const std::string& table);
// A keep-alive frame, or an empty string when the protocol has none.
std::string HeartbeatFrame(Protocol protocol, std::uint64_t ref);

struct Heard {
	enum Kind { kOther, kRow, kSubscribed, kError } kind = kOther;
	std::int64_t seq = 0;
	std::int64_t sent_ns = 0;
};
Heard Classify(Protocol protocol, std::string_view text);

// The integer after `"key":` at or after `from` (an optional quote and a JS-style exponent-free number).
std::optional<std::int64_t> FindInteger(std::string_view text, std::string_view quoted_key, std::size_t& from);

}  // namespace loadgen
