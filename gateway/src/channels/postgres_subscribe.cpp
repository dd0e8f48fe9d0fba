#include "channels/postgres_subscribe.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "core/log.hpp"
#include "core/metrics.hpp"

namespace walcast::channels {

namespace json = boost::json;

namespace {

// Asks the authorizer about the channel's checked_tables under its current identity, then either routes the
// allowed ones or hands the refusal to `refuse`.
template <class Refuse>
void AskTables(Hub& hub, const std::shared_ptr<Channel>& ch, Refuse refuse) {
	auth::AccessRequest request;
	request.identity = ch->identity;
	request.tables = ch->checked_tables;
	Hub* hub_ptr = &hub;
	std::weak_ptr<Channel> weak = ch;
	std::weak_ptr<const auth::Identity> asked_for = ch->identity;  // by weak_ptr: a freed identity's address is reused
	hub.auth().authorizer->Check(std::move(request), ch, [hub_ptr, weak, asked_for, refuse](auth::AccessResult result) {
		auto ch = weak.lock();
		if (!ch || !ch->Open() || !ch->in_hub || ch->identity != asked_for.lock()) return;  // gone or refreshed again
		if (!result.ok) {
			GlobalMetrics().client_errors.fetch_add(1, std::memory_order_relaxed);
			return refuse(*ch, "Unable to subscribe to changes: could not check table privileges: " + result.error);
		}
		std::vector<std::string> allowed;
		for (std::size_t i = 0; i < ch->checked_tables.size() && i < result.table_select.size(); ++i)
			if (result.table_select[i]) allowed.push_back(RouteKey(ch->checked_tables[i].first, ch->checked_tables[i].second));
		for (auto& b : ch->bindings) {
			if (b.schema == "*" || b.table == "*") continue;
			if (std::find(allowed.begin(), allowed.end(), RouteKey(b.schema, b.table)) != allowed.end()) continue;
			GlobalMetrics().client_errors.fetch_add(1, std::memory_order_relaxed);
			const std::string problem = "Unauthorized: role " + ch->identity->role + " may not SELECT " + b.schema + "." + b.table;
			if (ch->log) WALCAST_CLIENT_LOG(*ch->log, info, "channels", ch->topic << ": postgres_changes refused: " << problem);
			return refuse(*ch, problem);
		}
		const bool was_active = ch->bindings_active;
		ch->tables_restricted = true;
		ch->allowed_tables = std::move(allowed);
		if (was_active) return;  // a re-check: the routing stays, narrowed to the new list
		hub_ptr->ActivateBindings(*ch);
		SendPostgresStatus(*ch, true, "Subscribed to PostgreSQL");
	});
}

// Gathers the catalog answers for one join; the last answer decides.
struct PendingSubscribe {
	Hub* hub;
	std::weak_ptr<Channel> channel;
	std::size_t outstanding = 0;
	std::string unavailable;  // first "could not ask the database" error
	std::string busy;         // first "too many lookups waiting" refusal
	std::vector<CatalogTable> tables;

	void Finish() {
		auto ch = channel.lock();
		if (!ch || !ch->Open() || !ch->in_hub) return;  // left, rejoined or disconnected meanwhile
		if (!busy.empty()) {
			// Refused, not failed: the client is told and may rejoin; the gateway does not retry on its own,
			// which would keep the backlog that caused the refusal full.
			GlobalMetrics().client_errors.fetch_add(1, std::memory_order_relaxed);
			// debug: under overload this would be one line per join; PgCatalog logs the overload once.
			WALCAST_LOG(debug, "channels", ch->topic << ": postgres_changes refused: " << busy);
			SendPostgresStatus(*ch, false, "Unable to subscribe to changes: " + busy);
			return;
		}
		if (!unavailable.empty()) {
			hub->RetrySubscribeLater(ch);
			if (ch->unreachable_reported) return;
			ch->unreachable_reported = true;
			SendPostgresStatus(*ch, false,
			                   "Unable to subscribe to changes: the database could not be reached to check the "
			                   "subscription (" + unavailable + "). Retrying when the database is back.");
			return;
		}
		for (auto& binding : ch->bindings) {
			auto problem = ValidateBinding(binding, tables);
			if (!problem.empty()) {
				GlobalMetrics().client_errors.fetch_add(1, std::memory_order_relaxed);
				if (ch->log) WALCAST_CLIENT_LOG(*ch->log, info, "channels", ch->topic << ": postgres_changes refused: " << problem);
				SendPostgresStatus(*ch, false, problem);
				return;
			}
		}
		if (hub->auth_enabled() && ch->identity) return AuthorizeTables(ch);
		hub->ActivateBindings(*ch);
		SendPostgresStatus(*ch, true, "Subscribed to PostgreSQL");
	}

	// Auth on: the channel gets the tables its role may SELECT (table or column privilege) among those its
	// bindings matched; a binding naming one table the role may not select is refused with a system error.
	// Wildcard bindings are narrowed to the allowed tables that exist now.
	void AuthorizeTables(const std::shared_ptr<Channel>& ch) {
		std::vector<std::pair<std::string, std::string>> names;
		for (auto& t : tables) {
			std::pair<std::string, std::string> name{t.schema, t.table};
			if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(std::move(name));
		}
		ch->checked_tables = std::move(names);
		AskTables(*hub, ch, [](Channel& ch, const std::string& problem) { SendPostgresStatus(ch, false, problem); });
	}
};

}  // namespace

void RecheckTables(Hub& hub, const std::shared_ptr<Channel>& channel) {
	if (!hub.auth_enabled() || !channel->identity || channel->checked_tables.empty()) return;
	// The join's own check still out (its answer is dropped: it was for the old identity) or refused: ask for the
	// new role the way the join did.
	if (!channel->bindings_active)
		return AskTables(hub, channel, [](Channel& ch, const std::string& problem) { SendPostgresStatus(ch, false, problem); });
	AskTables(hub, channel, [](Channel& ch, const std::string& problem) {
		if (ch.owner) ch.owner->Revoke(ch.topic, &ch, problem);
	});
}

void SendPostgresStatus(const Channel& channel, bool ok, std::string_view message) {
	json::object payload{{"extension", "postgres_changes"},
	                     {"status", ok ? "ok" : "error"},
	                     {"message", message},
	                     {"channel", channel.subtopic}};
	channel.Push(nullptr, "system", payload);
}

void SubscribePostgres(Hub& hub, const std::shared_ptr<Channel>& channel) {
	std::set<std::pair<std::string, std::string>> patterns;
	for (auto& b : channel->bindings) patterns.emplace(b.schema, b.table);
	if (patterns.empty()) return;
	auto pending = std::make_shared<PendingSubscribe>();
	pending->hub = &hub;
	pending->channel = channel;
	pending->outstanding = patterns.size();
	for (auto& [schema, table] : patterns) {
		// The callback may run before Lookup returns (in-memory catalogs), so `outstanding` is set first.
		hub.catalog().Lookup(schema, table, channel, [pending](CatalogResult result) {
			if (!result.ok && result.busy) {
				if (pending->busy.empty()) pending->busy = result.error;
			} else if (!result.ok) {
				if (pending->unavailable.empty()) pending->unavailable = result.error.empty() ? "unknown error" : result.error;
			} else {
				for (auto& t : result.tables) pending->tables.push_back(std::move(t));
			}
			if (--pending->outstanding == 0) pending->Finish();
		});
	}
}

}  // namespace walcast::channels
