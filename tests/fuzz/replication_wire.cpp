// gateway/src/replication/wire (the 'w' XLogData / 'k' keepalive / 'r' status CopyData codec) and
// Classifier::Classify on arbitrary plugin payloads.
//
// Input: the whole input is decoded as one CopyData message (and, from its first 34 bytes, a status update is
// encoded and read back). Then it is split at NUL bytes into payloads that one Classifier sees in order, at
// increasing LSNs (a NUL never occurs in a JSON payload; several payloads exercise BEGIN/change/COMMIT state).
#include "core/log.hpp"
#include "core/lsn.hpp"
#include "replication/classifier.hpp"
#include "replication/shallow_object.hpp"
#include "replication/wire.hpp"

#include "fuzz_check.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {

using namespace walcast;
using namespace walcast::replication;

void CheckWire(std::string_view message)
{
	if (auto x = DecodeXLogData(message)) {
		FUZZ_CHECK(message.size() >= kXLogDataHeaderSize && message[0] == 'w');
		// Re-encoding the header gives back the same bytes; the payload is the rest, in place.
		char header[kXLogDataHeaderSize] = {'w'};
		PutUint64(header + 1, x->data_start);
		PutUint64(header + 9, x->wal_end);
		PutUint64(header + 17, static_cast<std::uint64_t>(x->send_time));
		FUZZ_CHECK(std::memcmp(header, message.data(), sizeof header) == 0);
		FUZZ_CHECK(x->payload.data() == message.data() + kXLogDataHeaderSize);
		FUZZ_CHECK(x->payload.size() == message.size() - kXLogDataHeaderSize);
	} else {
		FUZZ_CHECK(message.size() < kXLogDataHeaderSize || message[0] != 'w');
	}
	if (auto k = DecodeKeepalive(message)) {
		FUZZ_CHECK(message.size() >= kKeepaliveSize && message[0] == 'k');
		FUZZ_CHECK(GetUint64(message.data() + 1) == k->wal_end);
		FUZZ_CHECK(static_cast<PgTimestamp>(GetUint64(message.data() + 9)) == k->send_time);
		FUZZ_CHECK(k->reply_requested == (message[17] != 0));
	} else {
		FUZZ_CHECK(message.size() < kKeepaliveSize || message[0] != 'k');
	}
	if (message.size() >= kStatusUpdateSize) {
		StatusUpdate in;
		in.write = GetUint64(message.data() + 1);
		in.flush = GetUint64(message.data() + 9);
		in.apply = GetUint64(message.data() + 17);
		in.send_time = static_cast<PgTimestamp>(GetUint64(message.data() + 25));
		in.reply_requested = message[33] & 1;
		const auto out = EncodeStatusUpdate(in);
		FUZZ_CHECK(out[0] == 'r');
		FUZZ_CHECK(GetUint64(out.data() + 1) == in.write && GetUint64(out.data() + 9) == in.flush &&
				   GetUint64(out.data() + 17) == in.apply &&
				   static_cast<PgTimestamp>(GetUint64(out.data() + 25)) == in.send_time);
		FUZZ_CHECK(out[33] == (in.reply_requested ? 1 : 0));
	}
}

// The commit LSN a BEGIN payload that the classifier accepted names.
Lsn BeginCommitLsn(std::string_view payload)
{
	std::vector<std::string> left_out;
	auto obj = ParseTopLevelMembers(payload, 4096, left_out);
	FUZZ_CHECK(obj.has_value());
	const auto *field = obj->if_contains("commit_lsn");
	FUZZ_CHECK(field && field->is_string());
	auto lsn = ParseLsn(std::string_view(field->get_string()));
	FUZZ_CHECK(lsn && *lsn != kInvalidLsn);
	// LSNs print back as they parse.
	FUZZ_CHECK(ParseLsn(FormatLsn(*lsn)) == lsn);
	return *lsn;
}

void CheckClassifier(std::string_view input)
{
	Classifier classifier;
	std::optional<Lsn> open;  // the commit LSN of the transaction the classifier is in, as the test tracks it
	Lsn lsn = 0x1000;
	while (true) {
		const size_t cut = input.find('\0');
		const std::string_view payload = input.substr(0, cut);
		FUZZ_CHECK(classifier.InTransaction() == open.has_value());
		const std::uint64_t rejected = classifier.Rejected();
		auto event = classifier.Classify(lsn, payload);
		if (event) {
			FUZZ_CHECK(classifier.Rejected() == rejected);
			FUZZ_CHECK(event->lsn == lsn);
			if (event->kind == WalEventKind::Commit) {
				FUZZ_CHECK(event->commit_lsn != kInvalidLsn);
				FUZZ_CHECK(!event->json);
				open.reset();
			} else {
				FUZZ_CHECK(event->kind == WalEventKind::Change || event->kind == WalEventKind::Message);
				// Forwarded with the plugin's bytes unchanged and a parsed object with a string "type".
				FUZZ_CHECK(event->json && *event->json == payload);
				FUZZ_CHECK(event->data && event->data->is_object());
				const auto *type = event->data->as_object().if_contains("type");
				FUZZ_CHECK(type && type->is_string());
				if (event->kind == WalEventKind::Change)
					FUZZ_CHECK(event->commit_lsn == (open ? *open : Lsn{0}));
			}
		} else if (classifier.Rejected() == rejected) {
			// Nothing forwarded and nothing rejected: a BEGIN, which opens a transaction.
			open = BeginCommitLsn(payload);
		} else {
			FUZZ_CHECK(classifier.Rejected() == rejected + 1);
		}
		FUZZ_CHECK(classifier.InTransaction() == open.has_value());
		if (cut == std::string_view::npos) break;
		input.remove_prefix(cut + 1);
		lsn += 0x10;
	}
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
	// Rejections are logged; past the error level nothing is, so the fuzzer's own output stays readable.
	walcast::log::SetLevel(static_cast<walcast::log::Level>(static_cast<int>(walcast::log::Level::error) + 1));
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const std::string_view input(reinterpret_cast<const char *>(data), size);
	CheckWire(input);
	CheckClassifier(input);
	// Whatever the 'w' message carries is what the stream hands to the classifier.
	if (auto x = DecodeXLogData(input)) {
		Classifier c;
		(void)c.Classify(x->data_start, x->payload);
	}
	return 0;
}
