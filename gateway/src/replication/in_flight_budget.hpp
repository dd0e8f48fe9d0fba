#pragma once
// Backpressure bookkeeping: how much was handed to the consumer and not yet handled. The replication
// thread stops reading the socket while the budget is exhausted (it keeps sending status updates, so the
// server does not time it out) and resumes once the consumer caught up. It never blocks on the consumer.
//
// Events are exact (posted minus DeliveryProgress::HandledCount()). Bytes are released a batch at a time,
// when the batch's last event was handled, which is precise enough for a limit of many batches.

#include <cstddef>
#include <cstdint>
#include <deque>

namespace walcast::replication {

class InFlightBudget {
public:
	InFlightBudget(std::uint64_t max_events, std::size_t max_bytes) : max_events_(max_events), max_bytes_(max_bytes) {}

	void OnPosted(std::uint64_t events, std::size_t bytes);
	// Takes back the last OnPosted (its batch was not handed over after all).
	void OnUnposted(std::uint64_t events, std::size_t bytes);
	// `handled_count` is cumulative, as DeliveryProgress reports it.
	void OnHandled(std::uint64_t handled_count);

	bool Exhausted() const { return Events() >= max_events_ || bytes_ >= max_bytes_; }
	std::uint64_t Events() const { return posted_ > handled_ ? posted_ - handled_ : 0; }
	std::size_t Bytes() const { return bytes_; }

private:
	struct Batch {
		std::uint64_t end;  // cumulative posted count after this batch
		std::size_t bytes;
	};
	std::uint64_t max_events_;
	std::size_t max_bytes_;
	std::uint64_t posted_ = 0;
	std::uint64_t handled_ = 0;
	std::size_t bytes_ = 0;
	std::deque<Batch> batches_;
};

}  // namespace walcast::replication
