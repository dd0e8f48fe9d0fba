#include "channels/pending_lookups.hpp"

namespace walcast::channels {

PendingLookups::Added PendingLookups::Add(const Key& key, Waiter&& waiter) {
	if (auto it = waiting_.find(key); it != waiting_.end()) {
		it->second.push_back(std::move(waiter));
		return Added::coalesced;
	}
	if (order_.size() >= max_keys_) return Added::full;
	order_.push_back(key);
	waiting_[key].push_back(std::move(waiter));
	return Added::queued;
}

PendingLookups::Batch PendingLookups::Pop() {
	Batch batch;
	batch.key = std::move(order_.front());
	order_.pop_front();
	auto it = waiting_.find(batch.key);
	batch.waiters = std::move(it->second);
	waiting_.erase(it);
	return batch;
}

std::vector<PendingLookups::Waiter> PendingLookups::Clear() {
	std::vector<Waiter> all;
	for (auto& [key, waiters] : waiting_)
		for (auto& w : waiters) all.push_back(std::move(w));
	waiting_.clear();
	order_.clear();
	return all;
}

std::vector<PendingLookups::Waiter> TakeDeparted(std::vector<PendingLookups::Waiter>& waiters) {
	std::vector<PendingLookups::Waiter> departed;
	std::vector<PendingLookups::Waiter> staying;
	for (auto& w : waiters) (w.interest.expired() ? departed : staying).push_back(std::move(w));
	waiters = std::move(staying);
	return departed;
}

}  // namespace walcast::channels
