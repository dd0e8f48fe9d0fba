#include "core/metrics.hpp"

namespace walcast {

Metrics& GlobalMetrics() {
	static Metrics metrics;
	return metrics;
}

}  // namespace walcast
