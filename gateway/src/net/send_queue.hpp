#pragma once
// The per-client outgoing queue, counted in bytes. A pure container with the cap policy in one place, so
// the policy is unit-tested without sockets: the session asks Push() and acts on the answer.

#include <cstddef>
#include <deque>

#include "core/client_transport.hpp"

namespace walcast::net {

class SendQueue {
public:
	explicit SendQueue(std::size_t cap_bytes) : cap_bytes_(cap_bytes) {}

	// Appends the frame unless that would take the queued bytes over the cap. Returns false (and queues
	// nothing) on overflow: the caller closes the client as slow. A frame larger than the whole cap is
	// still accepted into an empty queue, so one big message never gets a client closed by itself.
	bool Push(OutFrame frame);

	bool empty() const { return frames_.empty(); }
	std::size_t size() const { return frames_.size(); }
	std::size_t bytes() const { return bytes_; }
	std::size_t cap_bytes() const { return cap_bytes_; }

	OutFrame& front() { return frames_.front(); }
	void pop();

	// Drops every frame except the front one, which a write in flight still reads from.
	void DropAllButFront();
	void clear();

private:
	std::deque<OutFrame> frames_;
	std::size_t bytes_ = 0;
	std::size_t cap_bytes_;
};

}  // namespace walcast::net
