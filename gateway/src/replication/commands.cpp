#include "replication/commands.hpp"

namespace walcast::replication {

bool IsValidSlotName(std::string_view name) {
	if (name.empty() || name.size() > 63) return false;
	for (char ch : name) {
		const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
		if (!ok) return false;
	}
	return true;
}

namespace {
std::string QuoteWith(std::string_view text, char quote) {
	std::string out;
	out.reserve(text.size() + 2);
	out.push_back(quote);
	for (char ch : text) {
		if (ch == quote) out.push_back(quote);
		out.push_back(ch);
	}
	out.push_back(quote);
	return out;
}
}  // namespace

std::string QuoteIdentifier(std::string_view name) { return QuoteWith(name, '"'); }
std::string QuoteLiteral(std::string_view text) { return QuoteWith(text, '\''); }

PluginOptions OptionsForPlugin(std::string_view plugin, std::string_view publication) {
	if (plugin == "walcast") return {{"publication", std::string(publication)}, {"include-transaction", "true"}};
	return {};
}

std::string SlotLookupQuery(std::string_view slot) {
	return "SELECT plugin, slot_type, database, active_pid, confirmed_flush_lsn FROM pg_catalog.pg_replication_slots "
	       "WHERE slot_name = " +
	       QuoteLiteral(slot);
}

std::string CreateSlotCommand(std::string_view slot, std::string_view plugin) {
	// No exported snapshot: the gateway streams changes only, it never copies existing rows.
	return "CREATE_REPLICATION_SLOT " + QuoteIdentifier(slot) + " LOGICAL " + QuoteIdentifier(plugin) +
	       " (SNAPSHOT 'nothing')";
}

std::string StartReplicationCommand(std::string_view slot, const PluginOptions& options) {
	// 0/0: the server starts at the slot's confirmed_flush_lsn.
	std::string command = "START_REPLICATION SLOT " + QuoteIdentifier(slot) + " LOGICAL 0/0";
	if (!options.empty()) {
		command += " (";
		for (std::size_t i = 0; i < options.size(); ++i) {
			if (i) command += ", ";
			command += QuoteIdentifier(options[i].first) + " " + QuoteLiteral(options[i].second);
		}
		command += ")";
	}
	return command;
}

}  // namespace walcast::replication
