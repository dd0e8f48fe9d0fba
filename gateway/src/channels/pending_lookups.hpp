#pragma once
// The catalog worker's backlog: lookups waiting for the one catalog connection, at most `max_keys`
// distinct (schema, table) patterns. A lookup for a pattern already waiting joins it instead of adding a
// query, so a storm of clients rejoining the same table asks the database once and never fills the
// backlog; only distinct patterns count against the bound, because each is one query of database time.
// Waiters remember who wants the answer, so lookups whose client has left can be dropped unasked.
// Not thread-safe (PgCatalog guards it with its mutex).

#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "channels/catalog.hpp"

namespace walcast::channels {

class PendingLookups {
public:
	using Key = std::pair<std::string, std::string>;
	struct Waiter {
		std::weak_ptr<const void> interest;
		Catalog::Callback done;
	};
	struct Batch {
		Key key;
		std::vector<Waiter> waiters;
	};
	enum class Added {
		queued,     // a new pattern: one more query waiting
		coalesced,  // joined a pattern already waiting: no new query
		full,       // refused: `max_keys` patterns are waiting already (`waiter` is left untouched)
	};

	explicit PendingLookups(std::size_t max_keys) : max_keys_(max_keys) {}

	// Takes `waiter` unless the answer is `full`, so the caller can still answer it.
	Added Add(const Key& key, Waiter&& waiter);
	bool empty() const { return order_.empty(); }
	std::size_t size() const { return order_.size(); }  // distinct patterns waiting
	// The pattern waiting longest with all of its waiters. Precondition: !empty().
	Batch Pop();
	// Drops every pattern and waiter (shutdown), returning the waiters so the caller decides where their
	// callbacks are destroyed.
	std::vector<Waiter> Clear();

private:
	std::size_t max_keys_;
	std::deque<Key> order_;
	std::map<Key, std::vector<Waiter>> waiting_;
};

// Moves the waiters whose interest has expired (their client left) from `waiters` to the returned list.
std::vector<PendingLookups::Waiter> TakeDeparted(std::vector<PendingLookups::Waiter>& waiters);

}  // namespace walcast::channels
