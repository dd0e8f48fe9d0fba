#pragma once
// An eventfd another thread can poke to interrupt a worker thread's poll(): the replication thread's Stop()
// and NotifyProgress(), the catalog worker's shutdown. Poking is async-signal-safe and never blocks.

namespace walcast {

class Waker {
public:
	Waker();
	~Waker();
	Waker(const Waker&) = delete;
	Waker& operator=(const Waker&) = delete;

	void Poke();
	// Consumes pending pokes; call after poll() reported the fd readable.
	void Drain();
	int fd() const { return fd_; }

private:
	int fd_ = -1;
};

}  // namespace walcast
