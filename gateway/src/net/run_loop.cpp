#include "net/run_loop.hpp"

#include <exception>

#include "core/log.hpp"
#include "core/metrics.hpp"

namespace walcast::net {

std::uint64_t RunSurvivingHandlerExceptions(asio::io_context& ioc) {
	std::uint64_t survived = 0;
	for (;;) {
		try {
			ioc.run();
			return survived;
		} catch (const std::exception& e) {
			++survived;
			GlobalMetrics().client_errors.fetch_add(1, std::memory_order_relaxed);
			WALCAST_LOG(error, "net", "a handler on the network thread failed: " << e.what() << "; continuing");
		} catch (...) {
			++survived;
			WALCAST_LOG(error, "net", "a handler on the network thread failed with a non-standard exception; continuing");
		}
	}
}

}  // namespace walcast::net
