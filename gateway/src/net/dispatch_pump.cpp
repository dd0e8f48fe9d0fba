#include "net/dispatch_pump.hpp"

#include <utility>

namespace walcast::net {

namespace {
// Reading the clock per event would cost more than routing a small change to one client.
constexpr std::size_t kEventsBetweenClockChecks = 8;
}  // namespace

DispatchPump::DispatchPump(asio::io_context& ioc, Dispatch dispatch, std::function<void()> after_slice,
                           std::chrono::microseconds slice)
	: ioc_(ioc), dispatch_(std::move(dispatch)), after_slice_(std::move(after_slice)), slice_(slice) {}

void DispatchPump::Push(std::vector<WalEvent> batch) {
	asio::post(ioc_, [this, batch = std::move(batch)]() mutable {
		batches_.push_back(std::move(batch));
		// Start at once when idle: the common case, one small batch, costs no extra hop.
		if (!slice_scheduled_) RunSlice();
	});
}

void DispatchPump::RunSlice() {
	slice_scheduled_ = false;
	const auto deadline = std::chrono::steady_clock::now() + slice_;
	std::size_t handled = 0;
	while (!batches_.empty()) {
		auto& batch = batches_.front();
		if (next_ == batch.size()) {
			batches_.pop_front();
			next_ = 0;
			continue;
		}
		dispatch_(batch[next_++]);
		++handled;
		if (handled % kEventsBetweenClockChecks == 0 || slice_.count() == 0) {
			if (std::chrono::steady_clock::now() >= deadline) break;
		}
	}
	if (handled && after_slice_) after_slice_();
	if (!batches_.empty()) {
		// Behind whatever the slice queued (socket writes above all), then on with the rest.
		slice_scheduled_ = true;
		asio::post(ioc_, [this] { RunSlice(); });
	}
}

}  // namespace walcast::net
