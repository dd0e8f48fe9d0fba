// walcast-gateway: wires the three stages of the data path together.
//
//   replication thread                      network thread (one io_context)
//   ReplicationStream ──batch of WalEvents──▶ DispatchPump ─▶ Hub::Dispatch ──OutFrame──▶ WebSocket sessions
//          ▲                                     │
//          └──────── DeliveryProgress ◀──────────┘  (the slot is confirmed only up to what was handed over)
//
// Two threads for two cores: decoding the stream and parsing JSON on one, routing and socket writes on the other.

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include "auth/pg_authorizer.hpp"
#include "auth/token_verifier.hpp"
#include "channels/hub.hpp"
#include "channels/pg_catalog.hpp"
#include "core/config.hpp"
#include "core/delivery_progress.hpp"
#include "core/log.hpp"
#include "net/dispatch_pump.hpp"
#include "net/run_loop.hpp"
#include "net/server.hpp"
#include "replication/stream.hpp"

namespace {

namespace asio = boost::asio;
using namespace walcast;

// Every database-facing part takes the same connection fields.
template <class Settings>
Settings WithConnection(const Config& c) {
	Settings s;
	s.host = c.db_host;
	s.port = c.db_port;
	s.dbname = c.db_name;
	s.user = c.db_user;
	s.password = c.db_password;
	return s;
}

// ... and the stream and the catalog also the publication.
template <class Settings>
Settings WithDatabase(const Config& c) {
	auto s = WithConnection<Settings>(c);
	s.publication = c.publication;
	return s;
}

replication::StreamSettings StreamSettingsFrom(const Config& c) {
	auto s = WithDatabase<replication::StreamSettings>(c);
	s.slot = c.slot_name;
	s.status_interval = c.status_interval;
	s.max_backoff = c.max_reconnect_backoff;
	return s;
}

net::ServerSettings ServerSettingsFrom(const Config& c) {
	net::ServerSettings s;
	s.max_message_bytes = c.max_message_bytes;
	s.send_queue_cap_bytes = c.max_client_queue_bytes;
	s.slow_client_window = c.slow_client_window;
	s.max_connections = c.max_connections;
	s.max_queued_bytes = c.max_queued_bytes;
	s.idle_timeout = c.idle_timeout;
	s.slot_name = c.slot_name;
	s.http_body_limit = c.max_http_body_bytes;
	s.max_broadcast_messages = c.max_broadcast_messages;
	return s;
}

auth::PgAuthorizerSettings AuthorizerSettingsFrom(const Config& c) {
	auto s = WithConnection<auth::PgAuthorizerSettings>(c);
	s.query_timeout = c.auth_query_timeout;
	s.max_pending = c.auth_max_pending;
	s.cache_ttl = c.auth_cache_ttl;
	s.cache_entries = c.auth_cache_entries;
	return s;
}

// The verifiers of client tokens and of the metrics token; null when not configured. Returns false (and
// logs why) when a setting cannot work, e.g. a JWKS file that does not parse: the gateway must not start
// open when its operator meant it to check tokens.
bool MakeVerifiers(const Config& c, std::unique_ptr<auth::TokenVerifier>& clients,
                   std::unique_ptr<auth::TokenVerifier>& metrics) {
	std::string error;
	if (AuthEnabled(c)) {
		auth::VerifierSettings s;
		s.jwt_secret = c.jwt_secret;
		s.jwt_jwks = c.jwt_jwks;
		s.claim_validators = c.jwt_claim_validators;
		s.leeway = c.jwt_leeway;
		s.cache_entries = c.jwt_cache_entries;
		clients = auth::TokenVerifier::Create(s, error);
		if (!clients) {
			WALCAST_LOG(error, "gateway", "JWT_SECRET/JWT_JWKS/JWT_CLAIM_VALIDATORS: " << error);
			return false;
		}
	} else if (!c.jwt_claim_validators.empty() || c.private_channels_only) {
		WALCAST_LOG(error, "gateway", "JWT_CLAIM_VALIDATORS and PRIVATE_CHANNELS_ONLY need JWT_SECRET or JWT_JWKS");
		return false;
	}
	if (!c.metrics_jwt_secret.empty()) {
		auth::VerifierSettings s;
		s.jwt_secret = c.metrics_jwt_secret;
		s.leeway = c.jwt_leeway;
		s.require_role = false;
		metrics = auth::TokenVerifier::Create(s, error);
		if (!metrics) {
			WALCAST_LOG(error, "gateway", "METRICS_JWT_SECRET: " << error);
			return false;
		}
	}
	return true;
}

channels::PgCatalogSettings CatalogSettingsFrom(const Config& c) {
	auto s = WithDatabase<channels::PgCatalogSettings>(c);
	s.query_timeout = c.catalog_query_timeout;
	s.max_pending = c.catalog_max_pending;
	s.cache_entries = c.catalog_cache_entries;
	return s;
}

channels::FilterLimits FilterLimitsFrom(const Config& c) {
	channels::FilterLimits limits;
	limits.max_bytes = c.max_filter_bytes;
	limits.max_conditions = c.max_filter_conditions;
	limits.max_like_pattern_bytes = c.max_like_pattern_bytes;
	return limits;
}

int Run(const Config& config) {
	asio::io_context ioc{1};
	// Keeps the network thread alive until the replication stream has stopped, so events it posted before
	// stopping are still handed over and counted in the final confirmed position.
	auto keep_running = asio::make_work_guard(ioc);

	std::unique_ptr<auth::TokenVerifier> verifier, metrics_verifier;
	if (!MakeVerifiers(config, verifier, metrics_verifier)) return 1;
	if (!verifier)
		WALCAST_LOG(warn, "gateway", "auth is off (no JWT_SECRET or JWT_JWKS): every client that reaches this port "
		                             "may read every published change and send to every topic");
	else
		WALCAST_LOG(info, "gateway", "auth is on: clients need a verified JWT (apikey, access_token)");
	if (!config.secret_key_base.empty())
		WALCAST_LOG(debug, "gateway", "SECRET_KEY_BASE is set; walcast does not use it (no cookies or sessions)");

	DeliveryProgress progress;
	channels::PgCatalog catalog(CatalogSettingsFrom(config),
	                            [&ioc](std::function<void()> f) { asio::post(ioc, std::move(f)); });
	channels::Hub hub(progress, catalog);
	hub.SetFilterLimits(FilterLimitsFrom(config));
	hub.SetPresenceLimits({config.max_presence_meta_bytes, config.max_presences_per_topic});
	hub.SetClientLimits({config.max_channels_per_client, config.max_joins_per_second, config.max_events_per_second,
	                     config.max_log_lines_per_client});
	// The policy checks have a connection of their own, made only when auth is on.
	std::optional<auth::PgAuthorizer> authorizer;
	if (verifier) {
		authorizer.emplace(AuthorizerSettingsFrom(config),
		                   [&ioc](std::function<void()> f) { asio::post(ioc, std::move(f)); });
		hub.SetAuth({verifier.get(), &*authorizer, config.private_channels_only});
	}
	auto server_settings = ServerSettingsFrom(config);
	server_settings.verifier = verifier.get();
	server_settings.metrics_verifier = metrics_verifier.get();

	std::optional<net::Server> server;
	try {
		server.emplace(ioc, config.bind_address, config.port, hub, std::move(server_settings));
	} catch (const std::exception& e) {
		WALCAST_LOG(error, "gateway", "cannot listen on " << config.bind_address << ":" << config.port << ": " << e.what());
		return 1;
	}

	// Declared in this order so the stream (and its thread, which pushes into the pump) goes first.
	std::optional<net::DispatchPump> pump;
	std::optional<replication::ReplicationStream> stream;
	pump.emplace(ioc, [&hub](const WalEvent& event) { hub.Dispatch(event); }, [&stream] { stream->NotifyProgress(); });
	stream.emplace(StreamSettingsFrom(config), progress,
	               [&pump](std::vector<WalEvent> batch) { pump->Push(std::move(batch)); });
	try {
		stream->Start();
	} catch (const std::exception& e) {
		WALCAST_LOG(error, "gateway", e.what());
		return 1;
	}

	std::thread stopper;
	asio::signal_set signals(ioc, SIGINT, SIGTERM);
	signals.async_wait([&](const boost::system::error_code& ec, int signal) {
		if (ec) return;
		WALCAST_LOG(info, "gateway", "received " << (signal == SIGINT ? "SIGINT" : "SIGTERM") << ", shutting down");
		// The stream stops first: it reads nothing more, waits until what it posted was handed to the clients'
		// queues (on this thread, hence another one for the wait) and confirms exactly that. Only then are the
		// clients closed, each after its queue: closing them first would mark the changes still in flight as
		// handled with nobody to send them to, and confirm them.
		stopper = std::thread([&] {
			stream->Stop();
			asio::post(ioc, [&] {
				server->Stop();
				keep_running.reset();
			});
		});
	});

	net::RunSurvivingHandlerExceptions(ioc);
	if (stopper.joinable()) stopper.join();
	WALCAST_LOG(info, "gateway", "stopped");
	return 0;
}

}  // namespace

int main(int argc, char** argv) {
	std::signal(SIGPIPE, SIG_IGN);
	for (int i = 1; i < argc; ++i) {
		if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
			std::fputs(ConfigHelp().c_str(), stdout);
			return 0;
		}
		std::fprintf(stderr, "walcast-gateway: unknown argument '%s' (settings come from the environment; see --help)\n",
		             argv[i]);
		return 2;
	}

	Config config;
	if (auto error = LoadConfig(config, [](const char* name) { return std::getenv(name); })) {
		std::fprintf(stderr, "walcast-gateway: %s\n", error->c_str());
		return 2;
	}
	log::SetLevel(config.log_level);
	return Run(config);
}
