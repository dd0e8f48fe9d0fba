#include "replication/wire.hpp"

#include <gtest/gtest.h>

#include <string>

namespace walcast::replication {
namespace {

std::string Be64(std::uint64_t v) {
	std::string out(8, '\0');
	PutUint64(out.data(), v);
	return out;
}

TEST(Wire, BigEndianRoundTrip) {
	const std::string bytes = Be64(0x0102030405060708ull);
	EXPECT_EQ(bytes, std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
	EXPECT_EQ(GetUint64(bytes.data()), 0x0102030405060708ull);
	EXPECT_EQ(GetUint64(Be64(0xffffffffffffffffull).data()), 0xffffffffffffffffull);
}

TEST(Wire, DecodesXLogDataWithPayload) {
	std::string msg = "w" + Be64(0x16B3740) + Be64(0x16B3800) + Be64(123456789) + R"({"type":"INSERT"})";
	auto x = DecodeXLogData(msg);
	ASSERT_TRUE(x);
	EXPECT_EQ(x->data_start, 0x16B3740u);
	EXPECT_EQ(x->wal_end, 0x16B3800u);
	EXPECT_EQ(x->send_time, 123456789);
	EXPECT_EQ(x->payload, R"({"type":"INSERT"})");
}

TEST(Wire, DecodesXLogDataWithEmptyPayload) {
	std::string msg = "w" + Be64(1) + Be64(2) + Be64(3);
	auto x = DecodeXLogData(msg);
	ASSERT_TRUE(x);
	EXPECT_TRUE(x->payload.empty());
}

TEST(Wire, RejectsTruncatedXLogDataAtEveryLength) {
	std::string msg = "w" + Be64(1) + Be64(2) + Be64(3);
	for (std::size_t len = 0; len < msg.size(); ++len)
		EXPECT_FALSE(DecodeXLogData(std::string_view(msg).substr(0, len))) << "length " << len;
}

TEST(Wire, RejectsXLogDataWithWrongTag) {
	std::string msg = "k" + Be64(1) + Be64(2) + Be64(3) + "{}";
	EXPECT_FALSE(DecodeXLogData(msg));
}

TEST(Wire, DecodesKeepalive) {
	std::string msg = "k" + Be64(0xAB00000001ull) + Be64(42) + std::string(1, '\1');
	auto k = DecodeKeepalive(msg);
	ASSERT_TRUE(k);
	EXPECT_EQ(k->wal_end, 0xAB00000001ull);
	EXPECT_EQ(k->send_time, 42);
	EXPECT_TRUE(k->reply_requested);

	msg.back() = '\0';
	k = DecodeKeepalive(msg);
	ASSERT_TRUE(k);
	EXPECT_FALSE(k->reply_requested);
}

TEST(Wire, RejectsTruncatedKeepaliveAtEveryLength) {
	std::string msg = "k" + Be64(1) + Be64(2) + std::string(1, '\1');
	for (std::size_t len = 0; len < msg.size(); ++len)
		EXPECT_FALSE(DecodeKeepalive(std::string_view(msg).substr(0, len))) << "length " << len;
}

TEST(Wire, RejectsGarbage) {
	EXPECT_FALSE(DecodeKeepalive(std::string(18, 'x')));
	EXPECT_FALSE(DecodeXLogData(std::string(100, '\0')));
	EXPECT_FALSE(DecodeKeepalive(""));
	EXPECT_FALSE(DecodeXLogData(""));
}

TEST(Wire, EncodesStatusUpdateAs34BigEndianBytes) {
	StatusUpdate s;
	s.write = 0x0000000100000010ull;
	s.flush = 0x0000000100000008ull;
	s.apply = 0;
	s.send_time = 0x0102030405060708ll;
	s.reply_requested = false;
	auto bytes = EncodeStatusUpdate(s);
	ASSERT_EQ(bytes.size(), 34u);
	std::string got(bytes.data(), bytes.size());
	std::string expected = "r" + Be64(s.write) + Be64(s.flush) + Be64(0) + Be64(0x0102030405060708ull) + std::string(1, '\0');
	EXPECT_EQ(got, expected);

	s.reply_requested = true;
	EXPECT_EQ(EncodeStatusUpdate(s)[33], 1);
}

TEST(Wire, PgEpochIsYear2000) {
	using namespace std::chrono;
	const system_clock::time_point y2k{seconds{946684800}};
	EXPECT_EQ(ToPgTimestamp(y2k), 0);
	EXPECT_EQ(ToPgTimestamp(y2k + seconds{1} + microseconds{5}), 1'000'005);
	EXPECT_EQ(ToPgTimestamp(system_clock::time_point{}), -946684800LL * 1'000'000);
	// 2024-01-01T00:00:00Z
	const system_clock::time_point y2024{seconds{1704067200}};
	EXPECT_EQ(ToPgTimestamp(y2024), (1704067200LL - 946684800LL) * 1'000'000);
	EXPECT_EQ(FromPgTimestamp(ToPgTimestamp(y2024 + microseconds{7})), y2024 + microseconds{7});
}

}  // namespace
}  // namespace walcast::replication
