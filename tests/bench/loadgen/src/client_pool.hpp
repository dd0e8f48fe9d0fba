#pragma once
// N benchmark clients spread over a few io threads, opened with a bounded number of connections in flight
// (so 20,000 clients do not hit the server's accept backlog at once), with their counters summed on demand.

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ws_client.hpp"

namespace loadgen {

struct PoolTotals {
	std::uint64_t ready = 0, failed = 0, closed = 0, probed = 0, measured = 0, warm = 0, out_of_order = 0,
	              sub_errors = 0, stale = 0;
	std::int64_t last_arrival_ns = 0;
	std::string first_error;
};

class ClientPool {
public:
	ClientPool(ClientConfig config, int threads, std::vector<asio::ip::address> sources);
	~ClientPool();
	ClientPool(const ClientPool&) = delete;
	ClientPool& operator=(const ClientPool&) = delete;

	// Starts the io threads and begins opening `count` clients, at most `in_flight` connecting at a time.
	void Open(std::size_t count, std::size_t in_flight);
	PoolTotals Totals();
	// Closes every client, stops the threads and returns the merged latency histogram.
	Histogram Stop();

private:
	struct Worker {
		asio::io_context io{1};
		ThreadStats stats;
		std::vector<std::shared_ptr<WsClient>> clients;
		std::size_t next = 0;
		std::thread thread;
	};
	void StartNext(Worker& worker);

	ClientConfig config_;
	std::vector<asio::ip::address> sources_;
	std::vector<std::unique_ptr<Worker>> workers_;
	bool stopped_ = false;
};

}  // namespace loadgen
