// joins: how fast the server answers channel joins. N connections each hold C channels; every round, all
// connections send their C joins at once (pipelined) and the round lasts from the first send to the last
// answer; between rounds every joined channel is left (not timed). Round 0 is the first join of each
// (topic, token); later rounds are rejoins of the same ones, so a server that caches per-token decisions
// answers them warm. The CPU of the watched processes (the server) and of this process is read per round.
//   --url ws://...?apikey=..&vsn=2.0.0 --clients N --channels C --rounds R
//   --joins-file PATH    N*C lines "topic<TAB>access_token" (token may be empty); client i has lines i*C..i*C+C-1
//   --join-payload JSON  the phx_join payload (an access_token is added per channel when given)
#include <unistd.h>

#include <fstream>
#include <iostream>

#include <boost/json/serialize.hpp>

#include "clock.hpp"
#include "common.hpp"
#include "join_client.hpp"
#include "modes.hpp"

namespace loadgen {

namespace {

std::vector<ChannelJoin> ReadJoins(const std::string& path) {
	std::ifstream in(path);
	if (!in) throw std::invalid_argument("--joins-file: cannot read '" + path + "'");
	std::vector<ChannelJoin> out;
	std::string line;
	while (std::getline(in, line)) {
		if (line.empty()) continue;
		const auto tab = line.find('\t');
		out.push_back(tab == std::string::npos ? ChannelJoin{line, ""}
		                                       : ChannelJoin{line.substr(0, tab), line.substr(tab + 1)});
	}
	return out;
}

}  // namespace

int RunJoins(const Options& options) {
	const auto url = options.Required("url");
	const auto target = ParseWsUrl(url);
	if (!target) throw std::invalid_argument("--url: expected ws://host:port/path, got '" + url + "'");
	const auto clients = std::size_t(options.Int("clients", 100));
	const auto channels = std::size_t(options.Int("channels", 5));
	const int rounds = int(options.Int("rounds", 3));
	const auto payload = options.Str("join-payload", "{\"config\":{\"broadcast\":{\"self\":false},"
	                                                 "\"presence\":{\"enabled\":false},\"postgres_changes\":[],"
	                                                 "\"private\":false}}");
	const auto joins = ReadJoins(options.Required("joins-file"));
	if (joins.size() < clients * channels)
		throw std::invalid_argument("--joins-file: " + std::to_string(joins.size()) + " lines for " +
		                            std::to_string(clients * channels) + " joins");
	const auto phase_timeout = std::chrono::seconds(options.Int("phase-timeout-s", 60));
	RaiseFdLimit();
	auto watched = WatchedFrom(options);
	watched.push_back({"loadgen", int(getpid()), std::nullopt});

	JoinStats stats;
	std::vector<std::unique_ptr<asio::io_context>> ios;
	for (int i = 0; i < std::max<int>(1, int(options.Int("threads", 1))); ++i)
		ios.push_back(std::make_unique<asio::io_context>(1));
	std::vector<std::shared_ptr<JoinClient>> pool;
	for (std::size_t i = 0; i < clients; ++i) {
		std::vector<ChannelJoin> mine(joins.begin() + std::ptrdiff_t(i * channels),
		                              joins.begin() + std::ptrdiff_t((i + 1) * channels));
		pool.push_back(std::make_shared<JoinClient>(*ios[i % ios.size()], *target, std::move(mine), payload, stats));
	}
	std::vector<std::thread> threads;
	std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
	for (auto& io : ios) {
		guards.push_back(asio::make_work_guard(*io));
		threads.emplace_back([&io] { io->run(); });
	}
	// Runs `what` on every client, each on its own io thread.
	auto each = [&](auto what) {
		for (std::size_t i = 0; i < pool.size(); ++i)
			asio::post(*ios[i % ios.size()], [c = pool[i], what] { what(*c); });
	};

	boost::json::object out{{"mode", "joins"}, {"clients", clients}, {"channels", channels}, {"rounds", rounds}};
	StartWindow(watched);
	const auto connect_start = MonotonicNs();
	each([](JoinClient& c) { c.Connect(); });
	const bool connected = WaitUntil([&] { return stats.connected + stats.connect_failed >= clients; }, phase_timeout);
	const double connect_seconds = double(MonotonicNs() - connect_start) / 1e9;
	out["connect"] = {{"connected", stats.connected.load()},
	                  {"failed", stats.connect_failed.load()},
	                  {"all_settled", connected},
	                  {"seconds", connect_seconds},
	                  {"per_s", double(stats.connected.load()) / std::max(1e-9, connect_seconds)},
	                  {"processes", WindowJson(watched, SampleAll(watched), connect_seconds)}};

	boost::json::array round_reports;
	std::uint64_t phases = 0;
	bool complete = connected && stats.connect_failed == 0;
	for (int round = 0; complete && round < rounds; ++round) {
		const auto ok_before = stats.ok.load(), refused_before = stats.refused.load();
		StartWindow(watched);
		const auto start = MonotonicNs();
		stats.last_answer_ns = start;
		each([round](JoinClient& c) { c.JoinAll(round); });
		++phases;
		complete = WaitUntil([&] { return stats.settled >= phases * clients; }, phase_timeout);
		const auto ends = SampleAll(watched);
		const double seconds = double(stats.last_answer_ns.load() - start) / 1e9;
		const auto ok = stats.ok.load() - ok_before, refused = stats.refused.load() - refused_before;
		round_reports.push_back({{"round", round},
		                         {"seconds", seconds},
		                         {"ok", ok},
		                         {"refused", refused},
		                         {"complete", complete},
		                         {"joins_per_s", seconds > 0 ? double(ok + refused) / seconds : 0.0},
		                         {"processes", WindowJson(watched, ends, seconds)}});
		if (!complete || round + 1 == rounds) break;
		each([round](JoinClient& c) { c.LeaveAll(round); });
		++phases;
		complete = WaitUntil([&] { return stats.settled >= phases * clients; }, phase_timeout);
	}
	out["round_reports"] = std::move(round_reports);
	out["complete"] = complete;
	out["lost"] = stats.lost.load();
	{
		std::lock_guard lock(stats.error_mutex);
		out["first_error"] = stats.first_error;
	}
	each([](JoinClient& c) { c.Close(); });
	guards.clear();
	for (auto& io : ios) io->stop();
	for (auto& t : threads) t.join();
	std::cout << boost::json::serialize(out) << std::endl;
	return complete ? 0 : 2;
}

}  // namespace loadgen
