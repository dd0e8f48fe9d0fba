#include "net/run_loop.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace walcast::net {
namespace {

TEST(RunLoop, AThrowingHandlerDoesNotStopTheOthers) {
	asio::io_context ioc;
	std::vector<int> ran;
	asio::post(ioc, [&] { ran.push_back(1); });
	asio::post(ioc, [] { throw std::bad_alloc(); });
	asio::post(ioc, [&] { ran.push_back(2); });
	asio::post(ioc, [] { throw std::runtime_error("bug in a catalog callback"); });
	asio::post(ioc, [&] {
		ran.push_back(3);
		asio::post(ioc, [&] { ran.push_back(4); });  // work posted after an exception still runs
	});
	EXPECT_EQ(RunSurvivingHandlerExceptions(ioc), 2u);
	EXPECT_EQ(ran, (std::vector<int>{1, 2, 3, 4}));
}

TEST(RunLoop, ReturnsWhenStopped) {
	asio::io_context ioc;
	auto guard = asio::make_work_guard(ioc);
	asio::post(ioc, [&] { ioc.stop(); });
	EXPECT_EQ(RunSurvivingHandlerExceptions(ioc), 0u);
}

}  // namespace
}  // namespace walcast::net
