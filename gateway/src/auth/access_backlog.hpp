#pragma once
// The authorizer's backlog: checks waiting for its one database connection, at most `max_keys` distinct
// questions (AccessKey). A check equal to one already waiting joins it instead of adding a query, so a client
// rejoining in a loop, or many tabs of one user, cost the database one query; only distinct questions count
// against the bound, because each is one query of database time. Waiters remember who wants the answer, so
// checks whose client has left can be dropped unasked. Not thread-safe (PgAuthorizer guards it).
// (channels::PendingLookups is the catalog's twin; the auth stage sits below channels and cannot use it.)

#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <vector>

#include "auth/access_key.hpp"
#include "auth/authorizer.hpp"

namespace walcast::auth {

class AccessBacklog {
public:
	struct Waiter {
		std::weak_ptr<const void> interest;
		Authorizer::Callback done;
	};
	struct Batch {
		AccessKey key;
		std::vector<Waiter> waiters;
	};
	enum class Added {
		queued,     // a new question: one more query waiting
		coalesced,  // joined an equal question already waiting: no new query
		full,       // refused: `max_keys` questions are waiting already (`waiter` is left untouched)
	};

	explicit AccessBacklog(std::size_t max_keys) : max_keys_(max_keys) {}

	// Takes `waiter` unless the answer is `full`, so the caller can still answer it.
	Added Add(const AccessKey& key, Waiter&& waiter);
	bool empty() const { return order_.empty(); }
	std::size_t size() const { return order_.size(); }
	// The question waiting longest with all of its waiters. Precondition: !empty().
	Batch Pop();
	// Drops everything (shutdown), returning the waiters so the caller decides where their callbacks die.
	std::vector<Waiter> Clear();

private:
	std::size_t max_keys_;
	std::deque<AccessKey> order_;
	std::map<AccessKey, std::vector<Waiter>> waiting_;
};

// Moves the waiters whose interest has expired (their client left) from `waiters` to the returned list.
std::vector<AccessBacklog::Waiter> TakeDeparted(std::vector<AccessBacklog::Waiter>& waiters);

}  // namespace walcast::auth
