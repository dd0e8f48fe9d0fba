#pragma once
// The seam between the channels stage (Phoenix protocol, hub, filters) and the network stage (Beast
// WebSocket sessions). The channels stage never sees a socket; tests give it a fake transport.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace walcast {

// Close codes the gateway sends. 4xxx are ours; README.md documents each.
enum class CloseCode : std::uint16_t {
	Normal = 1000,
	GoingAway = 1001,       // gateway shutting down
	ProtocolError = 1002,
	PolicyViolation = 1008,
	MessageTooBig = 1009,   // client sent a frame over the limit
	IdleTimeout = 4000,     // no frame (not even a heartbeat) within the idle timeout
	SlowClient = 4008,      // send queue exceeded its byte cap
	WriteError = 4009,
	TooManyMessages = 4029,  // over MAX_EVENTS_PER_SECOND (4029 after HTTP 429 Too Many Requests)
};

// One outgoing WebSocket message: a small envelope around bytes shared by every recipient, so fan-out
// never copies a record per client. Written as one frame: *shared_head + head + *shared + tail.
struct OutFrame {
	std::string head;
	std::shared_ptr<const std::string> shared;
	std::string tail;
	bool binary = false;
	// An envelope start shared by every frame of one channel (postgres_changes), so a change queued for
	// a lagging client costs no allocation of its own.
	std::shared_ptr<const std::string> shared_head;

	std::size_t size() const {
		return (shared_head ? shared_head->size() : 0) + head.size() + (shared ? shared->size() : 0) + tail.size();
	}
};

class ClientTransport {
public:
	virtual ~ClientTransport() = default;
	// Queues a frame without blocking. A client whose queue passes its byte cap is closed with
	// CloseCode::SlowClient instead; the call still returns at once.
	virtual void Send(OutFrame frame) = 0;
	virtual void Close(CloseCode code, std::string_view reason) = 0;
	// Names the client in log lines, e.g. "client 7 (127.0.0.1:51234)".
	virtual std::string Describe() const { return "client"; }
};

}  // namespace walcast
