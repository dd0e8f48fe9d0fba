#pragma once
// The asynchronous half of a join with postgres_changes bindings: ask the catalog about every binding's
// tables, then either start routing (system "Subscribed to PostgreSQL") or report why not (system error).
// The channel stays joined either way, as with the original server.

#include <memory>

#include "channels/channel.hpp"
#include "channels/hub.hpp"

namespace walcast::channels {

void SubscribePostgres(Hub& hub, const std::shared_ptr<Channel>& channel);

// Auth on, after a token refresh that changed the role: asks the table privileges of the join again. A
// binding on one table the new role may not SELECT closes the channel (`system` error, phx_close); wildcard
// bindings are narrowed to what the new role may select.
void RecheckTables(Hub& hub, const std::shared_ptr<Channel>& channel);

// The `system` push the client shows as the postgres_changes status of its channel.
void SendPostgresStatus(const Channel& channel, bool ok, std::string_view message);

}  // namespace walcast::channels
