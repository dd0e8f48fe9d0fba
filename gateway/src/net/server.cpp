#include "net/server.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "net/listener.hpp"
#include "net/server_context.hpp"

namespace walcast::net {

namespace {

// One pass over the clients: closes those idle too long or slow, tears down those that did not finish
// closing in time. The open and closing lists are ordered by time and the over-cap list is normally
// empty, so a pass touches only the sessions it acts on, not all 100k.
void Sweep(ServerContext& ctx) {
	if (ctx.on_sweep) ctx.on_sweep();
	const auto now = WebSocketSession::Clock::now();
	const auto& s = ctx.settings;

	std::size_t idle = 0;
	while (!ctx.open_sessions.empty() && ctx.open_sessions.front().last_activity() + s.idle_timeout <= now) {
		WebSocketSession& session = ctx.open_sessions.front();
		const auto keep = session.shared_from_this();
		session.Close(CloseCode::IdleTimeout, "idle timeout");
		if (!ctx.open_sessions.empty() && &ctx.open_sessions.front() == &session) session.unlink();  // never loop forever
		++idle;
	}
	// One line per sweep, not per client: a network outage can idle out thousands at once.
	if (idle > 0) WALCAST_LOG(info, "net", "closed " << idle << " client(s) silent for " << s.idle_timeout.count() << " ms");
	if (!ctx.over_cap_sessions.empty()) {
		std::vector<std::shared_ptr<WebSocketSession>> over;
		for (auto& session : ctx.over_cap_sessions) over.push_back(session.shared_from_this());
		for (auto& session : over) session->CheckSlow(now);
	}
	while (!ctx.closing_sessions.empty() &&
	       ctx.closing_sessions.front().closing_since() + s.close_timeout <= now) {
		WebSocketSession& session = ctx.closing_sessions.front();
		const auto keep = session.shared_from_this();
		WALCAST_LOG(debug, "net", "tearing down a client that did not finish closing in time");
		session.ForceClose();  // unlinks it
	}
}

void ScheduleSweep(const std::shared_ptr<ServerContext>& ctx) {
	ctx->sweeping = true;
	ctx->sweep_timer.expires_after(ctx->settings.sweep_interval);
	ctx->sweep_timer.async_wait([ctx](beast::error_code) {
		// Cancellation (from Stop) just means "sweep now".
		Sweep(*ctx);
		if (ctx->stopping && ctx->open_sessions.empty() && ctx->closing_sessions.empty()) {
			ctx->sweeping = false;
			return;
		}
		ScheduleSweep(ctx);
	});
}

void StopNow(ServerContext& ctx, Listener& listener) {
	if (ctx.stopping) return;
	ctx.stopping = true;
	listener.Stop();

	std::vector<std::shared_ptr<HttpSession>> http;
	for (auto& session : ctx.http_sessions) http.push_back(session.shared_from_this());
	for (auto& session : http) session->Stop();

	// Close() moves each session to the closing list, so walk a copy.
	std::vector<std::shared_ptr<WebSocketSession>> clients;
	for (auto& session : ctx.open_sessions) clients.push_back(session.shared_from_this());
	WALCAST_LOG(info, "net", "stopping: closing " << clients.size() << " clients");
	for (auto& session : clients) session->Close(CloseCode::GoingAway, "server shutting down");

	ctx.sweep_timer.cancel();
}

}  // namespace

void ShedQueuedBytes(ServerContext& ctx) {
	QueueBudget& budget = ctx.queue_budget;
	if (ctx.shedding || !budget.Over()) return;
	ctx.shedding = true;
	// Copies, as closing a client unlinks it from the list being walked.
	std::vector<std::shared_ptr<WebSocketSession>> sessions;
	std::vector<ShedCandidate> candidates;
	for (auto& session : ctx.sheddable_sessions) {
		sessions.push_back(session.shared_from_this());
		candidates.push_back({session.queued_bytes(), session.sheddable_bytes()});
	}
	const auto victims = ChooseClientsToShed(candidates, budget.excess());
	if (!victims.empty()) {
		WALCAST_LOG(warn, "net", budget.open_bytes() << " bytes queued for clients, over MAX_QUEUED_BYTES "
		                                             << budget.limit() << ": closing " << victims.size()
		                                             << " client(s) furthest behind");
	}
	for (const std::size_t i : victims) sessions[i]->CloseForQueueLimit();
	if (budget.Over() && !ctx.told_nothing_to_shed) {
		// What is left is write buffers (at most the high-water mark plus one frame per client): closing a
		// client that keeps up would not help anyone. Said once until the sum is back under the limit.
		ctx.told_nothing_to_shed = true;
		WALCAST_LOG(warn, "net", budget.open_bytes() << " bytes queued for clients, over MAX_QUEUED_BYTES "
		                                             << budget.limit() << ", in socket write buffers only: nothing to shed");
	} else if (!budget.Over()) {
		ctx.told_nothing_to_shed = false;
	}
	ctx.shedding = false;
}

void PostShedQueuedBytes(const std::shared_ptr<ServerContext>& ctx) {
	if (ctx->shed_scheduled) return;
	ctx->shed_scheduled = true;
	asio::post(ctx->ioc, [ctx] {
		ctx->shed_scheduled = false;
		ShedQueuedBytes(*ctx);
	});
}

void EnsureSweeping(const std::shared_ptr<ServerContext>& ctx) {
	if (!ctx->sweeping) ScheduleSweep(ctx);
}

tcp::endpoint ResolveBindEndpoint(asio::io_context& ioc, std::string_view address, std::uint16_t port) {
	beast::error_code ec;
	const auto ip = asio::ip::make_address(std::string(address), ec);
	if (!ec) return tcp::endpoint(ip, port);

	tcp::resolver resolver(ioc);
	const auto results = resolver.resolve(std::string(address), std::to_string(port),
	                                      tcp::resolver::passive | tcp::resolver::numeric_service, ec);
	if (ec || results.empty())
		throw std::runtime_error("bad bind address '" + std::string(address) +
		                         "': " + (ec ? ec.message() : "no address found"));
	return results.begin()->endpoint();
}

Server::Server(asio::io_context& ioc, std::string_view address, std::uint16_t port, HandlerFactory factory,
               ServerSettings settings)
	: ctx_(std::make_shared<ServerContext>(ioc, std::move(settings), std::move(factory))) {
	listener_ = std::make_shared<Listener>(ctx_, ResolveBindEndpoint(ioc, address, port));
	port_ = listener_->local_endpoint().port();
	listener_->Run();
	EnsureSweeping(ctx_);
	WALCAST_LOG(info, "net", "listening on " << address << ":" << port_);
}

Server::~Server() = default;

void Server::Stop() {
	asio::dispatch(ctx_->ioc, [ctx = ctx_, listener = listener_] { StopNow(*ctx, *listener); });
}

}  // namespace walcast::net
