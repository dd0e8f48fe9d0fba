// Runs the gateway's real ReplicationStream against a real database with a consumer whose hand-over fails
// on chosen calls (std::bad_alloc, as a failed allocation while posting would). Prints the JSON of every
// change handed over, one per line on stdout; the stream's log goes to stderr. Exits after stdin closes.
// Driven by tests/gateway/test_stream_faults.py, which checks that nothing is lost, nothing repeated, and
// the slot's confirmed position still moves on.
//
// Usage: stream_fault_probe <host> <port> <dbname> <user> <slot> <publication> <failing call numbers, e.g. 2,5>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <new>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/delivery_progress.hpp"
#include "core/log.hpp"
#include "replication/stream.hpp"

namespace {

std::set<int> ParseCalls(const std::string& text) {
	std::set<int> calls;
	std::istringstream in(text);
	for (std::string item; std::getline(in, item, ',');)
		if (!item.empty()) calls.insert(std::stoi(item));
	return calls;
}

}  // namespace

int main(int argc, char** argv) {
	if (argc != 8) {
		std::cerr << "usage: stream_fault_probe host port dbname user slot publication failing-calls\n";
		return 2;
	}
	walcast::log::SetLevel(walcast::log::Level::debug);
	walcast::replication::StreamSettings settings;
	settings.host = argv[1];
	settings.port = argv[2];
	settings.dbname = argv[3];
	settings.user = argv[4];
	settings.slot = argv[5];
	settings.publication = argv[6];
	settings.status_interval = std::chrono::milliseconds(100);
	settings.max_backoff = std::chrono::milliseconds(200);
	const std::set<int> failing = ParseCalls(argv[7]);

	walcast::DeliveryProgress progress;
	int calls = 0;
	// The consumer handles each batch at once, on the replication thread: as the gateway's hub would,
	// only without the hop to another thread.
	walcast::replication::ReplicationStream stream(settings, progress, [&](std::vector<walcast::WalEvent> batch) {
		++calls;
		if (failing.count(calls)) {
			std::cerr << "probe: failing hand-over call " << calls << " (" << batch.size() << " events)" << std::endl;
			throw std::bad_alloc();
		}
		for (const auto& event : batch) {
			if (event.kind == walcast::WalEventKind::Change) std::cout << *event.json << '\n';
			progress.MarkHandled(event);
		}
		std::cout.flush();
	});
	stream.Start();
	for (std::string line; std::getline(std::cin, line);) {
	}
	stream.Stop();
	return 0;
}
