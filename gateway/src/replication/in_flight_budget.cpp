#include "replication/in_flight_budget.hpp"

namespace walcast::replication {

void InFlightBudget::OnPosted(std::uint64_t events, std::size_t bytes) {
	if (events == 0) return;
	posted_ += events;
	bytes_ += bytes;
	batches_.push_back({posted_, bytes});
}

void InFlightBudget::OnUnposted(std::uint64_t events, std::size_t bytes) {
	if (events == 0 || batches_.empty()) return;
	posted_ -= events;
	bytes_ -= bytes;
	batches_.pop_back();
}

void InFlightBudget::OnHandled(std::uint64_t handled_count) {
	if (handled_count > handled_) handled_ = handled_count;
	while (!batches_.empty() && batches_.front().end <= handled_) {
		bytes_ -= batches_.front().bytes;
		batches_.pop_front();
	}
}

}  // namespace walcast::replication
