#pragma once
// The backlog of a database worker (the catalog's lookups, the authorizer's checks): requests waiting for its
// one connection, at most `max_keys` distinct keys. A request whose key is already waiting joins it instead of
// adding a query, so a storm of clients asking the same thing (rejoining the same table, many tabs of one
// user) asks the database once and never fills the backlog; only distinct keys count against the bound,
// because each is one query of database time. Waiters remember who wants the answer, so requests whose client
// has left can be dropped unasked. Not thread-safe (the worker guards it with its mutex).

#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <utility>
#include <vector>

namespace walcast {

template <class Key, class Callback>
class CoalescingBacklog {
public:
	struct Waiter {
		std::weak_ptr<const void> interest;  // expired once the asking client has left
		Callback done;
	};
	struct Batch {
		Key key;
		std::vector<Waiter> waiters;
	};
	enum class Added {
		queued,     // a new key: one more query waiting
		coalesced,  // joined an equal key already waiting: no new query
		full,       // refused: `max_keys` keys are waiting already (`waiter` is left untouched)
	};

	explicit CoalescingBacklog(std::size_t max_keys) : max_keys_(max_keys) {}

	// Takes `waiter` unless the answer is `full`, so the caller can still answer it.
	Added Add(const Key& key, Waiter&& waiter) {
		if (auto it = waiting_.find(key); it != waiting_.end()) {
			it->second.push_back(std::move(waiter));
			return Added::coalesced;
		}
		if (order_.size() >= max_keys_) return Added::full;
		order_.push_back(key);
		waiting_[key].push_back(std::move(waiter));
		return Added::queued;
	}

	bool empty() const { return order_.empty(); }
	std::size_t size() const { return order_.size(); }  // distinct keys waiting

	// The key waiting longest with all of its waiters. Precondition: !empty().
	Batch Pop() {
		Batch batch;
		batch.key = std::move(order_.front());
		order_.pop_front();
		auto it = waiting_.find(batch.key);
		batch.waiters = std::move(it->second);
		waiting_.erase(it);
		return batch;
	}

	// Drops every key and waiter (shutdown), returning the waiters so the caller decides where their callbacks
	// are destroyed.
	std::vector<Waiter> Clear() {
		std::vector<Waiter> all;
		for (auto& [key, waiters] : waiting_)
			for (auto& w : waiters) all.push_back(std::move(w));
		waiting_.clear();
		order_.clear();
		return all;
	}

private:
	std::size_t max_keys_;
	std::deque<Key> order_;  // oldest first
	std::map<Key, std::vector<Waiter>> waiting_;
};

// Moves the waiters whose interest has expired (their client left) from `waiters` to the returned list.
template <class Waiter>
std::vector<Waiter> TakeDeparted(std::vector<Waiter>& waiters) {
	std::vector<Waiter> departed;
	std::vector<Waiter> staying;
	for (auto& w : waiters) (w.interest.expired() ? departed : staying).push_back(std::move(w));
	waiters = std::move(staying);
	return departed;
}

}  // namespace walcast
