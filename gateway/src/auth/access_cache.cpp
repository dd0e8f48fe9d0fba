#include "auth/access_cache.hpp"

namespace walcast::auth {

std::optional<AccessResult> AccessCache::Find(const AccessKey& key, Clock::time_point now) {
	auto it = index_.find(key);
	if (it == index_.end()) return std::nullopt;
	auto entry = it->second;
	if (now - entry->stored >= ttl_) {
		order_.erase(entry);
		index_.erase(it);
		return std::nullopt;
	}
	order_.splice(order_.begin(), order_, entry);
	return entry->result;
}

void AccessCache::Put(const AccessKey& key, const AccessResult& result, Clock::time_point now) {
	if (capacity_ == 0 || ttl_ <= std::chrono::milliseconds::zero()) return;
	if (auto it = index_.find(key); it != index_.end()) {
		it->second->stored = now;
		it->second->result = result;
		order_.splice(order_.begin(), order_, it->second);
		return;
	}
	if (index_.size() >= capacity_) {
		index_.erase(order_.back().key);
		order_.pop_back();
	}
	order_.push_front(Entry{key, now, result});
	index_.emplace(key, order_.begin());
}

}  // namespace walcast::auth
