#include "client_pool.hpp"

namespace loadgen {

ClientPool::ClientPool(ClientConfig config, int threads, std::vector<asio::ip::address> sources)
    : config_(std::move(config)), sources_(std::move(sources)) {
	for (int i = 0; i < std::max(1, threads); ++i) workers_.push_back(std::make_unique<Worker>());
}

ClientPool::~ClientPool() { Stop(); }

void ClientPool::Open(std::size_t count, std::size_t in_flight) {
	const std::size_t n = workers_.size();
	for (std::size_t i = 0; i < count; ++i) {
		Worker& w = *workers_[i % n];
		std::optional<asio::ip::address> source;
		if (!sources_.empty()) source = sources_[i % sources_.size()];
		w.clients.push_back(std::make_shared<WsClient>(w.io, config_, w.stats, i, source, [this, &w] { StartNext(w); }));
	}
	const std::size_t window = std::max<std::size_t>(1, in_flight / n);
	for (auto& worker : workers_) {
		Worker& w = *worker;
		asio::post(w.io, [this, &w, window] {
			for (std::size_t k = 0; k < window; ++k) StartNext(w);
		});
		w.thread = std::thread([&w] {
			auto guard = asio::make_work_guard(w.io);
			w.io.run();
		});
	}
}

// Runs on the worker's thread: each client that settles (ready or failed) lets the next one connect.
void ClientPool::StartNext(Worker& w) {
	if (w.next < w.clients.size()) w.clients[w.next++]->Start();
}

PoolTotals ClientPool::Totals() {
	PoolTotals t;
	for (auto& w : workers_) {
		auto& s = w->stats;
		t.ready += s.ready.load(std::memory_order_relaxed);
		t.failed += s.failed.load(std::memory_order_relaxed);
		t.closed += s.closed.load(std::memory_order_relaxed);
		t.probed += s.probed.load(std::memory_order_relaxed);
		t.measured += s.measured.load(std::memory_order_relaxed);
		t.warm += s.warm.load(std::memory_order_relaxed);
		t.out_of_order += s.out_of_order.load(std::memory_order_relaxed);
		t.sub_errors += s.sub_errors.load(std::memory_order_relaxed);
		t.stale += s.stale.load(std::memory_order_relaxed);
		t.last_arrival_ns = std::max(t.last_arrival_ns, s.last_arrival_ns.load(std::memory_order_relaxed));
		std::lock_guard lock(s.error_mutex);
		if (t.first_error.empty()) t.first_error = s.first_error;
	}
	return t;
}

Histogram ClientPool::Stop() {
	Histogram merged;
	if (stopped_) return merged;
	stopped_ = true;
	for (auto& worker : workers_) {
		Worker& w = *worker;
		asio::post(w.io, [&w] {
			for (auto& c : w.clients) c->Close();
			w.io.stop();
		});
	}
	for (auto& w : workers_) {
		if (w->thread.joinable()) w->thread.join();
		merged.Merge(w->stats.latency);
		w->clients.clear();
	}
	return merged;
}

}  // namespace loadgen
