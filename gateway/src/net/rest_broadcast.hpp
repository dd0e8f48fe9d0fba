#pragma once
// The body of a REST broadcast, parsed and checked as a pure function so every rule is unit-tested:
//   POST /api/broadcast                        {"messages":[{"topic","event","payload","private"}, ...]}
//   POST /api/broadcast/<topic>/events/<event>  the payload itself (realtime-js httpSend)
// realtime-js names topics without the "realtime:" prefix (channel.subTopic), so the hub adds it.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "net/inbound_handler.hpp"

namespace walcast::net {

struct RestBroadcastParse {
	unsigned status = 202;  // 400 (malformed) or 413 (too many messages) when refused
	std::string error;
	std::vector<RestBroadcast> messages;
};

// Batch form (topic empty) or single-message form (topic and event from the path).
RestBroadcastParse ParseRestBroadcast(std::string_view body, std::string_view topic, std::string_view event,
                                      bool is_private, std::size_t max_messages);

}  // namespace walcast::net
