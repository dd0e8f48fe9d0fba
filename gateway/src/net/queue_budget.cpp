#include "net/queue_budget.hpp"

#include <algorithm>
#include <numeric>

namespace walcast::net {

std::vector<std::size_t> ChooseClientsToShed(std::span<const ShedCandidate> candidates, std::size_t excess) {
	std::vector<std::size_t> order(candidates.size());
	std::iota(order.begin(), order.end(), std::size_t{0});
	// Stable: among equal queues the earlier candidate goes first, so the choice is reproducible.
	std::stable_sort(order.begin(), order.end(),
	                 [&](std::size_t a, std::size_t b) { return candidates[a].queued > candidates[b].queued; });
	std::size_t freed = 0;
	std::size_t take = 0;
	while (take < order.size() && freed < excess) freed += candidates[order[take++]].sheddable;
	order.resize(take);
	return order;
}

}  // namespace walcast::net
