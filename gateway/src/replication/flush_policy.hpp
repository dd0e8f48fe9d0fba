#pragma once
// Decides the flush LSN reported to the server, i.e. what the slot may forget. Changes are delivered
// asynchronously (posted to the channels stage), so "received" is not "safe": the flush position only ever
// covers transactions the consumer has handled (DeliveryProgress::HandledCommit()).
//
// When the consumer has handled everything posted and no transaction is half-received, nothing is in
// flight, and the flush may move up to the latest position received (a keepalive's walEnd or the last
// XLogData), so an idle or fully filtered stream never holds WAL back. That is safe: the server resends
// every transaction whose commit record lies past the confirmed position, including ones still running.
//
// The reported value never goes backwards.

#include <cstdint>

#include "core/lsn.hpp"

namespace walcast::replication {

class FlushPolicy {
public:
	// `count` events were handed to the consumer (cumulative across reconnects, like HandledCount()).
	void OnPosted(std::uint64_t count) { posted_ += count; }
	// The last `count` posted were not handed over after all (the hand-over threw).
	void OnUnposted(std::uint64_t count) { posted_ -= count; }
	// A position the server told us about: an XLogData dataStart or a keepalive walEnd.
	void OnReceived(Lsn position) {
		if (position > received_) received_ = position;
	}

	// The flush LSN to report now. `handled_count`/`handled_commit` come from DeliveryProgress;
	// `transaction_open` is true while a BEGIN was received without its COMMIT (or anything received is not yet
	// posted): then only handled commits count.
	Lsn Compute(std::uint64_t handled_count, Lsn handled_commit, bool transaction_open);

	std::uint64_t Posted() const { return posted_; }
	std::uint64_t InFlight(std::uint64_t handled_count) const {
		return handled_count >= posted_ ? 0 : posted_ - handled_count;
	}
	Lsn Received() const { return received_; }
	// Events received since the last hand-over were dropped and will be received again: what was received
	// past the last reported flush is no longer known to be safe.
	void RewindReceived() { received_ = flush_; }
	// The database was replaced or failed over: positions of the old one are forgotten (counts are kept).
	void ForgetPositions() {
		received_ = kInvalidLsn;
		flush_ = kInvalidLsn;
	}
	Lsn Flush() const { return flush_; }

private:
	std::uint64_t posted_ = 0;
	Lsn received_ = kInvalidLsn;
	Lsn flush_ = kInvalidLsn;
};

}  // namespace walcast::replication
