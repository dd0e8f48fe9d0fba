#pragma once
// MAX_QUEUED_BYTES: the bytes waiting for all clients together, and which clients to close when that sum
// passes the limit. Network thread only; pure (the session reports its own count, the server acts on the
// choice), so the accounting and the choice are unit-tested with chosen numbers.
//
// What counts is what each client's own cap counts (SendQueue bytes plus the socket's write buffer), so a
// payload shared by many queues counts once per queue: the sum over-states memory, never under-states it.
//
// Bytes of clients already being closed are kept apart: those go away by themselves within the close
// timeout (their backlog was dropped; what is left is the write in flight, at most the socket buffer's
// high-water mark plus one frame), so counting them against the limit would close further, healthy clients
// for memory that is already on its way out.

#include <cstddef>
#include <span>
#include <vector>

namespace walcast::net {

class QueueBudget {
public:
	explicit QueueBudget(std::size_t limit) : limit_(limit) {}

	// One client's count changed from `before` (counted as open or closing) to `after` (as open or closing).
	void Move(std::size_t before, bool before_open, std::size_t after, bool after_open) {
		(before_open ? open_ : closing_) -= before;
		(after_open ? open_ : closing_) += after;
		if (total() > peak_) peak_ = total();
	}

	// Over the limit: the server must shed.
	bool Over() const { return open_ > limit_; }
	std::size_t excess() const { return Over() ? open_ - limit_ : 0; }

	std::size_t limit() const { return limit_; }
	std::size_t open_bytes() const { return open_; }
	std::size_t total() const { return open_ + closing_; }
	// The largest total seen: lets a test (and an operator) check the bound after the fact.
	std::size_t peak() const { return peak_; }

private:
	std::size_t limit_;
	std::size_t open_ = 0;
	std::size_t closing_ = 0;
	std::size_t peak_ = 0;
};

struct ShedCandidate {
	std::size_t queued;     // everything waiting for the client: how far behind it is
	std::size_t sheddable;  // what closing it frees at once (its backlog; the write in flight stays until it ends)
};

// Which clients to close to free at least `excess` bytes: largest queue first. Clients that receive the same
// stream hold the same recent frames, so the one holding the most is the one furthest behind, i.e. with the
// lowest throughput; a client that keeps up holds at most the batch being handed over. Returns indices into
// `candidates`, in closing order; all of them if even that does not free `excess`.
std::vector<std::size_t> ChooseClientsToShed(std::span<const ShedCandidate> candidates, std::size_t excess);

}  // namespace walcast::net
