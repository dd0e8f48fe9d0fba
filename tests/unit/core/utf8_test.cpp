#include "core/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace walcast {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
	for (std::string ok : {std::string(""), std::string("plain"), std::string("caf\xc3\xa9"), std::string("\xe2\x9c\x93"),
	                       std::string("\xf0\x9f\x98\x80"), std::string("\xef\xbf\xbf"), std::string("\xf4\x8f\xbf\xbf"),
	                       std::string("\x00", 1), std::string("\xed\x9f\xbf")})
		EXPECT_TRUE(IsValidUtf8(ok)) << ok;
}

TEST(Utf8, RejectsWhatBrowsersFailAConnectionOn) {
	for (std::string bad : {std::string("\xff"), std::string("\x80"), std::string("\xc0\xaf"),  // stray, continuation, overlong
	                        std::string("\xc1\xbf"), std::string("\xe0\x80\xaf"), std::string("\xf0\x80\x80\xaf"),  // overlongs
	                        std::string("\xed\xa0\x80"), std::string("\xed\xbf\xbf"),  // surrogates
	                        std::string("\xf4\x90\x80\x80"), std::string("\xf5\x80\x80\x80"),  // past U+10FFFF
	                        std::string("\xc3"), std::string("\xe2\x9c"), std::string("ok\xf0\x9f\x98"),  // truncated
	                        std::string("\xc3\x28"), std::string("\xe2\x28\xa1")})  // bad continuation
		EXPECT_FALSE(IsValidUtf8(bad)) << testing::PrintToString(bad);
}

}  // namespace
}  // namespace walcast
