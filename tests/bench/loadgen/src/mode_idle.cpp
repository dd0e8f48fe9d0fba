// idle: opens many joined connections and keeps them open; the driving script measures the server's memory,
// writes one row, and this process reports when it reached every client. Several of these processes can
// share one count (each has its own file-descriptor limit), so the exchange is line-based:
//   stdout  READY {json}     every client is joined (or failed)
//   stdout  RESULT {json}    the first row with seq > 0 reached every ready client (or the wait ran out)
//   stdin   any line or EOF  close everything and exit (also after --hold-seconds)
#include <poll.h>
#include <unistd.h>

#include <iostream>

#include <boost/json/serialize.hpp>

#include "clock.hpp"
#include "common.hpp"
#include "modes.hpp"

namespace loadgen {

int RunIdle(const Options& options) {
	ClientConfig config = ClientConfigFrom(options);
	const auto clients = std::size_t(options.Int("clients", 100));
	const long fd_limit = RaiseFdLimit();
	ClientPool pool(config, int(options.Int("threads", 1)), SourceAddresses(options));
	const auto open_start = MonotonicNs();
	pool.Open(clients, std::size_t(options.Int("connect-in-flight", 256)));
	const bool opened = WaitUntil([&] { auto t = pool.Totals(); return t.ready + t.failed >= clients; },
	                              std::chrono::seconds(options.Int("connect-timeout-s", 120)));
	auto totals = pool.Totals();
	boost::json::object ready{{"clients", clients}, {"fd_limit", fd_limit}, {"all_settled", opened},
	                          {"open_seconds", double(MonotonicNs() - open_start) / 1e9}, {"pool", TotalsJson(totals)}};
	std::cout << "READY " << boost::json::serialize(ready) << std::endl;

	const auto target = totals.ready;
	const bool all = WaitUntil([&] { return pool.Totals().measured >= target; },
	                           std::chrono::seconds(options.Int("wait-seconds", 60)));
	totals = pool.Totals();
	boost::json::object result{{"all_received", all}, {"pool", TotalsJson(totals)}};
	std::cout << "RESULT " << boost::json::serialize(result) << std::endl;

	// Hold until told to go (a line or EOF on stdin) or until the hold time runs out.
	const auto hold_ms = int(options.Num("hold-seconds", 60) * 1000);
	pollfd in{STDIN_FILENO, POLLIN, 0};
	poll(&in, 1, hold_ms);
	const Histogram latency = pool.Stop();
	boost::json::object done{{"latency_us", LatencyJson(latency)}, {"pool", TotalsJson(pool.Totals())}};
	std::cout << "DONE " << boost::json::serialize(done) << std::endl;
	return 0;
}

}  // namespace loadgen
