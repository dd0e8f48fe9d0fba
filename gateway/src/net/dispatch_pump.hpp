#pragma once
// Hands the replication stage's batches to the hub on the network thread, in slices of bounded time.
// One batch can mean a million sends (1,000 events to 1,000 subscribers); dispatched in one handler it
// kept the thread from writing to any socket for seconds, since the writes it queued only run after
// it returns. Between slices, the socket writes and reads queued meanwhile get their turn. Events keep
// their order: every batch goes through one queue, drained only by the slice in progress.

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <vector>

#include "core/wal_event.hpp"
#include "net/beast.hpp"

namespace walcast::net {

class DispatchPump {
public:
	using Dispatch = std::function<void(const WalEvent&)>;

	// `after_slice` runs after each slice that handled events (to report progress).
	// Slices only end early when the thread is overloaded (otherwise the queue empties first). They are
	// long enough that a busy client's frames still leave many to a write: each slice end lets every
	// socket flush what it has, and at 1,000 subscribers x 1k changes/s slices of 2 / 20 / 100 ms
	// delivered 221k / 395k / 696k messages/s. And short enough that nobody hears nothing for seconds.
	DispatchPump(asio::io_context& ioc, Dispatch dispatch, std::function<void()> after_slice,
	             std::chrono::microseconds slice = std::chrono::milliseconds(100));

	// Any thread. The batch is dispatched on the io_context's thread, after every batch pushed before it.
	void Push(std::vector<WalEvent> batch);

private:
	void RunSlice();  // network thread only, as is all the state below

	asio::io_context& ioc_;
	Dispatch dispatch_;
	std::function<void()> after_slice_;
	std::chrono::microseconds slice_;
	std::deque<std::vector<WalEvent>> batches_;
	std::size_t next_ = 0;  // next event of batches_.front()
	bool slice_scheduled_ = false;
};

}  // namespace walcast::net
