#include "core/log.hpp"

#include <gtest/gtest.h>

#include <string>

namespace walcast::log {
namespace {

TEST(LogSanitize, ControlBytesCannotForgeALine) {
	EXPECT_EQ(Sanitize("topic realtime:a\n2026-01-01T00:00:00.000Z error net: forged"),
	          "topic realtime:a\\x0a2026-01-01T00:00:00.000Z error net: forged");
	EXPECT_EQ(Sanitize(std::string("a\rb\tc\x1b[31md\x7f\x00", 13)), "a\\x0db\\x09c\\x1b[31md\\x7f\\x00");
	EXPECT_EQ(Sanitize("caf\xc3\xa9 \\ ok"), "caf\xc3\xa9 \\ ok");  // UTF-8 and backslashes pass through
}

TEST(LogSanitize, LongMessagesAreCutAtTheLimit) {
	const std::string at_limit(kMaxMessageBytes, 'x');
	EXPECT_EQ(Sanitize(at_limit), at_limit);
	EXPECT_EQ(Sanitize(at_limit + "yz"), at_limit + "... (2 more bytes)");
}

}  // namespace
}  // namespace walcast::log
