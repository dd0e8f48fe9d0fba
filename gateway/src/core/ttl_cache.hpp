#pragma once
// A database worker's answers (the catalog's tables, the authorizer's decisions), each kept for a short time
// (TTL) and for a bounded number of keys, least recently used out first. The TTL makes a storm of equal
// requests cost a handful of queries while bounding how long a change in the database goes unnoticed; the
// bound keeps a client asking ever new questions from growing the gateway's memory. Not thread-safe; times
// are passed in, so it is tested without a clock.

#include <chrono>
#include <cstddef>
#include <list>
#include <map>
#include <optional>
#include <utility>

namespace walcast {

template <class Key, class Value>
class TtlCache {
public:
	using Clock = std::chrono::steady_clock;

	// capacity 0 or a ttl of zero or less caches nothing (every request asks the database).
	TtlCache(std::size_t capacity, std::chrono::milliseconds ttl) : capacity_(capacity), ttl_(ttl) {}

	// The value stored less than the TTL before `now`, which becomes the most recently used; an expired entry
	// is removed.
	std::optional<Value> Find(const Key& key, Clock::time_point now) {
		auto it = index_.find(key);
		if (it == index_.end()) return std::nullopt;
		auto entry = it->second;
		if (now - entry->stored >= ttl_) {
			order_.erase(entry);
			index_.erase(it);
			return std::nullopt;
		}
		order_.splice(order_.begin(), order_, entry);
		return entry->value;
	}

	// Stores (or replaces) a value, evicting the least recently used entry when full.
	void Put(Key key, Value value, Clock::time_point now) {
		if (capacity_ == 0 || ttl_ <= std::chrono::milliseconds::zero()) return;
		if (auto it = index_.find(key); it != index_.end()) {
			it->second->stored = now;
			it->second->value = std::move(value);
			order_.splice(order_.begin(), order_, it->second);
			return;
		}
		if (index_.size() >= capacity_) {
			index_.erase(order_.back().key);
			order_.pop_back();
		}
		order_.push_front(Entry{key, now, std::move(value)});
		index_.emplace(std::move(key), order_.begin());
	}

	std::size_t size() const { return index_.size(); }

private:
	struct Entry {
		Key key;
		Clock::time_point stored;
		Value value;
	};
	using Order = std::list<Entry>;  // most recently used first

	std::size_t capacity_;
	std::chrono::milliseconds ttl_;
	Order order_;
	std::map<Key, typename Order::iterator> index_;
};

}  // namespace walcast
