#pragma once
// The hand-over point between the replication thread and the thread that fans changes out.
// The replication stage counts what it posted; the channels stage marks each event handled once it sits
// in every subscribed client's queue. The slot is only ever confirmed up to what was handled.

#include <atomic>
#include <cstdint>

#include "core/wal_event.hpp"

namespace walcast {

class DeliveryProgress {
public:
	// Channels stage, after the event was handed to every subscribed client's queue (or had no subscriber).
	void MarkHandled(const WalEvent& event) {
		if (event.kind == WalEventKind::Commit) handled_commit_.store(event.commit_lsn, std::memory_order_relaxed);
		handled_count_.fetch_add(1, std::memory_order_release);
	}

	// Replication stage: how many posted events were handled, and the latest commit fully handled.
	std::uint64_t HandledCount() const { return handled_count_.load(std::memory_order_acquire); }
	Lsn HandledCommit() const { return handled_commit_.load(std::memory_order_relaxed); }

	// Replication stage, when the database was replaced or failed over, once every event posted from the old one
	// was handled: the old commit position means nothing on the new database (it may lie past its WAL end).
	void ForgetHandledCommit() { handled_commit_.store(kInvalidLsn, std::memory_order_relaxed); }

private:
	std::atomic<std::uint64_t> handled_count_{0};
	std::atomic<Lsn> handled_commit_{kInvalidLsn};
};

}  // namespace walcast
