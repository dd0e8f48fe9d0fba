#include "core/waker.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace walcast {

Waker::Waker() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
	if (fd_ < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
}

Waker::~Waker() {
	if (fd_ >= 0) ::close(fd_);
}

void Waker::Poke() {
	std::uint64_t one = 1;
	// EAGAIN means the counter is already non-zero: a wake-up is pending anyway.
	[[maybe_unused]] auto n = ::write(fd_, &one, sizeof one);
}

void Waker::Drain() {
	std::uint64_t count = 0;
	[[maybe_unused]] auto n = ::read(fd_, &count, sizeof count);
}

}  // namespace walcast
