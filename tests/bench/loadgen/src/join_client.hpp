#pragma once
// One connection of the `joins` mode: opens its WebSocket (the apikey rides on the URL), then, each time it is
// told to, joins all of its channels at once (pipelined, as realtime-js does when several channels subscribe)
// or leaves the ones it joined, counting the server's phx_reply answers. Each client settles once per phase
// (every join/leave answered, or the connection lost), so the driver can wait for a phase and time it by the
// last answer.

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "ws_client.hpp"

namespace loadgen {

// One channel of one client: the topic (without "realtime:") and the access_token of its join (may be empty).
struct ChannelJoin {
	std::string topic;
	std::string access_token;
};

// Shared by every JoinClient of a run; the driver thread reads it while io threads write it.
struct JoinStats {
	std::atomic<std::uint64_t> connected{0}, connect_failed{0}, settled{0}, ok{0}, refused{0}, lost{0};
	std::atomic<std::int64_t> last_answer_ns{0};
	std::mutex error_mutex;
	std::string first_error;
	void NoteError(const std::string& what) {
		std::lock_guard lock(error_mutex);
		if (first_error.empty()) first_error = what;
	}
	void NoteAnswer(std::int64_t now_ns) {
		auto seen = last_answer_ns.load(std::memory_order_relaxed);
		while (seen < now_ns && !last_answer_ns.compare_exchange_weak(seen, now_ns, std::memory_order_relaxed)) {
		}
	}
};

// The phx_join payload with an access_token added when `access_token` is not empty. `payload` is a JSON object.
std::string JoinPayloadWithToken(const std::string& payload, const std::string& access_token);

class JoinClient : public std::enable_shared_from_this<JoinClient> {
public:
	JoinClient(asio::io_context& io, const Target& target, std::vector<ChannelJoin> channels, const std::string& payload,
	           JoinStats& stats);
	void Connect();           // counts connected or connect_failed once
	void JoinAll(int round);  // sends one phx_join per channel; settles when all are answered
	void LeaveAll(int round); // sends one phx_leave per joined channel; settles when all are answered
	void Close();

private:
	void OnConnect(beast::error_code ec);
	void OnHandshake(beast::error_code ec);
	void Send(std::string frame);
	void WriteNext();
	void ReadNext();
	void OnMessage(std::string_view text);
	void Fail(const char* where, beast::error_code ec);
	void Settle();

	const Target& target_;
	std::vector<ChannelJoin> channels_;
	const std::string& payload_;
	JoinStats& stats_;
	websocket::stream<tcp::socket> ws_;
	beast::flat_buffer in_;
	std::deque<std::string> outbox_;
	std::vector<bool> joined_;
	std::size_t awaiting_ = 0;  // answers still due in this phase
	bool leaving_ = false, writing_ = false, open_ = false, failed_ = false, closing_ = false, settled_ = true;
};

}  // namespace loadgen
