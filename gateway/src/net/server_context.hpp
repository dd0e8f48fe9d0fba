#pragma once
// State shared by the listener, every session and the sweep. Sessions hold it by shared_ptr, so it
// outlives every handler still queued in the io_context even after the Server object is gone.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include <boost/intrusive/list.hpp>

#include "net/beast.hpp"
#include "net/connection_slots.hpp"
#include "net/http_session.hpp"
#include "net/inbound_handler.hpp"
#include "net/queue_budget.hpp"
#include "net/server_settings.hpp"
#include "net/websocket_session.hpp"

namespace walcast::net {

template <typename T>
using AutoUnlinkList = boost::intrusive::list<T, boost::intrusive::constant_time_size<false>>;

struct ServerContext {
	ServerContext(asio::io_context& io, ServerSettings s, HandlerFactory f)
		: ioc(io),
		  settings(std::move(s)),
		  factory(std::move(f)),
		  slow_policy(settings.send_queue_cap_bytes, settings.slow_client_window),
		  connection_slots(settings.max_connections),
		  queue_budget(settings.max_queued_bytes),
		  sweep_timer(io) {}

	asio::io_context& ioc;
	const ServerSettings settings;
	const HandlerFactory factory;
	const SlowClientPolicy slow_policy;
	ConnectionSlots connection_slots;
	QueueBudget queue_budget;
	bool stopping = false;
	bool shedding = false;       // ShedQueuedBytes is running (closing a client can report bytes again)
	bool shed_scheduled = false; // a ShedQueuedBytes is posted
	bool told_nothing_to_shed = false;  // logged once per episode, not per frame
	// Upgrades refused at MAX_CONNECTIONS since the last log line about them (one line a second at most).
	std::uint64_t refusals_not_logged = 0;
	std::chrono::steady_clock::time_point last_refusal_logged{};

	// Open sessions, least recently active first: a message moves its session to the back, so the idle
	// sweep only looks at the front. Closing sessions, oldest first, for the close timeout.
	AutoUnlinkList<WebSocketSession> open_sessions;
	AutoUnlinkList<WebSocketSession> closing_sessions;
	// Open sessions whose queue is over the cap, for the sweep to judge even when nothing more is sent.
	boost::intrusive::list<WebSocketSession,
	                       boost::intrusive::member_hook<WebSocketSession, decltype(WebSocketSession::over_cap_hook),
	                                                     &WebSocketSession::over_cap_hook>,
	                       boost::intrusive::constant_time_size<false>>
		over_cap_sessions;
	// Open sessions holding more than a socket write buffer's worth (a backlog, or pongs past the high-water
	// mark): the candidates when MAX_QUEUED_BYTES is reached. A client that keeps up is not among them.
	boost::intrusive::list<WebSocketSession,
	                       boost::intrusive::member_hook<WebSocketSession, decltype(WebSocketSession::shed_hook),
	                                                     &WebSocketSession::shed_hook>,
	                       boost::intrusive::constant_time_size<false>>
		sheddable_sessions;
	// HTTP connections not (yet) upgraded, so Stop() can end them.
	AutoUnlinkList<HttpSession> http_sessions;

	// REST broadcasts go here (the Hub's sink in the gateway; null: 404 for the route).
	std::shared_ptr<BroadcastSink> broadcast_sink;
	// Runs at every sweep (the Hub's token expiry).
	std::function<void()> on_sweep;

	asio::steady_timer sweep_timer;
	bool sweeping = false;  // a sweep is scheduled
	std::uint64_t next_session_id = 1;
};

// Schedules the periodic sweep (idle, slow and closing clients) unless it is already scheduled. It ends
// by itself once the server is stopping and no client is left. Defined in server.cpp.
void EnsureSweeping(const std::shared_ptr<ServerContext>& ctx);

// While the bytes queued for open clients are over MAX_QUEUED_BYTES, closes the clients furthest behind
// (ChooseClientsToShed) with SlowClient. Safe to call from any session's Send; not from inside one of Beast's
// own writes (use PostShedQueuedBytes there). Defined in server.cpp.
void ShedQueuedBytes(ServerContext& ctx);
void PostShedQueuedBytes(const std::shared_ptr<ServerContext>& ctx);

}  // namespace walcast::net
