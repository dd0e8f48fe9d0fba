#pragma once
// Makes the stream exactly-once for the consumer across reconnects, on top of the server's at-least-once.
//
// After a reconnect the server resends every transaction whose commit end LSN is above the slot's
// confirmed_flush, whole, in commit order, and the same non-transactional messages above it. We confirm
// only what the consumer handled, so a resend may repeat what was already forwarded. This class remembers
// - the commit LSN of the last transaction forwarded completely (its Commit event forwarded),
// - for the transaction being forwarded when the connection dropped: its commit LSN and how many of its
//   events were forwarded,
// - the LSN of the last non-transactional event forwarded,
// and skips exactly those on replay. Replays are byte-identical and classified identically, so "the first
// N events of transaction C" names the same events in every session.
//
// Scope: one process. After a gateway restart the slot resumes at confirmed_flush, which only covers
// handled transactions, so a restart can repeat but never lose.

#include <cstdint>

#include "core/lsn.hpp"
#include "core/wal_event.hpp"

namespace walcast::replication {

class Deduplicator {
public:
	// Called for every classified event, in stream order. True: forward it (and it now counts as forwarded).
	bool Admit(const WalEvent& event);

	// Called when a new replication session starts: its events are counted from the start of each transaction again.
	void OnReconnect() { open_seen_ = 0; }

	Lsn LastForwardedCommit() const { return last_commit_; }
	std::uint64_t Skipped() const { return skipped_; }

private:
	Lsn last_commit_ = kInvalidLsn;       // last transaction whose Commit was forwarded
	Lsn open_commit_ = kInvalidLsn;       // transaction currently (or last partially) forwarded
	std::uint64_t open_forwarded_ = 0;    // its events forwarded, over all sessions
	std::uint64_t open_seen_ = 0;         // its events seen in this session
	Lsn last_untransacted_ = kInvalidLsn; // last non-transactional event forwarded
	std::uint64_t skipped_ = 0;
};

}  // namespace walcast::replication
