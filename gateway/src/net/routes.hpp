#pragma once
// HTTP request routing as pure functions of (method, upgrade?, target), so every rule is unit-tested
// without a socket. The session only executes the Route it gets back.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace walcast::net {

// The Phoenix serializer a WebSocket client asked for with ?vsn=. Mapped onto channels::Serializer
// where the session creates its ClientConnection.
enum class WireVersion { V1, V2 };

struct Target {
	std::string path;                                         // percent-decoded, trailing '/' removed
	std::vector<std::pair<std::string, std::string>> query;   // percent-decoded, in order
};

// Splits "/socket/websocket/?apikey=a%20b&vsn=2.0.0" into path and decoded query pairs. A malformed
// %-escape is kept literally rather than rejected: the parameters we read are all plain ASCII.
Target ParseTarget(std::string_view target);

// The first value of a query parameter, if present.
std::optional<std::string_view> QueryParam(const Target& target, std::string_view name);

// Phoenix accepts "~> 1.0.0" and "~> 2.0.0", i.e. 1.0.x and 2.0.x. A missing vsn means 1.0.0.
std::optional<WireVersion> ParseVsn(std::optional<std::string_view> vsn);

enum class RouteKind { WebSocket, Health, Metrics, Broadcast, Error };

struct Route {
	RouteKind kind = RouteKind::Error;
	WireVersion version = WireVersion::V1;  // for WebSocket
	std::optional<std::string> apikey;      // for WebSocket: the ?apikey= token, if given
	// For Broadcast: empty topic = the batch form (POST /api/broadcast, body {"messages": [...]}); otherwise
	// POST /api/broadcast/<topic>/events/<event>[?private=true] with the payload as the body (httpSend).
	std::string topic;
	std::string event;
	bool is_private = false;
	unsigned status = 200;                  // for Error: the HTTP status to answer with
	std::string error;                      // for Error: the message for {"error": ...}
};

// method is the request method as text ("GET"), is_upgrade whether it is a WebSocket upgrade request.
Route RouteRequest(std::string_view method, bool is_upgrade, std::string_view target);

// Whether a Sec-WebSocket-Protocol header value ("phoenix, base64url.bearer.phx.x") lists `name`.
bool OffersSubprotocol(std::string_view header, std::string_view name);

// {"error":"<message>"} with the message JSON-escaped.
std::string ErrorBody(std::string_view message);

}  // namespace walcast::net
