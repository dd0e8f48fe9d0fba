#include "net/dispatch_pump.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace walcast::net {
namespace {

WalEvent Event(Lsn lsn) {
	WalEvent e;
	e.lsn = lsn;
	return e;
}

TEST(DispatchPump, KeepsOrderAcrossBatchesAndSlices) {
	asio::io_context ioc;
	std::vector<Lsn> seen;
	int slices = 0;
	// A zero-length slice yields after every event: the most interleaving possible.
	DispatchPump pump(ioc, [&](const WalEvent& e) { seen.push_back(e.lsn); }, [&] { ++slices; },
	                  std::chrono::microseconds(0));
	pump.Push({Event(1), Event(2), Event(3)});
	pump.Push({});
	pump.Push({Event(4), Event(5)});
	ioc.run();
	EXPECT_EQ(seen, (std::vector<Lsn>{1, 2, 3, 4, 5}));
	EXPECT_EQ(slices, 5);
}

TEST(DispatchPump, LetsWorkQueuedDuringASliceRunBeforeTheNextSlice) {
	asio::io_context ioc;
	std::vector<std::string> order;
	DispatchPump pump(
		ioc,
		[&](const WalEvent& e) {
			order.push_back("event " + std::to_string(e.lsn));
			// What a socket write scheduled by this event looks like to the io_context.
			if (e.lsn == 1) asio::post(ioc, [&] { order.push_back("write"); });
		},
		nullptr, std::chrono::microseconds(0));
	pump.Push({Event(1), Event(2)});
	ioc.run();
	EXPECT_EQ(order, (std::vector<std::string>{"event 1", "write", "event 2"}));
}

TEST(DispatchPump, OneSliceForASmallBatchWithinTheBudget) {
	asio::io_context ioc;
	int events = 0, slices = 0;
	DispatchPump pump(ioc, [&](const WalEvent&) { ++events; }, [&] { ++slices; }, std::chrono::seconds(10));
	pump.Push({Event(1), Event(2), Event(3)});
	ioc.run();
	EXPECT_EQ(events, 3);
	EXPECT_EQ(slices, 1);
}

}  // namespace
}  // namespace walcast::net
