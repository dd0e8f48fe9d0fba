#pragma once
// Turns each plugin payload into a WalEvent, parsing the JSON exactly once (here, on the replication
// thread), and tracks transaction boundaries so every change carries the commit LSN of its transaction.
//
// The plugin (started with include-transaction 'true') writes, per transaction with something to emit:
//   {"type":"BEGIN","commit_lsn":"X/X",...}  change/transactional-MESSAGE objects...  {"type":"COMMIT","commit_lsn":"X/X",...}
// and non-transactional MESSAGE objects on their own. BEGIN is not forwarded: it only opens the transaction.
// Anything that is not such an object is logged and skipped; it never stops the stream.

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/lsn.hpp"
#include "core/wal_event.hpp"

namespace walcast::replication {

class Classifier {
public:
	// `data_start` is the XLogData LSN of this payload. Returns the event to forward, or nullopt for BEGIN
	// and for rejected payloads.
	std::optional<WalEvent> Classify(Lsn data_start, std::string_view payload);

	// True between a BEGIN and its COMMIT.
	bool InTransaction() const { return open_commit_lsn_.has_value(); }

	// A new connection starts outside any transaction: a transaction cut by the disconnect is resent whole.
	void Reset() { open_commit_lsn_.reset(); }

	std::uint64_t Rejected() const { return rejected_; }

private:
	void Reject(Lsn data_start, std::string_view payload, std::string_view why);

	std::optional<Lsn> open_commit_lsn_;
	std::uint64_t rejected_ = 0;
};

}  // namespace walcast::replication
