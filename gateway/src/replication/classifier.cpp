#include "replication/classifier.hpp"

#include <memory>
#include <string>
#include <vector>

#include <boost/json/error.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "core/log.hpp"
#include "replication/shallow_object.hpp"

namespace walcast::replication {

namespace {

constexpr std::size_t kExcerptChars = 160;

// Boost.JSON refuses documents nested deeper than 32 by default, which a jsonb column value passes easily. The
// parser keeps its own stack, so a high limit costs nothing until used; it stays finite because destroying a
// parsed value recurses once per level. A deeper change is still delivered, without its too-deep members
// (shallow_object.hpp).
constexpr std::size_t kMaxPluginJsonDepth = 4096;

bool IsChangeType(std::string_view type) {
	return type == "INSERT" || type == "UPDATE" || type == "DELETE" || type == "TRUNCATE";
}

// The "commit_lsn" member as an LSN, if present and well formed.
std::optional<Lsn> CommitLsnOf(const boost::json::object& obj) {
	const auto* field = obj.if_contains("commit_lsn");
	if (!field || !field->is_string()) return std::nullopt;
	auto parsed = ParseLsn(std::string_view(field->get_string()));
	if (!parsed || *parsed == kInvalidLsn) return std::nullopt;
	return parsed;
}

bool HasStringMember(const boost::json::object& obj, std::string_view key) {
	const auto* field = obj.if_contains(key);
	return field && field->is_string();
}

}  // namespace

void Classifier::Reject(Lsn data_start, std::string_view payload, std::string_view why) {
	++rejected_;
	// A misconfigured plugin would reject every message; keep the log readable in that case.
	if (rejected_ <= 10 || rejected_ % 1000 == 0) {
		std::string excerpt(payload.substr(0, kExcerptChars));
		for (auto& ch : excerpt)
			if (ch == '\n' || ch == '\r') ch = ' ';
		WALCAST_LOG(error, "replication", "skipped plugin message at " << FormatLsn(data_start) << ": " << why
		                                      << " (" << rejected_ << " skipped so far): "
		                                      << excerpt << (payload.size() > kExcerptChars ? "..." : ""));
	}
}

std::optional<WalEvent> Classifier::Classify(Lsn data_start, std::string_view payload) {
	boost::system::error_code ec;
	boost::json::parse_options options;
	options.max_depth = kMaxPluginJsonDepth;
	boost::json::value parsed = boost::json::parse(payload, ec, {}, options);
	if (ec == boost::json::error::too_deep) {
		std::vector<std::string> left_out;
		if (auto members = ParseTopLevelMembers(payload, kMaxPluginJsonDepth, left_out)) {
			std::string names;
			for (const auto& key : left_out) names += (names.empty() ? "" : ", ") + key;
			WALCAST_LOG(warn, "replication", "object at " << FormatLsn(data_start) << " is nested deeper than "
			                                              << kMaxPluginJsonDepth << " levels in: " << names
			                                              << "; forwarded without those members to filters and routing");
			parsed = std::move(*members);
			ec = {};
		}
	}
	if (ec) {
		Reject(data_start, payload, "invalid JSON (" + ec.message() + ")");
		return std::nullopt;
	}
	if (!parsed.is_object()) {
		Reject(data_start, payload, "not a JSON object");
		return std::nullopt;
	}
	const auto& obj = parsed.get_object();
	const auto* type_field = obj.if_contains("type");
	if (!type_field || !type_field->is_string()) {
		Reject(data_start, payload, "no string \"type\" member");
		return std::nullopt;
	}
	const std::string_view type = type_field->get_string();

	if (type == "BEGIN") {
		auto commit_lsn = CommitLsnOf(obj);
		if (!commit_lsn) {
			// Without the commit LSN the transaction's changes cannot be deduplicated or confirmed.
			Reject(data_start, payload, "BEGIN without a valid commit_lsn");
			return std::nullopt;
		}
		if (open_commit_lsn_)
			WALCAST_LOG(warn, "replication", "BEGIN at " << FormatLsn(data_start) << " while transaction committing at "
			                                              << FormatLsn(*open_commit_lsn_) << " had no COMMIT");
		open_commit_lsn_ = commit_lsn;
		return std::nullopt;
	}

	if (type == "COMMIT") {
		auto commit_lsn = CommitLsnOf(obj);
		if (!commit_lsn) commit_lsn = open_commit_lsn_;
		if (!commit_lsn) {
			Reject(data_start, payload, "COMMIT without a valid commit_lsn outside a transaction");
			return std::nullopt;
		}
		if (!open_commit_lsn_)
			WALCAST_LOG(warn, "replication", "COMMIT at " << FormatLsn(data_start) << " without BEGIN");
		else if (*open_commit_lsn_ != *commit_lsn)
			WALCAST_LOG(warn, "replication", "COMMIT commit_lsn " << FormatLsn(*commit_lsn) << " differs from BEGIN's "
			                                                      << FormatLsn(*open_commit_lsn_));
		open_commit_lsn_.reset();
		WalEvent event;
		event.kind = WalEventKind::Commit;
		event.lsn = data_start;
		event.commit_lsn = *commit_lsn;
		return event;
	}

	WalEvent event;
	event.lsn = data_start;
	if (IsChangeType(type)) {
		if (!HasStringMember(obj, "schema") || !HasStringMember(obj, "table")) {
			Reject(data_start, payload, "change without string \"schema\" and \"table\"");
			return std::nullopt;
		}
		event.kind = WalEventKind::Change;
		if (open_commit_lsn_) {
			event.commit_lsn = *open_commit_lsn_;
		} else {
			// Only happens if the plugin runs without include-transaction; still forwarded, deduplicated by LSN.
			WALCAST_LOG(warn, "replication", "change at " << FormatLsn(data_start) << " outside a transaction");
		}
	} else if (type == "MESSAGE") {
		const auto* transactional = obj.if_contains("transactional");
		if (!transactional || !transactional->is_bool()) {
			Reject(data_start, payload, "MESSAGE without boolean \"transactional\"");
			return std::nullopt;
		}
		event.kind = WalEventKind::Message;
		if (transactional->get_bool()) {
			if (open_commit_lsn_) event.commit_lsn = *open_commit_lsn_;
			else WALCAST_LOG(warn, "replication", "transactional MESSAGE at " << FormatLsn(data_start) << " outside a transaction");
		}
	} else {
		Reject(data_start, payload, "unknown type \"" + std::string(type) + "\"");
		return std::nullopt;
	}

	event.json = std::make_shared<const std::string>(payload);
	event.data = std::make_shared<const boost::json::value>(std::move(parsed));
	return event;
}

}  // namespace walcast::replication
