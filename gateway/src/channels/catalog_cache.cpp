#include "channels/catalog_cache.hpp"

namespace walcast::channels {

std::optional<CatalogResult> CatalogCache::Find(const Key& key, Clock::time_point now) {
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

void CatalogCache::Put(Key key, CatalogResult result, Clock::time_point now) {
	if (capacity_ == 0) return;
	if (auto it = index_.find(key); it != index_.end()) {
		it->second->stored = now;
		it->second->result = std::move(result);
		order_.splice(order_.begin(), order_, it->second);
		return;
	}
	if (index_.size() >= capacity_) {
		index_.erase(order_.back().key);
		order_.pop_back();
	}
	order_.push_front(Entry{key, now, std::move(result)});
	index_.emplace(std::move(key), order_.begin());
}

}  // namespace walcast::channels
