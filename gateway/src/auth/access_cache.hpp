#pragma once
// The authorizer's answers, kept `ttl` for at most `capacity` questions, least recently used out first. The
// TTL bounds how long a changed policy or a revoked grant can go unnoticed by new joins; the bound keeps a
// client asking ever new questions (new topics) from growing the gateway's memory. Only decided answers are
// stored (the caller never puts an error). Not thread-safe; times are passed in, so it is tested without a clock.
// (channels::CatalogCache is the catalog's twin.)

#include <chrono>
#include <cstddef>
#include <list>
#include <map>
#include <optional>

#include "auth/access_key.hpp"
#include "auth/authorizer.hpp"

namespace walcast::auth {

class AccessCache {
public:
	using Clock = std::chrono::steady_clock;

	// capacity 0 or a zero ttl disables caching.
	AccessCache(std::size_t capacity, std::chrono::milliseconds ttl) : capacity_(capacity), ttl_(ttl) {}

	// The answer stored less than the TTL before `now`, which becomes the most recently used; an expired
	// entry is removed.
	std::optional<AccessResult> Find(const AccessKey& key, Clock::time_point now);
	// Stores (or replaces) an answer, evicting the least recently used entry when full.
	void Put(const AccessKey& key, const AccessResult& result, Clock::time_point now);

	std::size_t size() const { return index_.size(); }

private:
	struct Entry {
		AccessKey key;
		Clock::time_point stored;
		AccessResult result;
	};
	using Order = std::list<Entry>;  // most recently used first

	std::size_t capacity_;
	std::chrono::milliseconds ttl_;
	Order order_;
	std::map<AccessKey, Order::iterator> index_;
};

}  // namespace walcast::auth
