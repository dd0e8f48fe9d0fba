#pragma once
// What the replication stage hands to the channels stage: one plugin output object, already parsed once
// on the replication thread, plus the raw bytes that are forwarded to clients without re-encoding.

#include <memory>
#include <string>

#include <boost/json/value.hpp>

#include "core/lsn.hpp"

namespace walcast {

enum class WalEventKind {
	Change,   // INSERT / UPDATE / DELETE / TRUNCATE object (plugin "type")
	Message,  // a pg_logical_emit_message with the walcast prefix (plugin type "MESSAGE")
	Commit,   // end of a transaction: nothing to fan out, marks a point the slot may be confirmed up to
};

struct WalEvent {
	WalEventKind kind = WalEventKind::Change;
	Lsn lsn = kInvalidLsn;         // XLogData start of this message
	Lsn commit_lsn = kInvalidLsn;  // end of the enclosing transaction's commit record; 0 outside a transaction
	std::shared_ptr<const std::string> json;         // the plugin's object, verbatim (null for Commit)
	std::shared_ptr<const boost::json::value> data;  // the same object parsed (null for Commit)
};

}  // namespace walcast
