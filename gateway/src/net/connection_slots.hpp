#pragma once
// MAX_CONNECTIONS: a fixed number of WebSocket slots. The HTTP session takes one before it upgrades (so a
// refused client costs one short 503, no WebSocket state), and the WebSocket session gives it back when its
// connection ends. Network thread only; pure, so the edge (N taken, N+1 refused, one freed) is unit-tested.

#include <cstddef>
#include <utility>

namespace walcast::net {

class ConnectionSlots {
public:
	// A taken slot; gives it back when released or destroyed. Move-only.
	class Slot {
	public:
		Slot() = default;
		Slot(Slot&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)) {}
		Slot& operator=(Slot&& other) noexcept {
			if (this != &other) {
				Release();
				owner_ = std::exchange(other.owner_, nullptr);
			}
			return *this;
		}
		Slot(const Slot&) = delete;
		Slot& operator=(const Slot&) = delete;
		~Slot() { Release(); }

		explicit operator bool() const { return owner_ != nullptr; }
		void Release() {
			if (owner_) --std::exchange(owner_, nullptr)->used_;
		}

	private:
		friend class ConnectionSlots;
		explicit Slot(ConnectionSlots* owner) : owner_(owner) {}
		ConnectionSlots* owner_ = nullptr;
	};

	explicit ConnectionSlots(std::size_t max) : max_(max) {}
	ConnectionSlots(const ConnectionSlots&) = delete;
	ConnectionSlots& operator=(const ConnectionSlots&) = delete;

	// An empty Slot when all are taken.
	Slot TryTake() {
		if (used_ >= max_) return Slot();
		++used_;
		return Slot(this);
	}

	std::size_t used() const { return used_; }
	std::size_t max() const { return max_; }

private:
	std::size_t max_;
	std::size_t used_ = 0;
};

}  // namespace walcast::net
