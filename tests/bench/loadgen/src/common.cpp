#include "common.hpp"

#include <sys/resource.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "clock.hpp"

namespace loadgen {

ClientConfig ClientConfigFrom(const Options& options) {
	ClientConfig c;
	const auto url = options.Required("url");
	auto target = ParseWsUrl(url);
	if (!target) throw std::invalid_argument("--url: expected ws://host:port/path, got '" + url + "'");
	c.target = *target;
	const auto protocol_name = options.Str("protocol", "phoenix");
	auto protocol = ParseProtocol(protocol_name);
	if (!protocol) throw std::invalid_argument("--protocol: phoenix, lds or raw, got '" + protocol_name + "'");
	c.protocol = *protocol;
	c.schema = options.Str("schema", "public");
	c.table = options.Str("table", "bench");
	c.topic = options.Str("topic", "bench");
	c.distinct_topics = options.Str("topics", "shared") == "distinct";
	c.heartbeat_ms = int(options.Int("heartbeat-ms", 25'000));
	c.not_before_ns = MonotonicNs();
	c.join_payload = options.Str("join-payload", "");
	if (const auto path = options.Str("tokens-file", ""); !path.empty()) {
		std::ifstream in(path);
		if (!in) throw std::invalid_argument("--tokens-file: cannot read '" + path + "'");
		for (std::string line; std::getline(in, line);)
			if (!line.empty()) c.access_tokens.push_back(line);
	}
	return c;
}

std::vector<asio::ip::address> SourceAddresses(const Options& options) {
	std::vector<asio::ip::address> out;
	std::istringstream list(options.Str("sources", ""));
	std::string item;
	while (std::getline(list, item, ',')) {
		if (item.empty()) continue;
		beast::error_code ec;
		auto address = asio::ip::make_address(item, ec);
		if (ec || !address.is_loopback()) throw std::invalid_argument("--sources: not a loopback address: '" + item + "'");
		out.push_back(address);
	}
	return out;
}

std::vector<WatchedProcess> WatchedFrom(const Options& options) {
	std::vector<WatchedProcess> out;
	for (const auto& spec : options.All("watch")) {
		const auto eq = spec.find('=');
		if (eq == std::string::npos) throw std::invalid_argument("--watch: expected name=pid, got '" + spec + "'");
		out.push_back({spec.substr(0, eq), std::stoi(spec.substr(eq + 1)), std::nullopt});
	}
	return out;
}

long RaiseFdLimit() {
	rlimit lim{};
	getrlimit(RLIMIT_NOFILE, &lim);
	lim.rlim_cur = lim.rlim_max;
	setrlimit(RLIMIT_NOFILE, &lim);
	getrlimit(RLIMIT_NOFILE, &lim);
	return long(lim.rlim_cur);
}

bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
	const auto deadline = std::chrono::steady_clock::now() + timeout;
	while (!done()) {
		if (std::chrono::steady_clock::now() >= deadline) return false;
		std::this_thread::sleep_for(std::chrono::milliseconds(2));
	}
	return true;
}

boost::json::object LatencyJson(const Histogram& h) {
	auto us = [](std::uint64_t ns) { return double(ns) / 1000.0; };
	return {{"count", h.Count()},          {"p50", us(h.Quantile(0.50))},   {"p95", us(h.Quantile(0.95))},
	        {"p99", us(h.Quantile(0.99))}, {"p999", us(h.Quantile(0.999))}, {"max", us(h.Max())},
	        {"mean", h.Mean() / 1000.0}};
}

boost::json::object TotalsJson(const PoolTotals& t) {
	return {{"ready", t.ready},       {"failed", t.failed},           {"closed", t.closed},
	        {"probed", t.probed},     {"received", t.measured},       {"warm_received", t.warm},
	        {"out_of_order", t.out_of_order}, {"subscribe_errors", t.sub_errors}, {"stale", t.stale}, {"first_error", t.first_error}};
}

}  // namespace loadgen
