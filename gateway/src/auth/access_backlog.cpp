#include "auth/access_backlog.hpp"

#include <utility>

namespace walcast::auth {

AccessBacklog::Added AccessBacklog::Add(const AccessKey& key, Waiter&& waiter) {
	if (auto it = waiting_.find(key); it != waiting_.end()) {
		it->second.push_back(std::move(waiter));
		return Added::coalesced;
	}
	if (order_.size() >= max_keys_) return Added::full;
	order_.push_back(key);
	waiting_[key].push_back(std::move(waiter));
	return Added::queued;
}

AccessBacklog::Batch AccessBacklog::Pop() {
	Batch batch;
	batch.key = std::move(order_.front());
	order_.pop_front();
	auto it = waiting_.find(batch.key);
	batch.waiters = std::move(it->second);
	waiting_.erase(it);
	return batch;
}

std::vector<AccessBacklog::Waiter> AccessBacklog::Clear() {
	std::vector<Waiter> all;
	for (auto& [key, waiters] : waiting_)
		for (auto& w : waiters) all.push_back(std::move(w));
	waiting_.clear();
	order_.clear();
	return all;
}

std::vector<AccessBacklog::Waiter> TakeDeparted(std::vector<AccessBacklog::Waiter>& waiters) {
	std::vector<AccessBacklog::Waiter> departed, staying;
	for (auto& w : waiters) (w.interest.expired() ? departed : staying).push_back(std::move(w));
	waiters = std::move(staying);
	return departed;
}

}  // namespace walcast::auth
