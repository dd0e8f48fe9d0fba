#include "replication/deduplicator.hpp"

namespace walcast::replication {

bool Deduplicator::Admit(const WalEvent& event) {
	if (event.commit_lsn == kInvalidLsn) {
		// Non-transactional: resent only if its own LSN is above confirmed_flush, and LSNs only grow.
		if (event.lsn != kInvalidLsn && event.lsn <= last_untransacted_) {
			++skipped_;
			return false;
		}
		last_untransacted_ = event.lsn;
		return true;
	}

	const Lsn commit = event.commit_lsn;
	if (commit <= last_commit_) {  // that whole transaction was forwarded already
		++skipped_;
		return false;
	}
	if (commit != open_commit_) {
		// A transaction we have not forwarded anything of. (If another one was cut half-way, it is not
		// coming back: replays arrive in commit order, so it would have come first.)
		open_commit_ = commit;
		open_forwarded_ = 0;
		open_seen_ = 0;
	}

	++open_seen_;
	if (open_seen_ <= open_forwarded_) {
		++skipped_;
		return false;
	}
	open_forwarded_ = open_seen_;
	if (event.kind == WalEventKind::Commit) {
		last_commit_ = commit;
		open_commit_ = kInvalidLsn;
		open_forwarded_ = 0;
		open_seen_ = 0;
	}
	return true;
}

}  // namespace walcast::replication
