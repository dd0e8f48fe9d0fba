// broadcast: one sender pushes K broadcasts on a topic that M clients have joined; how many deliveries per
// second reach them. The subscribers join with --join-payload (+ --tokens-file access tokens) through the
// client pool and count every message carrying `seq`/`sent_ns`; the sender is one more connection joined with
// the same payload (and --sender-token), writing on this thread as fast as the socket takes it (no acks, no
// self-delivery). Probe messages (seq <= 0) go first until every subscriber has heard one, so a private
// channel's lazy write check and every join are behind us before anything is timed. Deliveries/s is what all
// subscribers received over the time from the first measured send to the last arrival.
//   --url ws://...?apikey=..&vsn=2.0.0 --clients M --messages K --topic T --join-payload JSON
//   [--tokens-file PATH] [--sender-token JWT] [--watch gateway=PID]
#include <unistd.h>

#include <iostream>

#include <boost/json/serialize.hpp>

#include "clock.hpp"
#include "common.hpp"
#include "join_client.hpp"
#include "modes.hpp"

namespace loadgen {

namespace {

// The sending connection: blocking writes on the driver thread.
class Sender {
public:
	Sender(const Target& target, std::string topic) : target_(target), topic_(std::move(topic)), ws_(io_) {}

	// Connects and joins; throws with the server's answer when the join is refused.
	void Join(const std::string& payload) {
		tcp::endpoint server(asio::ip::make_address(target_.host), target_.port);
		ws_.next_layer().connect(server);
		ws_.next_layer().set_option(tcp::no_delay(true));
		ws_.text(true);
		ws_.handshake(target_.host + ":" + std::to_string(target_.port), target_.path);
		ws_.write(asio::buffer("[\"s\",\"s\",\"realtime:" + topic_ + "\",\"phx_join\"," + payload + "]"));
		for (;;) {
			beast::flat_buffer in;
			ws_.read(in);
			const auto text = beast::buffers_to_string(in.cdata());
			if (text.rfind("[\"s\",\"s\",", 0) != 0 || text.find("\"phx_reply\"") == std::string::npos) continue;
			if (text.find("\"status\":\"ok\"") == std::string::npos)
				throw std::runtime_error("sender's join refused: " + text.substr(0, 300));
			return;
		}
	}

	void Send(std::int64_t seq) {
		const auto ref = std::to_string(++ref_);
		ws_.write(asio::buffer("[\"s\",\"" + ref + "\",\"realtime:" + topic_ +
		                       "\",\"broadcast\",{\"type\":\"broadcast\",\"event\":\"b\",\"payload\":{\"seq\":" +
		                       std::to_string(seq) + ",\"sent_ns\":" + std::to_string(MonotonicNs()) + "}}]"));
	}

private:
	const Target& target_;
	std::string topic_;
	asio::io_context io_;
	websocket::stream<tcp::socket> ws_;
	std::uint64_t ref_ = 0;
};

}  // namespace

int RunBroadcast(const Options& options) {
	ClientConfig config = ClientConfigFrom(options);
	if (config.join_payload.empty()) throw std::invalid_argument("--join-payload is required");
	const auto clients = std::size_t(options.Int("clients", 100));
	const auto messages = std::max<std::int64_t>(1, options.Int("messages", 1000));
	RaiseFdLimit();
	auto watched = WatchedFrom(options);
	watched.push_back({"loadgen", int(getpid()), std::nullopt});

	boost::json::object out{{"mode", "broadcast"}, {"clients", clients}, {"messages", messages}};
	ClientPool pool(config, int(options.Int("threads", 1)), {});
	pool.Open(clients, std::size_t(options.Int("connect-in-flight", 256)));
	const bool opened = WaitUntil([&] { auto t = pool.Totals(); return t.ready + t.failed >= clients; },
	                              std::chrono::seconds(options.Int("connect-timeout-s", 60)));
	auto fail = [&](const std::string& why) {
		out["error"] = why;
		out["pool"] = TotalsJson(pool.Totals());
		pool.Stop();
		std::cout << boost::json::serialize(out) << std::endl;
		return 2;
	};
	if (!opened || pool.Totals().ready < clients) return fail("not every subscriber joined");

	Sender sender(config.target, config.topic);
	sender.Join(JoinPayloadWithToken(config.join_payload, options.Str("sender-token", "")));
	std::int64_t probe = 0;
	const bool probed = WaitUntil([&] {
		sender.Send(--probe);
		return WaitUntil([&] { return pool.Totals().probed >= clients; }, std::chrono::milliseconds(100));
	}, std::chrono::seconds(options.Int("probe-timeout-s", 30)));
	if (!probed) return fail("not every subscriber heard a probe broadcast");

	StartWindow(watched);
	const auto first_sent = MonotonicNs();
	for (std::int64_t seq = 1; seq <= messages; ++seq) sender.Send(seq);
	const auto sent_seconds = double(MonotonicNs() - first_sent) / 1e9;
	const std::uint64_t expected = clients * std::uint64_t(messages);
	// Until everything arrived, or nothing more did for drain-seconds.
	std::uint64_t last = pool.Totals().measured;
	auto last_progress = std::chrono::steady_clock::now();
	const auto quiet = std::chrono::milliseconds(std::int64_t(options.Num("drain-seconds", 3) * 1000));
	while (last < expected && std::chrono::steady_clock::now() - last_progress < quiet) {
		std::this_thread::sleep_for(std::chrono::milliseconds(2));
		if (const auto now = pool.Totals().measured; now != last) {
			last = now;
			last_progress = std::chrono::steady_clock::now();
		}
	}
	const auto ends = SampleAll(watched);
	const auto totals = pool.Totals();
	const Histogram latency = pool.Stop();
	const double seconds = double(std::max(totals.last_arrival_ns, first_sent) - first_sent) / 1e9;
	out["pool"] = TotalsJson(totals);
	out["sent_seconds"] = sent_seconds;
	out["delivered"] = {{"expected", expected},
	                    {"received", totals.measured},
	                    {"lost", expected - std::min(expected, totals.measured)},
	                    {"seconds", seconds},
	                    {"messages_per_s", seconds > 0 ? double(totals.measured) / seconds : 0.0}};
	out["latency_us"] = LatencyJson(latency);
	out["processes"] = WindowJson(watched, ends, seconds);
	std::cout << boost::json::serialize(out) << std::endl;
	return 0;
}

}  // namespace loadgen
