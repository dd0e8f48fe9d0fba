// BatchingSocket and FrameHeader against a real Beast WebSocket client over loopback: the frames the
// session writes itself must parse as WebSocket messages, interleave correctly with Beast's own control
// frames, and a batch appended in one handler must leave in one write.
#include "net/batching_socket.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "net/frame_header.hpp"
#include "net/write_buffer.hpp"

namespace walcast::net {
namespace {

TEST(FrameHeader, UsesTheShortestLengthForm) {
	EXPECT_EQ(FrameHeader(false, 0).bytes(), std::string_view("\x81\x00", 2));
	EXPECT_EQ(FrameHeader(true, 125).bytes(), std::string_view("\x82\x7d", 2));
	EXPECT_EQ(FrameHeader(false, 126).bytes(), std::string_view("\x81\x7e\x00\x7e", 4));
	EXPECT_EQ(FrameHeader(false, 65535).bytes(), std::string_view("\x81\x7e\xff\xff", 4));
	EXPECT_EQ(FrameHeader(false, 65536).bytes(), std::string_view("\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10));
}

std::string Join(const WriteBuffer& buffer) {
	std::string out;
	for (const auto& piece : buffer.Buffers()) out.append(static_cast<const char*>(piece.data()), piece.size());
	return out;
}

TEST(WriteBuffer, CopiesSmallPiecesIntoOneRunAndReferencesLargeOnes) {
	WriteBuffer buffer;
	auto small = std::make_shared<const std::string>("small");
	auto large = std::make_shared<const std::string>(WriteBuffer::kReferenceFrom, 'x');
	buffer.Append("[");
	buffer.Append(small);
	buffer.Append("]");
	buffer.Append(large);
	buffer.Append("!");
	EXPECT_EQ(buffer.size(), 8u + large->size());
	ASSERT_EQ(buffer.Buffers().size(), 3u);  // "[small]", the large payload by reference, "!"
	EXPECT_EQ(buffer.Buffers()[1].data(), large->data());
	EXPECT_EQ(small.use_count(), 1);  // copied, not held
	EXPECT_EQ(large.use_count(), 2);  // held until cleared
	EXPECT_EQ(Join(buffer), "[small]" + *large + "!");
	buffer.Clear();
	EXPECT_TRUE(buffer.empty());
	EXPECT_EQ(large.use_count(), 1);
}

// A server side made of what the session uses: websocket::stream over BatchingSocket, accepted on a
// loopback listener; the client is Beast's ordinary synchronous WebSocket client on its own thread.
class BatchingSocketTest : public ::testing::Test {
protected:
	struct Owner {};  // stands in for the session that BatchingSocket keeps alive while writing

	void SetUp() override {
		tcp::acceptor acceptor(io_, {asio::ip::make_address("127.0.0.1"), 0});
		const auto endpoint = acceptor.local_endpoint();
		client_thread_ = std::thread([this, endpoint] {
			client_.next_layer().connect(endpoint);
			client_.handshake("127.0.0.1", "/");
		});
		server_ = std::make_unique<websocket::stream<BatchingSocket, false>>(acceptor.accept());
		server_->next_layer().set_owner(owner_);
		server_->next_layer().set_on_written([this](beast::error_code ec, std::size_t bytes) {
			EXPECT_FALSE(ec) << ec.message();
			writes_.push_back(bytes);
		});
		bool accepted = false;
		server_->async_accept([&](beast::error_code ec) {
			ASSERT_FALSE(ec) << ec.message();
			accepted = true;
		});
		while (!accepted) io_.run_one();
		client_thread_.join();
		while (server_->next_layer().write_in_flight()) io_.run_one();
		writes_.clear();  // the handshake response
	}

	// Runs the server's io_context until `done` while the client does `client_work` on its thread.
	template <class ClientWork>
	void RunWithClient(ClientWork client_work, const std::function<bool()>& done) {
		std::thread client([&] { client_work(); });
		io_.restart();
		while (!done()) io_.run_one();
		client.join();
	}

	std::string ReadMessage(bool* binary = nullptr) {
		beast::flat_buffer buffer;
		client_.read(buffer);
		if (binary) *binary = client_.got_binary();
		return beast::buffers_to_string(buffer.data());
	}

	asio::io_context io_;
	asio::io_context client_io_;
	websocket::stream<tcp::socket> client_{client_io_};
	std::thread client_thread_;
	std::shared_ptr<Owner> owner_ = std::make_shared<Owner>();
	std::unique_ptr<websocket::stream<BatchingSocket, false>> server_;
	std::vector<std::size_t> writes_;
	bool closed_ = false;
};

TEST_F(BatchingSocketTest, ABatchOfFramesLeavesInOneWriteAndParsesAsMessages) {
	auto big = std::make_shared<const std::string>(70'000, 'b');  // 64-bit length form, sent by reference
	std::vector<OutFrame> frames;
	auto envelope = std::make_shared<const std::string>("[\"env\",");  // a channel's shared envelope start
	for (int i = 0; i < 100; ++i)
		frames.push_back(OutFrame{"{\"n\":" + std::to_string(i) + ",\"r\":", std::make_shared<const std::string>("\"x\""), "}",
		                          false, i % 2 ? envelope : nullptr});
	frames.push_back(OutFrame{"", big, "", true});
	frames.push_back(OutFrame{std::string(300, 'm'), nullptr, "", false});  // 16-bit length form

	std::size_t total = 0;
	for (const auto& frame : frames) {
		ASSERT_TRUE(server_->next_layer().AppendFrame(frame));
		total += frame.size();
	}
	std::vector<std::string> got;
	std::vector<bool> binary;
	RunWithClient(
		[&] {
			for (std::size_t i = 0; i < frames.size(); ++i) {
				bool b = false;
				got.push_back(ReadMessage(&b));
				binary.push_back(b);
			}
		},
		[&] { return !writes_.empty() && server_->next_layer().buffered_bytes() == 0; });

	ASSERT_EQ(writes_.size(), 1u) << "appended in one handler, written in one gather write";
	EXPECT_GT(writes_[0], total);  // payloads plus frame headers
	ASSERT_EQ(got.size(), frames.size());
	for (std::size_t i = 0; i < frames.size(); ++i) {
		const auto& f = frames[i];
		EXPECT_EQ(got[i], (f.shared_head ? *f.shared_head : "") + f.head + (f.shared ? *f.shared : "") + f.tail) << i;
		EXPECT_EQ(binary[i], frames[i].binary) << i;
	}
}

TEST_F(BatchingSocketTest, BeastsPongAndCloseStayInOrderWithTheDataFrames) {
	// The client pings. Beast's read loop answers with a pong, written through the batching socket
	// between data frames the server appends; then the server closes. The client must read every frame
	// whole, the pong, and the close.
	server_->control_callback([&](websocket::frame_type kind, beast::string_view) {
		if (kind != websocket::frame_type::ping) return;
		// After the pong, which Beast appends as soon as this callback returns.
		asio::post(io_, [&] {
			for (int i = 1; i <= 3; ++i)
				server_->next_layer().AppendFrame(OutFrame{"frame " + std::to_string(i), nullptr, "", false});
			server_->async_close(websocket::close_code::going_away, [&](beast::error_code ec) {
				EXPECT_FALSE(ec) << ec.message();
				closed_ = true;
			});
		});
	});
	bool pong = false;
	client_.control_callback([&](websocket::frame_type kind, beast::string_view) {
		if (kind == websocket::frame_type::pong) pong = true;
	});
	server_->next_layer().AppendFrame(OutFrame{"frame 0", nullptr, "", false});

	beast::flat_buffer server_buffer;
	bool server_read_ended = false;
	server_->async_read(server_buffer, [&](beast::error_code ec, std::size_t) {
		// Beast ends a read pending across a local close with `closed` or `operation_aborted`.
		EXPECT_TRUE(ec == websocket::error::closed || ec == asio::error::operation_aborted) << ec.message();
		server_read_ended = true;
	});
	std::vector<std::string> got;
	beast::error_code read_end;
	RunWithClient(
		[&] {
			client_.ping("");
			for (;;) {
				beast::flat_buffer buffer;
				client_.read(buffer, read_end);
				if (read_end) break;
				got.push_back(beast::buffers_to_string(buffer.data()));
			}
		},
		[&] { return closed_ && server_read_ended; });

	EXPECT_EQ(read_end, websocket::error::closed);
	EXPECT_EQ(client_.reason().code, websocket::close_code::going_away);
	EXPECT_TRUE(pong);
	EXPECT_EQ(got, (std::vector<std::string>{"frame 0", "frame 1", "frame 2", "frame 3"}));
	// Nothing may follow the close frame.
	EXPECT_FALSE(server_->next_layer().AppendFrame(OutFrame{"late", nullptr, "", false}));
}

}  // namespace
}  // namespace walcast::net
