#pragma once
// One benchmark WebSocket client on one io_context thread: connects (optionally from a chosen loopback
// source address), subscribes in its protocol, keeps the connection alive, and on every row it hears
// records the latency from the row's `sent_ns` to now in its thread's statistics.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "frames.hpp"
#include "histogram.hpp"

namespace loadgen {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct Target {
	std::string host;
	std::uint16_t port = 0;
	std::string path;  // with the query, e.g. /socket/websocket?vsn=2.0.0
};
// ws://host:port/path?query
std::optional<Target> ParseWsUrl(const std::string& url);

struct ClientConfig {
	Target target;
	Protocol protocol = Protocol::kPhoenix;
	std::string schema = "public", table = "bench", topic = "bench";
	bool distinct_topics = false;  // topic-<index> per client instead of one shared topic
	int heartbeat_ms = 25'000;     // realtime-js's interval
	std::int64_t warm_rows = 0;    // rows with 0 < seq <= warm_rows are warm-up: counted apart, not timed
	// Rows stamped before this run began are leftovers of an earlier run that a lagging server still
	// delivers (seq numbers repeat across runs): counted as stale, never timed.
	std::int64_t not_before_ns = 0;
	// Phoenix only: when set, each client joins with this phx_join payload (a JSON object, e.g. a broadcast-only
	// channel) instead of the postgres_changes join, and is ready at the join's ok reply. Client i's join
	// carries access_tokens[i % size] as its access_token (none when the list is empty).
	std::string join_payload;
	std::vector<std::string> access_tokens;
};

// Written by one io thread; the counters are read by the main thread while it waits on them.
struct ThreadStats {
	Histogram latency;  // measured rows; read only after the thread stopped
	std::atomic<std::uint64_t> ready{0}, failed{0}, closed{0}, probed{0}, measured{0}, warm{0}, out_of_order{0},
	    sub_errors{0}, stale{0};
	std::atomic<std::int64_t> last_arrival_ns{0};
	std::mutex error_mutex;
	std::string first_error;
	void NoteError(const std::string& what) {
		std::lock_guard lock(error_mutex);
		if (first_error.empty()) first_error = what;
	}
};

class WsClient : public std::enable_shared_from_this<WsClient> {
public:
	WsClient(asio::io_context& io, const ClientConfig& config, ThreadStats& stats, std::size_t index,
	         std::optional<asio::ip::address> source, std::function<void()> on_settled);
	void Start();
	void Close();

private:
	void OnConnect(beast::error_code ec);
	void OnHandshake(beast::error_code ec);
	void Send(std::string frame);
	void WriteNext();
	void ReadNext();
	// Handles every whole frame in raw_; false once the client failed or closed.
	bool ParseFrames();
	void OnMessage(std::string_view text);
	void ArmHeartbeat(int delay_ms);
	void Fail(const char* where, beast::error_code ec);
	void MarkReady();
	void Settle();

	const ClientConfig& config_;
	ThreadStats& stats_;
	std::size_t index_;
	std::optional<asio::ip::address> source_;
	std::function<void()> on_settled_;
	websocket::stream<tcp::socket> ws_;
	static constexpr std::size_t kReadChunk = 64 * 1024;
	static constexpr std::uint64_t kMaxMessage = 64u << 20;
	beast::flat_buffer raw_;   // bytes read from the socket, not yet parsed into frames
	std::string partial_;      // a fragmented message being assembled
	bool partial_text_ = false;
	std::deque<std::string> outbox_;
	asio::steady_timer heartbeat_;
	std::uint64_t heartbeat_ref_ = 0;
	std::int64_t last_seq_ = 0;
	bool writing_ = false, ready_ = false, settled_ = false, probed_ = false, closing_ = false, failed_ = false;
};

}  // namespace loadgen
