#include "net/rest_broadcast.hpp"

#include <boost/json/parse.hpp>

#include "core/utf8.hpp"

namespace walcast::net {

namespace json = boost::json;

namespace {

RestBroadcastParse Refuse(unsigned status, std::string error) {
	RestBroadcastParse out;
	out.status = status;
	out.error = std::move(error);
	return out;
}

// A topic or event reaches other clients' frames and log lines: non-empty, bounded, no control characters.
std::string CheckName(std::string_view what, std::string_view name) {
	if (name.empty()) return std::string(what) + " must be a non-empty string";
	if (name.size() > 255) return std::string(what) + " is longer than 255 bytes";
	for (unsigned char c : name)
		if (c < 0x20) return std::string(what) + " contains a control character";
	if (!IsValidUtf8(name)) return std::string(what) + " is not valid UTF-8";
	return {};
}

}  // namespace

RestBroadcastParse ParseRestBroadcast(std::string_view body, std::string_view topic, std::string_view event,
                                      bool is_private, std::size_t max_messages) {
	boost::system::error_code ec;
	json::value doc = json::parse(body, ec);
	if (ec) return Refuse(400, "body is not JSON: " + ec.message());

	RestBroadcastParse out;
	if (!topic.empty()) {
		if (auto problem = CheckName("topic", topic); !problem.empty()) return Refuse(400, problem);
		if (auto problem = CheckName("event", event); !problem.empty()) return Refuse(400, problem);
		out.messages.push_back({std::string(topic), std::string(event), std::move(doc), is_private});
		return out;
	}

	auto* root = doc.if_object();
	auto* list = root ? root->if_contains("messages") : nullptr;
	if (!list || !list->is_array()) return Refuse(400, "body must be {\"messages\": [...]}");
	const auto& messages = list->get_array();
	if (messages.empty()) return Refuse(400, "messages is empty");
	if (messages.size() > max_messages)
		return Refuse(413, "too many messages: " + std::to_string(messages.size()) + ", at most " +
		                       std::to_string(max_messages) + " (MAX_BROADCAST_MESSAGES)");
	for (std::size_t i = 0; i < messages.size(); ++i) {
		const std::string at = "messages[" + std::to_string(i) + "]";
		auto* m = messages[i].if_object();
		if (!m) return Refuse(400, at + " must be an object");
		auto* t = m->if_contains("topic");
		auto* e = m->if_contains("event");
		if (!t || !t->is_string()) return Refuse(400, at + ".topic must be a string");
		if (!e || !e->is_string()) return Refuse(400, at + ".event must be a string");
		if (auto problem = CheckName(at + ".topic", t->get_string()); !problem.empty()) return Refuse(400, problem);
		if (auto problem = CheckName(at + ".event", e->get_string()); !problem.empty()) return Refuse(400, problem);
		RestBroadcast out_message;
		out_message.topic = std::string(t->get_string());
		out_message.event = std::string(e->get_string());
		auto* payload = m->if_contains("payload");
		out_message.payload = payload ? *payload : json::value(json::object());
		if (auto* p = m->if_contains("private")) {
			if (!p->is_bool()) return Refuse(400, at + ".private must be true or false");
			out_message.is_private = p->get_bool();
		}
		out.messages.push_back(std::move(out_message));
	}
	return out;
}

}  // namespace walcast::net
