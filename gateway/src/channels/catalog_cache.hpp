#pragma once
// The catalog's answers, kept for a short time (TTL) and for a bounded number of (schema, table) patterns
// (least recently used first out). The TTL makes a rejoin storm cost a handful of queries; the bound keeps
// a client asking for ever new names from growing the gateway's memory. Not thread-safe; times are passed
// in, so it is tested without a clock.

#include <chrono>
#include <cstddef>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "channels/catalog.hpp"

namespace walcast::channels {

class CatalogCache {
public:
	using Key = std::pair<std::string, std::string>;  // (schema, table) as asked, "*" included
	using Clock = std::chrono::steady_clock;

	// capacity 0 disables caching (every lookup asks the database).
	CatalogCache(std::size_t capacity, std::chrono::milliseconds ttl) : capacity_(capacity), ttl_(ttl) {}

	// The answer stored less than the TTL before `now`, which becomes the most recently used; an expired
	// entry is removed.
	std::optional<CatalogResult> Find(const Key& key, Clock::time_point now);
	// Stores (or replaces) an answer, evicting the least recently used entry when full.
	void Put(Key key, CatalogResult result, Clock::time_point now);

	std::size_t size() const { return index_.size(); }
	std::size_t capacity() const { return capacity_; }

private:
	struct Entry {
		Key key;
		Clock::time_point stored;
		CatalogResult result;
	};
	using Order = std::list<Entry>;  // most recently used first

	std::size_t capacity_;
	std::chrono::milliseconds ttl_;
	Order order_;
	std::map<Key, Order::iterator> index_;
};

}  // namespace walcast::channels
