#pragma once
// The replication-protocol commands the stream sends, built from settings with proper quoting.
// Pure string functions so the quoting is unit-tested.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace walcast::replication {

// Slot names PostgreSQL accepts: lower-case letters, digits and underscores, at most 63 characters.
bool IsValidSlotName(std::string_view name);

// "name" with embedded double quotes doubled.
std::string QuoteIdentifier(std::string_view name);
// 'text' with embedded single quotes doubled (the replication grammar has no backslash escapes).
std::string QuoteLiteral(std::string_view text);

using PluginOptions = std::vector<std::pair<std::string, std::string>>;

// The options the gateway starts `plugin` with: publication + include-transaction for walcast, none otherwise
// (any other plugin is only used to exercise the connection handling by hand).
PluginOptions OptionsForPlugin(std::string_view plugin, std::string_view publication);

// SELECT returning (plugin, slot_type, database, active_pid, confirmed_flush_lsn) for one slot, or no row.
std::string SlotLookupQuery(std::string_view slot);
std::string CreateSlotCommand(std::string_view slot, std::string_view plugin);
std::string StartReplicationCommand(std::string_view slot, const PluginOptions& options);

}  // namespace walcast::replication
