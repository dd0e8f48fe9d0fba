#pragma once
// How a database worker hands its waiters back to the network thread: their callbacks, and everything they
// capture (sessions, channels), belong to that thread, so they are run - or, for waiters not answered
// (their client left, shutdown), destroyed - only there. `post` runs a function on the network thread.

#include <utility>
#include <vector>

namespace walcast {

// Runs every waiter's callback with `result`, on the network thread.
template <class Post, class Waiter, class Result>
void PostAnswer(const Post& post, std::vector<Waiter> waiters, Result result) {
	post([waiters = std::move(waiters), result = std::move(result)]() mutable {
		for (auto& w : waiters) w.done(result);
	});
}

// Destroys the waiters' callbacks unrun, on the network thread.
template <class Post, class Waiter>
void PostDiscard(const Post& post, std::vector<Waiter> waiters) {
	post([waiters = std::move(waiters)] {});
}

}  // namespace walcast
