#include "net/routes.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace walcast::net {

namespace {

int HexValue(char c) {
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

std::string PercentDecode(std::string_view in, bool plus_is_space) {
	std::string out;
	out.reserve(in.size());
	for (std::size_t i = 0; i < in.size(); ++i) {
		const char c = in[i];
		if (c == '%' && i + 2 < in.size()) {
			const int hi = HexValue(in[i + 1]);
			const int lo = HexValue(in[i + 2]);
			if (hi >= 0 && lo >= 0) {
				out.push_back(static_cast<char>(hi * 16 + lo));
				i += 2;
				continue;
			}
		}
		out.push_back(plus_is_space && c == '+' ? ' ' : c);
	}
	return out;
}

bool IsWebSocketPath(std::string_view path) {
	return path == "/socket/websocket" || path == "/realtime/v1/websocket";
}

bool AllDigits(std::string_view s) {
	if (s.empty()) return false;
	for (char c : s)
		if (c < '0' || c > '9') return false;
	return true;
}

Route Error(unsigned status, std::string message) {
	Route r;
	r.kind = RouteKind::Error;
	r.status = status;
	r.error = std::move(message);
	return r;
}

}  // namespace

Target ParseTarget(std::string_view target) {
	Target out;
	const auto qmark = target.find('?');
	std::string_view path = target.substr(0, qmark);
	// A fragment never reaches a server, but be tolerant if a client sends one.
	std::string_view query = qmark == std::string_view::npos ? std::string_view{} : target.substr(qmark + 1);
	if (const auto hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);

	out.path = PercentDecode(path, false);
	while (out.path.size() > 1 && out.path.back() == '/') out.path.pop_back();
	if (out.path.empty()) out.path = "/";

	while (!query.empty()) {
		const auto amp = query.find('&');
		const std::string_view pair = query.substr(0, amp);
		query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
		if (pair.empty()) continue;
		const auto eq = pair.find('=');
		const std::string_view key = pair.substr(0, eq);
		const std::string_view value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
		out.query.emplace_back(PercentDecode(key, true), PercentDecode(value, true));
	}
	return out;
}

std::optional<std::string_view> QueryParam(const Target& target, std::string_view name) {
	for (const auto& [key, value] : target.query)
		if (key == name) return std::string_view(value);
	return std::nullopt;
}

std::optional<WireVersion> ParseVsn(std::optional<std::string_view> vsn) {
	if (!vsn) return WireVersion::V1;
	const std::string_view v = *vsn;
	if (v.size() < 5 || v[1] != '.' || v[2] != '0' || v[3] != '.') return std::nullopt;
	if (!AllDigits(v.substr(4))) return std::nullopt;
	if (v[0] == '1') return WireVersion::V1;
	if (v[0] == '2') return WireVersion::V2;
	return std::nullopt;
}

Route RouteRequest(std::string_view method, bool is_upgrade, std::string_view target_text) {
	const Target target = ParseTarget(target_text);

	if (IsWebSocketPath(target.path)) {
		if (!is_upgrade) return Error(400, "expected a WebSocket upgrade request");
		// log_level is accepted and ignored; the apikey is verified by the session when auth is on.
		const auto vsn = QueryParam(target, "vsn");
		const auto version = ParseVsn(vsn);
		if (!version) return Error(400, "unsupported vsn " + std::string(*vsn));
		Route r;
		r.kind = RouteKind::WebSocket;
		r.version = *version;
		if (auto key = QueryParam(target, "apikey")) r.apikey = std::string(*key);
		return r;
	}
	if (is_upgrade) return Error(404, "no WebSocket endpoint at " + target.path);

	// realtime-js posts to <endpoint without /socket or /websocket>/api/broadcast: /api/broadcast for
	// ws://host/socket, /realtime/v1/api/broadcast for Supabase's URL layout.
	for (std::string_view base : {std::string_view("/api/broadcast"), std::string_view("/realtime/v1/api/broadcast")}) {
		const std::string_view path = target.path;
		if (path.substr(0, base.size()) != base) continue;
		const std::string_view rest = path.substr(base.size());
		if (!rest.empty() && rest.front() != '/') continue;
		if (method != "POST") return Error(405, "use POST for " + std::string(base));
		Route r;
		r.kind = RouteKind::Broadcast;
		if (rest.empty()) return r;
		// /<topic>/events/<event>: both percent-decoded already; a topic may not contain '/'.
		const auto events = rest.find("/events/", 1);
		if (events == std::string_view::npos || events == 1) return Error(404, "not found: POST " + target.path);
		r.topic = std::string(rest.substr(1, events - 1));
		r.event = std::string(rest.substr(events + 8));
		if (r.topic.find('/') != std::string::npos || r.event.empty()) return Error(404, "not found: POST " + target.path);
		const auto flag = QueryParam(target, "private");
		r.is_private = flag && *flag == "true";
		return r;
	}

	if (method == "GET" || method == "HEAD") {
		Route r;
		if (target.path == "/health") {
			r.kind = RouteKind::Health;
			return r;
		}
		if (target.path == "/metrics") {
			r.kind = RouteKind::Metrics;
			return r;
		}
	}
	return Error(404, "not found: " + std::string(method) + " " + target.path);
}

bool OffersSubprotocol(std::string_view header, std::string_view name) {
	while (!header.empty()) {
		const auto comma = header.find(',');
		std::string_view item = header.substr(0, comma);
		header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
		while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
		while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
		if (item == name) return true;
	}
	return false;
}

std::string ErrorBody(std::string_view message) {
	std::string body = "{\"error\":";
	body += boost::json::serialize(boost::json::string(message));
	body += '}';
	return body;
}

}  // namespace walcast::net
