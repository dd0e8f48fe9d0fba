#pragma once
// Test doubles for the channels stage: a transport that records frames, a catalog answered from memory,
// and a client wrapper that speaks to a ClientConnection and reads back what it sent.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "channels/catalog.hpp"
#include "channels/client_connection.hpp"
#include "channels/hub.hpp"
#include "channels/subscription.hpp"
#include "core/client_transport.hpp"
#include "core/wal_event.hpp"

namespace walcast::channels::testing {

namespace json = boost::json;

struct FakeTransport : ClientTransport {
	struct Sent {
		std::string bytes;
		bool binary;
		const std::string* shared;  // identity of the shared bytes, to check fan-out does not copy
	};
	std::vector<Sent> frames;
	std::vector<std::pair<CloseCode, std::string>> closes;
	std::function<void()> on_send;  // runs after each Send, e.g. to close the client re-entrantly

	void Send(OutFrame frame) override {
		frames.push_back({(frame.shared_head ? *frame.shared_head : std::string()) + frame.head + (frame.shared ? *frame.shared : std::string()) + frame.tail, frame.binary,
		                  frame.shared.get()});
		if (on_send) on_send();
	}
	void Close(CloseCode code, std::string_view reason) override { closes.emplace_back(code, std::string(reason)); }
};

class FakeCatalog : public Catalog {
public:
	std::vector<CatalogTable> tables;
	bool defer = false;        // hold answers until Flush()
	bool unavailable = false;  // answer "cannot reach the database"
	int lookups = 0;

	void Lookup(std::string schema, std::string table, std::weak_ptr<const void>, Callback done) override {
		++lookups;
		CatalogResult result;
		if (unavailable) {
			result.ok = false;
			result.error = "connection to server at \"127.0.0.1\", port 1 failed: Connection refused";
		} else {
			for (auto& t : tables)
				if (PatternMatches(schema, t.schema) && PatternMatches(table, t.table)) result.tables.push_back(t);
		}
		if (defer) pending_.push_back([done = std::move(done), result]() mutable { done(std::move(result)); });
		else done(std::move(result));
	}
	void Flush() {
		auto pending = std::move(pending_);
		pending_.clear();
		for (auto& f : pending) f();
	}

private:
	std::vector<std::function<void()>> pending_;
};

// One message as the client sees it, whatever the serializer.
struct Msg {
	json::value join_ref;
	json::value ref;
	std::string topic;
	std::string event;
	json::value payload;
};

struct TestClient {
	Serializer serializer;
	std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
	std::unique_ptr<ClientConnection> conn;
	std::size_t read = 0;

	explicit TestClient(Hub& hub, Serializer s) : serializer(s), conn(std::make_unique<ClientConnection>(hub, transport, s)) {}
	TestClient(Hub& hub, Serializer s, const ClientLimits& limits)
	    : serializer(s), conn(std::make_unique<ClientConnection>(hub, transport, s, limits)) {}

	void Send(std::string_view text) { conn->OnText(text); }

	// Frames sent since the last call, decoded (text frames only; binary ones are in transport->frames).
	std::vector<Msg> Take() {
		std::vector<Msg> out;
		for (; read < transport->frames.size(); ++read) {
			auto& f = transport->frames[read];
			if (f.binary) continue;
			auto v = json::parse(f.bytes);
			Msg m;
			if (serializer == Serializer::V2) {
				auto& a = v.as_array();
				m = Msg{a[0], a[1], std::string(a[2].as_string()), std::string(a[3].as_string()), a[4]};
			} else {
				auto& o = v.as_object();
				if (o.contains("join_ref")) throw std::runtime_error("vsn 1 frame carries join_ref");
				m = Msg{nullptr, o.at("ref"), std::string(o.at("topic").as_string()),
				        std::string(o.at("event").as_string()), o.at("payload")};
			}
			out.push_back(std::move(m));
		}
		return out;
	}
};

inline WalEvent ChangeEvent(std::string_view text, Lsn lsn = 100) {
	WalEvent e;
	e.kind = WalEventKind::Change;
	e.lsn = lsn;
	e.commit_lsn = lsn + 50;
	e.json = std::make_shared<const std::string>(text);
	e.data = std::make_shared<const json::value>(json::parse(text));
	return e;
}

}  // namespace walcast::channels::testing
