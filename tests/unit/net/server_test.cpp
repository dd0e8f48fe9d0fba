// The Server end to end over loopback, with a test handler in place of the channels stage. Server and
// client share one io_context on the test thread (the production threading model: one network thread);
// every wait is "run the loop until the client coroutine finished", bounded by a deadline.

#include "net/server.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <system_error>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include "core/metrics.hpp"

namespace walcast::net {
namespace {

using namespace std::chrono_literals;
using asio::awaitable;
using asio::use_awaitable;

struct Observed {
	int handlers_created = 0;
	int closed = 0;
	WireVersion version = WireVersion::V1;
	std::vector<std::string> texts;
	std::vector<std::string> binaries;
};

// Echoes "<msg>" (as head, shared payload, tail), and obeys a few commands.
class EchoHandler final : public InboundHandler {
public:
	EchoHandler(std::shared_ptr<ClientTransport> transport, Observed& seen) : transport_(std::move(transport)), seen_(seen) {}

	void OnText(std::string_view message) override {
		seen_.texts.emplace_back(message);
		// "flood:<count>:<size>": count frames sharing one payload of size bytes, in one burst.
		if (message.rfind("flood:", 0) == 0) {
			const auto colon = message.find(':', 6);
			const int count = std::stoi(std::string(message.substr(6, colon - 6)));
			const auto size = static_cast<std::size_t>(std::stoul(std::string(message.substr(colon + 1))));
			auto payload = std::make_shared<const std::string>(size, 'f');
			for (int i = 0; i < count; ++i) transport_->Send(OutFrame{"", payload, "", false});
			return;
		}
		if (message == "close-long") {
			std::string reason;
			for (int i = 0; i < 70; ++i) reason += "\xC3\xA9";  // 140 bytes of "é"
			transport_->Close(CloseCode::PolicyViolation, "xx" + reason);
			return;
		}
		if (message == "bye") {
			transport_->Send(OutFrame{"last", nullptr, "", false});
			transport_->Close(CloseCode::Normal, "bye");
			transport_->Send(OutFrame{"after close", nullptr, "", false});  // must be a no-op
			return;
		}
		transport_->Send(OutFrame{"<", std::make_shared<const std::string>(message), ">", false});
	}
	void OnBinary(std::string_view message) override {
		seen_.binaries.emplace_back(message);
		transport_->Send(OutFrame{"", std::make_shared<const std::string>(message), "", true});
	}
	void OnClosed() override {
		++seen_.closed;
		transport_.reset();
	}

private:
	std::shared_ptr<ClientTransport> transport_;
	Observed& seen_;
};

class ServerTest : public ::testing::Test {
protected:
	void StartServer(ServerSettings settings = {}) {
		server_ = std::make_unique<Server>(
			ioc_, "127.0.0.1", 0,
			[this](std::shared_ptr<ClientTransport> transport, WireVersion version,
			       auth::IdentityPtr) -> std::unique_ptr<InboundHandler> {
				++seen_.handlers_created;
				seen_.version = version;
				return std::make_unique<EchoHandler>(std::move(transport), seen_);
			},
			std::move(settings));
	}

	// Runs the loop until `client` finishes (rethrowing its exception), failing after a deadline.
	void RunClient(awaitable<void> client, std::chrono::steady_clock::duration limit = 10s) {
		bool done = false;
		std::exception_ptr error;
		asio::co_spawn(ioc_, std::move(client), [&](std::exception_ptr e) {
			error = e;
			done = true;
		});
		RunUntil([&] { return done; }, limit);
		ASSERT_TRUE(done) << "client did not finish in time";
		if (error) std::rethrow_exception(error);
	}

	template <typename Predicate>
	void RunUntil(Predicate done, std::chrono::steady_clock::duration limit = 10s) {
		const auto deadline = std::chrono::steady_clock::now() + limit;
		while (!done() && std::chrono::steady_clock::now() < deadline) ioc_.run_one_for(50ms);
	}

	awaitable<std::unique_ptr<websocket::stream<beast::tcp_stream>>> Connect(std::string target) {
		auto ws = std::make_unique<websocket::stream<beast::tcp_stream>>(co_await asio::this_coro::executor);
		co_await beast::get_lowest_layer(*ws).async_connect(Endpoint(), use_awaitable);
		co_await ws->async_handshake("127.0.0.1", target, use_awaitable);
		co_return ws;
	}

	// Sends a raw HTTP request and returns the response.
	awaitable<http::response<http::string_body>> Request(http::request<http::string_body> req) {
		beast::tcp_stream stream(co_await asio::this_coro::executor);
		co_await stream.async_connect(Endpoint(), use_awaitable);
		req.set(http::field::host, "127.0.0.1");
		req.prepare_payload();
		co_await http::async_write(stream, req, use_awaitable);
		beast::flat_buffer buffer;
		http::response<http::string_body> res;
		co_await http::async_read(stream, buffer, res, use_awaitable);
		co_return res;
	}

	static http::request<http::string_body> UpgradeRequest(std::string target) {
		http::request<http::string_body> req{http::verb::get, target, 11};
		req.set(http::field::connection, "Upgrade");
		req.set(http::field::upgrade, "websocket");
		req.set(http::field::sec_websocket_version, "13");
		req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
		return req;
	}

	// Reads until the server closes; returns the messages read before it. With `clean`, the close must be
	// a complete closing handshake; otherwise only the close frame matters (after a failed connection,
	// Beast's teardown may reset the socket while our close reply is still on its way).
	static awaitable<std::vector<std::string>> ReadUntilClosed(websocket::stream<beast::tcp_stream>& ws,
	                                                           bool clean = true) {
		std::vector<std::string> messages;
		for (;;) {
			beast::flat_buffer buffer;
			auto [ec, n] = co_await ws.async_read(buffer, asio::as_tuple(use_awaitable));
			if (ec) {
				if (clean) EXPECT_EQ(ec, websocket::error::closed) << ec.message();
				co_return messages;
			}
			messages.push_back(beast::buffers_to_string(buffer.data()));
		}
	}

	tcp::endpoint Endpoint() const { return {asio::ip::make_address("127.0.0.1"), server_->port()}; }

	// A test may end while its session is still finishing the close the client started. Destroying the loop then
	// would drop the session with its handler, which owns the session's transport: LeakSanitizer reported that
	// cycle. Let every session reach OnClosed first.
	void TearDown() override { RunUntil([&] { return seen_.closed == seen_.handlers_created; }); }

	asio::io_context ioc_;
	Observed seen_;
	std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, EchoesTextAndBinaryAsSingleMessages) {
	StartServer();
	const auto clients_before = GlobalMetrics().clients.load();
	const auto sent_before = GlobalMetrics().messages_sent.load();
	RunClient([&]() -> awaitable<void> {
		auto ws = co_await Connect("/socket/websocket?vsn=2.0.0&apikey=anything&log_level=info");
		EXPECT_EQ(GlobalMetrics().clients.load(), clients_before + 1);

		co_await ws->async_write(asio::buffer(std::string("hello")), use_awaitable);
		beast::flat_buffer buffer;
		co_await ws->async_read(buffer, use_awaitable);
		EXPECT_TRUE(ws->got_text());
		EXPECT_EQ(beast::buffers_to_string(buffer.data()), "<hello>");

		ws->binary(true);
		co_await ws->async_write(asio::buffer(std::string("\x03\x01", 2)), use_awaitable);
		buffer.clear();
		co_await ws->async_read(buffer, use_awaitable);
		EXPECT_TRUE(ws->got_binary());
		EXPECT_EQ(beast::buffers_to_string(buffer.data()), std::string("\x03\x01", 2));

		co_await ws->async_close(websocket::close_code::normal, use_awaitable);
	}());
	RunUntil([&] { return seen_.closed == 1; });
	EXPECT_EQ(seen_.handlers_created, 1);
	EXPECT_EQ(seen_.version, WireVersion::V2);
	EXPECT_EQ(seen_.closed, 1);
	EXPECT_EQ(seen_.texts, std::vector<std::string>{"hello"});
	EXPECT_EQ(seen_.binaries.size(), 1u);
	EXPECT_EQ(GlobalMetrics().clients.load(), clients_before);
	EXPECT_EQ(GlobalMetrics().messages_sent.load(), sent_before + 2);
}

TEST_F(ServerTest, PicksThePhoenixSubprotocolWhenOffered) {
	StartServer();
	RunClient([&]() -> awaitable<void> {
		auto ws = std::make_unique<websocket::stream<beast::tcp_stream>>(co_await asio::this_coro::executor);
		co_await beast::get_lowest_layer(*ws).async_connect(Endpoint(), use_awaitable);
		ws->set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
			req.set(http::field::sec_websocket_protocol, "phoenix, base64url.bearer.phx.dG9rZW4");
		}));
		websocket::response_type res;
		co_await ws->async_handshake(res, "127.0.0.1", "/socket/websocket?vsn=2.0.0", use_awaitable);
		EXPECT_EQ(res[http::field::sec_websocket_protocol], "phoenix");
		EXPECT_EQ(res[http::field::server], "walcast-gateway");
		co_await ws->async_close(websocket::close_code::normal, use_awaitable);
	}());
}

TEST_F(ServerTest, DefaultsToVsn1OnTheRealtimePath) {
	StartServer();
	RunClient([&]() -> awaitable<void> {
		auto ws = co_await Connect("/realtime/v1/websocket/");
		co_await ws->async_close(websocket::close_code::normal, use_awaitable);
	}());
	RunUntil([&] { return seen_.closed == 1; });
	EXPECT_EQ(seen_.version, WireVersion::V1);
	EXPECT_EQ(seen_.closed, 1);
}

TEST_F(ServerTest, ServerCloseFlushesQueuedFramesFirstAndIgnoresLaterSends) {
	StartServer();
	RunClient([&]() -> awaitable<void> {
		auto ws = co_await Connect("/socket/websocket");
		co_await ws->async_write(asio::buffer(std::string("bye")), use_awaitable);
		const auto messages = co_await ReadUntilClosed(*ws);
		EXPECT_EQ(messages, std::vector<std::string>{"last"});
		EXPECT_EQ(ws->reason().code, 1000);
		EXPECT_EQ(std::string(ws->reason().reason.data(), ws->reason().reason.size()), "bye");
	}());
	RunUntil([&] { return seen_.closed == 1; });
	EXPECT_EQ(seen_.closed, 1);
}

TEST_F(ServerTest, LongCloseReasonIsCutToAValidUtf8Prefix) {
	StartServer();
	RunClient([&]() -> awaitable<void> {
		auto ws = co_await Connect("/socket/websocket");
		co_await ws->async_write(asio::buffer(std::string("close-long")), use_awaitable);
		co_await ReadUntilClosed(*ws);
		EXPECT_EQ(ws->reason().code, 1008);
		// The 123-byte limit falls inside the 61st "é" (bytes 122-123), which is dropped whole.
		EXPECT_EQ(ws->reason().reason.size(), 122u);
	}());
}

TEST_F(ServerTest, RefusesUnsupportedVsnWithJson400) {
	StartServer();
	RunClient([&]() -> awaitable<void> {
		const auto res = co_await Request(UpgradeRequest("/socket/websocket?vsn=9.9.9"));
		EXPECT_EQ(res.result_int(), 400u);
		EXPECT_EQ(res.body(), R"({"error":"unsupported vsn 9.9.9"})");
		EXPECT_EQ(res[http::field::content_type], "application/json");
	}());
	EXPECT_EQ(seen_.handlers_created, 0);
}

TEST_F(ServerTest, UpgradeOnUnknownPathIs404) {
	StartServer();
	RunClient([&]() -> awaitable<void> {
		const auto res = co_await Request(UpgradeRequest("/other/websocket"));
		EXPECT_EQ(res.result_int(), 404u);
		EXPECT_NE(res.body().find("\"error\""), std::string::npos);
	}());
}

TEST_F(ServerTest, ServesHealthAndMetricsOnOneKeptAliveConnection) {
	ServerSettings settings;
	settings.slot_name = "test_slot";
	StartServer(settings);
	RunClient([&]() -> awaitable<void> {
		beast::tcp_stream stream(co_await asio::this_coro::executor);
		co_await stream.async_connect(Endpoint(), use_awaitable);
		beast::flat_buffer buffer;

		http::request<http::string_body> health{http::verb::get, "/health", 11};
		health.set(http::field::host, "x");
		co_await http::async_write(stream, health, use_awaitable);
		http::response<http::string_body> res;
		co_await http::async_read(stream, buffer, res, use_awaitable);
		const auto expected = GlobalMetrics().replication_connected.load() ? 200u : 503u;
		EXPECT_EQ(res.result_int(), expected);
		const auto json = boost::json::parse(res.body());
		EXPECT_EQ(json.at("replication").at("slot"), "test_slot");
		EXPECT_TRUE(res.keep_alive());

		http::request<http::string_body> metrics{http::verb::get, "/metrics", 11};
		metrics.set(http::field::host, "x");
		co_await http::async_write(stream, metrics, use_awaitable);
		http::response<http::string_body> res2;
		co_await http::async_read(stream, buffer, res2, use_awaitable);
		EXPECT_EQ(res2.result_int(), 200u);
		EXPECT_NE(res2.body().find("# TYPE walcast_clients gauge"), std::string::npos);

		http::request<http::string_body> missing{http::verb::get, "/nope", 11};
		missing.set(http::field::host, "x");
		co_await http::async_write(stream, missing, use_awaitable);
		http::response<http::string_body> res3;
		co_await http::async_read(stream, buffer, res3, use_awaitable);
		EXPECT_EQ(res3.result_int(), 404u);
		EXPECT_NE(res3.body().find("\"error\""), std::string::npos);
	}());
}

TEST_F(ServerTest, OversizedRequestBodyIs413AndHeadHasNoBody) {
	ServerSettings settings;
	settings.http_body_limit = 8 * 1024;  // the default is 1 MiB since REST broadcasts: 20 KB would pass
	StartServer(settings);
	RunClient([&]() -> awaitable<void> {
		http::request<http::string_body> post{http::verb::post, "/health", 11};
		post.body() = std::string(20'000, 'x');  // over the 8 KiB body limit
		const auto res = co_await Request(post);
		EXPECT_EQ(res.result_int(), 413u);
		EXPECT_NE(res.body().find("\"error\""), std::string::npos);

		beast::tcp_stream stream(co_await asio::this_coro::executor);
		co_await stream.async_connect(Endpoint(), use_awaitable);
		http::request<http::string_body> head{http::verb::head, "/metrics", 11};
		head.set(http::field::host, "x");
		co_await http::async_write(stream, head, use_awaitable);
		beast::flat_buffer buffer;
		http::response_parser<http::empty_body> parser;
		parser.skip(true);  // a HEAD response has no body whatever Content-Length says
		co_await http::async_read(stream, buffer, parser, use_awaitable);
		EXPECT_EQ(parser.get().result_int(), 200u);
		EXPECT_GT(std::stoul(std::string(parser.get()[http::field::content_length])), 100u);
	}());
}

TEST_F(ServerTest, OversizedMessageIsClosedWith1009) {
	ServerSettings settings;
	settings.max_message_bytes = 1000;
	StartServer(settings);
	RunClient([&]() -> awaitable<void> {
		auto ws = co_await Connect("/socket/websocket?vsn=2.0.0");
		co_await ws->async_write(asio::buffer(std::string(999, 'a')), use_awaitable);
		co_await ws->async_write(asio::buffer(std::string(2000, 'b')), use_awaitable);
		const auto messages = co_await ReadUntilClosed(*ws, false);
		EXPECT_EQ(messages.size(), 1u);  // the echo of the message within the limit
		EXPECT_EQ(ws->reason().code, 1009);
	}());
	RunUntil([&] { return seen_.closed == 1; });
	EXPECT_EQ(seen_.texts.size(), 1u);
	EXPECT_EQ(seen_.closed, 1);
}

TEST_F(ServerTest, ABurstOverTheCapDoesNotCutOffAClientThatReads) {
	ServerSettings settings;
	settings.send_queue_cap_bytes = 1000;  // the burst below is 50 times that
	StartServer(settings);
	const auto slow_before = GlobalMetrics().slow_client_closes.load();
	RunClient([&]() -> awaitable<void> {
		auto ws = co_await Connect("/socket/websocket");
		co_await ws->async_write(asio::buffer(std::string("flood:50:1000")), use_awaitable);
		for (int i = 0; i < 50; ++i) {
			beast::flat_buffer buffer;
			co_await ws->async_read(buffer, use_awaitable);
			EXPECT_EQ(buffer.size(), 1000u);
		}
		co_await ws->async_close(websocket::close_code::normal, use_awaitable);
	}());
	EXPECT_EQ(GlobalMetrics().slow_client_closes.load(), slow_before);
}

TEST_F(ServerTest, ClientThatStopsReadingIsClosedAsSlowWithoutDelayingOthers) {
	ServerSettings settings;
	settings.send_queue_cap_bytes = 16u << 20;
	settings.slow_client_window = 200ms;
	settings.sweep_interval = 20ms;
	StartServer(settings);
	const auto slow_before = GlobalMetrics().slow_client_closes.load();
	RunClient([&]() -> awaitable<void> {
		auto slow = co_await Connect("/socket/websocket");
		// 48 MB in one burst (under the 64 MiB hard cap, so the window rule judges it): far more than the
		// socket buffers take.
		co_await slow->async_write(asio::buffer(std::string("flood:48:1000000")), use_awaitable);

		// Not reading, the slow client stalls its write; another client is served meanwhile.
		auto other = co_await Connect("/socket/websocket");
		co_await other->async_write(asio::buffer(std::string("still here")), use_awaitable);
		beast::flat_buffer buffer;
		co_await other->async_read(buffer, use_awaitable);
		EXPECT_EQ(beast::buffers_to_string(buffer.data()), "<still here>");

		asio::steady_timer poll(co_await asio::this_coro::executor);
		const auto deadline = std::chrono::steady_clock::now() + 5s;
		while (GlobalMetrics().slow_client_closes.load() == slow_before && std::chrono::steady_clock::now() < deadline) {
			poll.expires_after(10ms);
			co_await poll.async_wait(use_awaitable);
		}
		EXPECT_EQ(GlobalMetrics().slow_client_closes.load(), slow_before + 1);

		// Reading again, it gets what the socket already held, then the close: the queue was dropped.
		const auto messages = co_await ReadUntilClosed(*slow);
		EXPECT_LT(messages.size(), 48u);
		EXPECT_EQ(slow->reason().code, 4008);

		co_await other->async_close(websocket::close_code::normal, use_awaitable);
	}());
	RunUntil([&] { return seen_.closed == 2; });
	EXPECT_EQ(seen_.closed, 2);
}

TEST_F(ServerTest, SmallCapReallyBoundsAClientPastFourTimesItIsClosedAtOnce) {
	ServerSettings settings;
	settings.send_queue_cap_bytes = 64 * 1024;  // the hard cap was floored at 64 MiB whatever this said
	settings.sweep_interval = 1h;               // no sweep: only the hard cap can act
	StartServer(settings);
	const auto slow_before = GlobalMetrics().slow_client_closes.load();
	RunClient([&]() -> awaitable<void> {
		auto ws = co_await Connect("/socket/websocket");
		// 2 MB in one burst: well under the old 64 MiB floor, over 4 x 64 KiB.
		co_await ws->async_write(asio::buffer(std::string("flood:32:65536")), use_awaitable);
		const auto messages = co_await ReadUntilClosed(*ws);
		EXPECT_LT(messages.size(), 32u);
		EXPECT_EQ(ws->reason().code, 4008);
	}());
	EXPECT_EQ(GlobalMetrics().slow_client_closes.load(), slow_before + 1);
}

TEST_F(ServerTest, MaxConnectionsAllowsNRefusesNPlusOneWith503AndAClosedOneFreesItsSlot) {
	ServerSettings settings;
	settings.max_connections = 3;
	StartServer(settings);
	const auto refused_before = GlobalMetrics().connections_refused.load();
	RunClient([&]() -> awaitable<void> {
		std::vector<std::unique_ptr<websocket::stream<beast::tcp_stream>>> open;
		for (int i = 0; i < 3; ++i) open.push_back(co_await Connect("/socket/websocket"));

		auto res = co_await Request(UpgradeRequest("/socket/websocket"));
		EXPECT_EQ(res.result_int(), 503u);
		EXPECT_EQ(res[http::field::content_type], "application/json");
		const auto body = boost::json::parse(res.body()).as_object();
		EXPECT_NE(std::string(body.at("error").as_string()).find("MAX_CONNECTIONS (3)"), std::string::npos)
			<< res.body();
		EXPECT_FALSE(res.keep_alive());

		// Plain HTTP takes no slot: /health still answers at the limit, and shows it.
		http::request<http::string_body> health{http::verb::get, "/health", 11};
		const auto status = boost::json::parse((co_await Request(health)).body()).as_object();
		EXPECT_EQ(status.at("connections").at("max").to_number<std::uint64_t>(), 3u);
		EXPECT_GE(status.at("connections").at("refused_total").to_number<std::uint64_t>(), 1u);

		co_await open[0]->async_close(websocket::close_code::normal, use_awaitable);  // waits for the server's close
		// The slot is free once the server saw the connection end.
		asio::steady_timer poll(co_await asio::this_coro::executor);
		const auto deadline = std::chrono::steady_clock::now() + 5s;
		while (seen_.closed < 1 && std::chrono::steady_clock::now() < deadline) {
			poll.expires_after(5ms);
			co_await poll.async_wait(use_awaitable);
		}
		open[0] = co_await Connect("/socket/websocket");
		auto again = co_await Request(UpgradeRequest("/socket/websocket"));
		EXPECT_EQ(again.result_int(), 503u);
		for (auto& ws : open) co_await ws->async_close(websocket::close_code::normal, use_awaitable);
	}());
	EXPECT_EQ(GlobalMetrics().connections_refused.load(), refused_before + 2);
}

TEST_F(ServerTest, OverMaxQueuedBytesTheClientFurthestBehindIsClosedFirst) {
	ServerSettings settings;
	settings.send_queue_cap_bytes = 64u << 20;  // per-client caps out of the way
	settings.max_queued_bytes = 16u << 20;
	settings.sweep_interval = 1h;
	StartServer(settings);
	const auto shed_before = GlobalMetrics().queue_limit_closes.load();
	RunClient([&]() -> awaitable<void> {
		// `behind` stops reading with 14 MB sent (the kernel takes at most ~4 MB of it: the server's send buffer
		// tops out at tcp_wmem's 4 MB and a client that never reads keeps a small receive window), so at least
		// ~10 MB stay queued. `newer` then gets an 8 MB burst: the sum passes 16 MiB while `newer` holds less
		// than `behind`, so `behind` goes, and that is enough: `newer` keeps receiving.
		auto behind = co_await Connect("/socket/websocket");
		co_await behind->async_write(asio::buffer(std::string("flood:14:1000000")), use_awaitable);
		auto newer = co_await Connect("/socket/websocket");
		co_await newer->async_write(asio::buffer(std::string("flood:8:1000000")), use_awaitable);

		for (int i = 0; i < 8; ++i) {
			beast::flat_buffer buffer;
			co_await newer->async_read(buffer, use_awaitable);
			EXPECT_EQ(buffer.size(), 1'000'000u);
		}
		co_await newer->async_close(websocket::close_code::normal, use_awaitable);
		EXPECT_LT((co_await ReadUntilClosed(*behind)).size(), 14u);
		EXPECT_EQ(behind->reason().code, 4008);
		EXPECT_EQ(behind->reason().reason, "slow client: server send queues full");
	}());
	EXPECT_EQ(GlobalMetrics().queue_limit_closes.load(), shed_before + 1);
	EXPECT_LE(GlobalMetrics().queued_bytes_peak.load(), (16u << 20) + 1'000'100u);
}

TEST_F(ServerTest, SilentClientIsClosedForIdleness) {
	ServerSettings settings;
	settings.idle_timeout = 300ms;
	settings.sweep_interval = 50ms;
	StartServer(settings);
	RunClient([&]() -> awaitable<void> {
		auto ws = co_await Connect("/socket/websocket");
		const auto start = std::chrono::steady_clock::now();
		const auto messages = co_await ReadUntilClosed(*ws);
		EXPECT_TRUE(messages.empty());
		EXPECT_EQ(ws->reason().code, 4000);
		EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
	}());
	RunUntil([&] { return seen_.closed == 1; });
	EXPECT_EQ(seen_.closed, 1);
}

TEST_F(ServerTest, MessagesKeepAClientFromBeingIdle) {
	ServerSettings settings;
	settings.idle_timeout = 400ms;
	settings.sweep_interval = 50ms;
	StartServer(settings);
	RunClient([&]() -> awaitable<void> {
		auto ws = co_await Connect("/socket/websocket");
		asio::steady_timer timer(co_await asio::this_coro::executor);
		// 8 heartbeats 100 ms apart span twice the idle timeout; each gets its echo.
		for (int i = 0; i < 8; ++i) {
			timer.expires_after(100ms);
			co_await timer.async_wait(use_awaitable);
			co_await ws->async_write(asio::buffer(std::string("hb")), use_awaitable);
			beast::flat_buffer buffer;
			co_await ws->async_read(buffer, use_awaitable);
			EXPECT_EQ(beast::buffers_to_string(buffer.data()), "<hb>");
		}
		co_await ws->async_close(websocket::close_code::normal, use_awaitable);
	}());
	EXPECT_EQ(seen_.texts.size(), 8u);
}

TEST_F(ServerTest, StopClosesClientsWithGoingAwayAndDrainsTheLoop) {
	StartServer();
	RunClient([&]() -> awaitable<void> {
		auto ws = co_await Connect("/socket/websocket");
		server_->Stop();
		const auto messages = co_await ReadUntilClosed(*ws);
		EXPECT_EQ(ws->reason().code, 1001);
	}());
	// With every client gone and the acceptor closed, the network stage leaves no work behind.
	ioc_.run_for(5s);
	EXPECT_TRUE(ioc_.stopped());
	EXPECT_EQ(seen_.closed, 1);
}

TEST_F(ServerTest, StopTearsDownAClientThatNeverAnswersTheClose) {
	ServerSettings settings;
	settings.close_timeout = 200ms;
	settings.sweep_interval = 50ms;
	StartServer(settings);
	std::unique_ptr<websocket::stream<beast::tcp_stream>> ws;
	RunClient([&]() -> awaitable<void> { ws = co_await Connect("/socket/websocket"); }());
	server_->Stop();
	// The client never reads, so it never answers the close frame.
	ioc_.run_for(5s);
	EXPECT_TRUE(ioc_.stopped());
	EXPECT_EQ(seen_.closed, 1);
}

TEST(ServerBind, PortInUseIsAClearError) {
	asio::io_context ioc;
	Server first(ioc, "127.0.0.1", 0, HandlerFactory{});
	try {
		Server second(ioc, "127.0.0.1", first.port(), HandlerFactory{});
		FAIL() << "second bind succeeded";
	} catch (const std::runtime_error& e) {
		EXPECT_EQ(std::string(e.what()), "bind: " + std::system_category().message(EADDRINUSE));
	}
}

TEST(ServerBind, BadAddressIsAClearError) {
	asio::io_context ioc;
	try {
		Server server(ioc, "999.1.2.3", 0, HandlerFactory{});
		FAIL() << "bound to a bad address";
	} catch (const std::runtime_error& e) {
		EXPECT_EQ(std::string(e.what()).rfind("bad bind address '999.1.2.3': ", 0), 0u) << e.what();
	}
	EXPECT_THROW(Server(ioc, "203.0.113.7", 0, HandlerFactory{}), std::runtime_error);  // not ours
}

}  // namespace
}  // namespace walcast::net
