#include "replication/flush_policy.hpp"

namespace walcast::replication {

Lsn FlushPolicy::Compute(std::uint64_t handled_count, Lsn handled_commit, bool transaction_open) {
	Lsn candidate = handled_commit;
	const bool idle = handled_count >= posted_ && !transaction_open;
	if (idle && received_ > candidate) candidate = received_;
	if (candidate > flush_) flush_ = candidate;
	return flush_;
}

}  // namespace walcast::replication
