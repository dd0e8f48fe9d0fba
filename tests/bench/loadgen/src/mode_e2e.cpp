// e2e: N subscribed clients, rows written at a fixed rate from one libpq connection, latency from just
// before each commit to each client, delivered messages/s, and the CPU/RSS of the watched processes.
#include <unistd.h>

#include <iostream>

#include <boost/json/serialize.hpp>

#include "clock.hpp"
#include "common.hpp"
#include "modes.hpp"
#include "row_writer.hpp"

namespace loadgen {

int RunE2e(const Options& options) {
	ClientConfig config = ClientConfigFrom(options);
	const auto clients = std::size_t(options.Int("clients", 1));
	const double rate = options.Num("rate", 1000);
	const double seconds = options.Num("seconds", 5);
	const double warmup = options.Num("warmup-seconds", 1);
	const auto warm_rows = std::int64_t(rate * warmup);
	const auto rows = std::max<std::int64_t>(1, std::int64_t(rate * seconds));
	config.warm_rows = warm_rows;
	const long fd_limit = RaiseFdLimit();
	auto watched = WatchedFrom(options);

	RowWriter writer(options.Required("conninfo"), config.table, int(options.Int("body-bytes", 64)));
	watched.push_back({"writer_backend", writer.BackendPid(), std::nullopt});
	watched.push_back({"loadgen", int(getpid()), std::nullopt});

	boost::json::object out{{"mode", "e2e"},  {"protocol", options.Str("protocol", "phoenix")},
	                        {"clients", clients}, {"rate", rate}, {"rows", rows}, {"fd_limit", fd_limit}};
	ClientPool pool(config, int(options.Int("threads", 1)), SourceAddresses(options));
	const auto open_start = MonotonicNs();
	pool.Open(clients, std::size_t(options.Int("connect-in-flight", 256)));
	const bool opened = WaitUntil([&] { auto t = pool.Totals(); return t.ready + t.failed >= clients; },
	                              std::chrono::seconds(options.Int("connect-timeout-s", 60)));
	out["open_seconds"] = double(MonotonicNs() - open_start) / 1e9;
	auto totals = pool.Totals();
	// Rows below zero are probes: written until every ready client has heard one, so a peer's
	// subscription is known to be live before anything is timed (lds and NOTIFY send no subscription reply).
	std::int64_t probe = 0;
	const bool probed = opened && totals.ready > 0 && WaitUntil([&] {
		writer.Insert(probe - 1, probe - 1);
		--probe;
		return WaitUntil([&] { return pool.Totals().probed >= pool.Totals().ready; }, std::chrono::milliseconds(100));
	}, std::chrono::seconds(options.Int("probe-timeout-s", 30)));
	if (!probed) {
		out["error"] = opened ? "not every client heard a probe row within the probe timeout" : "clients did not all connect in time";
		out["pool"] = TotalsJson(pool.Totals());
		pool.Stop();
		std::cout << boost::json::serialize(out) << std::endl;
		return 2;
	}
	const auto ready = pool.Totals().ready;

	if (warm_rows > 0) writer.WriteAtRate(1, warm_rows, rate, options.Int("max-batch", 1000));
	StartWindow(watched);
	const WriteReport write = writer.WriteAtRate(warm_rows + 1, rows, rate, options.Int("max-batch", 1000));

	// Drain: until every client has every measured row, nothing more arrives for drain-seconds, or
	// drain-max-seconds have passed (an overloaded server may trickle a backlog for minutes).
	const std::uint64_t expected = ready * std::uint64_t(rows);
	const auto drain_quiet = std::chrono::milliseconds(std::int64_t(options.Num("drain-seconds", 5) * 1000));
	const auto drain_deadline = std::chrono::steady_clock::now() +
	                            std::chrono::milliseconds(std::int64_t(options.Num("drain-max-seconds", 30) * 1000));
	auto ends = SampleAll(watched);
	std::int64_t end_ns = MonotonicNs();
	// Progress is any row arriving (a backlog of warm-up rows still ahead of the measured ones counts).
	auto arrived = [&pool] { auto t = pool.Totals(); return t.measured + t.warm; };
	std::uint64_t last_count = pool.Totals().measured, last_arrived = arrived();
	auto last_progress = std::chrono::steady_clock::now();
	while (last_count < expected && std::chrono::steady_clock::now() - last_progress < drain_quiet &&
	       std::chrono::steady_clock::now() < drain_deadline) {
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
		const auto now_count = pool.Totals().measured, now_arrived = arrived();
		if (now_arrived != last_arrived) {
			last_arrived = now_arrived;
			last_progress = std::chrono::steady_clock::now();
		}
		if (now_count != last_count) {
			last_count = now_count;
			ends = SampleAll(watched);
			end_ns = MonotonicNs();
		}
	}
	if (last_count >= expected) {
		ends = SampleAll(watched);
		end_ns = MonotonicNs();
	}
	totals = pool.Totals();
	const Histogram latency = pool.Stop();

	const double window = double(end_ns - write.first_sent_ns) / 1e9;
	const double delivery_seconds = double(std::max(totals.last_arrival_ns, write.first_sent_ns) - write.first_sent_ns) / 1e9;
	out["pool"] = TotalsJson(totals);
	out["write"] = {{"rows", write.rows},
	                {"transactions", write.transactions},
	                {"seconds", write.Seconds()},
	                {"achieved_rate", write.rows / std::max(1e-9, write.Seconds())},
	                {"rows_per_transaction", double(write.rows) / double(std::max<std::int64_t>(1, write.transactions))},
	                {"commit_latency_us", LatencyJson(write.commit_latency)}};
	out["delivered"] = {{"expected", expected},
	                    {"received", totals.measured},
	                    {"lost", expected - std::min(expected, totals.measured)},
	                    {"seconds", delivery_seconds},
	                    {"messages_per_s", delivery_seconds > 0 ? double(totals.measured) / delivery_seconds : 0.0}};
	out["latency_us"] = LatencyJson(latency);
	out["processes"] = WindowJson(watched, ends, window);
	out["window_seconds"] = window;
	std::cout << boost::json::serialize(out) << std::endl;
	return 0;
}

}  // namespace loadgen
