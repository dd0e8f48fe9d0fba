#include "net/send_queue.hpp"

#include <utility>

namespace walcast::net {

bool SendQueue::Push(OutFrame frame) {
	const std::size_t n = frame.size();
	if (!frames_.empty() && (bytes_ + n > cap_bytes_ || bytes_ + n < bytes_)) return false;
	bytes_ += n;
	frames_.push_back(std::move(frame));
	return true;
}

void SendQueue::pop() {
	bytes_ -= frames_.front().size();
	frames_.pop_front();
}

void SendQueue::DropAllButFront() {
	while (frames_.size() > 1) {
		bytes_ -= frames_.back().size();
		frames_.pop_back();
	}
}

void SendQueue::clear() {
	frames_.clear();
	// Give back the deque's blocks: a closed client should hold no memory while it waits for its socket.
	std::deque<OutFrame>().swap(frames_);
	bytes_ = 0;
}

}  // namespace walcast::net
