#include "replication/stream.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "replication/commands.hpp"
#include "replication/wire.hpp"

namespace walcast::replication {

namespace {

using namespace std::chrono_literals;

constexpr const char* kLog = "replication";

// One batch per socket wake-up, bounded so one huge burst is still handed over in digestible pieces.
constexpr std::size_t kMaxBatchEvents = 1000;
constexpr std::size_t kMaxBatchBytes = std::size_t{4} << 20;
// While events are in flight, progress is polled this often even if nobody calls NotifyProgress(): the
// flush position then lags the consumer by at most this much, at the cost of 20 wake-ups a second only
// while there is work outstanding.
constexpr auto kProgressPoll = 50ms;
// A flush advance is reported at once, but at most this often, so a busy stream does not send one status
// message per batch.
constexpr auto kMinStatusGap = 20ms;
constexpr auto kInitialBackoff = 100ms;
constexpr auto kConnectTimeout = 10s;
constexpr auto kStopDrainTimeout = 2s;
constexpr auto kStopSettleTimeout = 500ms;
constexpr auto kPauseReportInterval = 30s;
// How many messages are read between checks that a status update is due.
constexpr int kClockCheckEvery = 64;

std::string OneLine(std::string_view text) {
	std::string out;
	out.reserve(text.size());
	bool space = false;
	for (char ch : text) {
		if (ch == '\n' || ch == '\r' || ch == '\t' || ch == ' ') {
			space = !out.empty();
			continue;
		}
		if (space) out.push_back(' ');
		space = false;
		out.push_back(ch);
	}
	return out;
}

std::string ConnError(PGconn* conn) { return OneLine(PQerrorMessage(conn)); }

// Adds a hint to errors whose server text does not say what to do.
std::string_view HintFor(std::string_view sqlstate, std::string_view message) {
	if (message.find("output plugin") != std::string_view::npos || sqlstate == "58P01")
		return " (is the output plugin installed in the server's lib directory?)";
	if (sqlstate == "55006") return " (another process is using the slot; retrying)";
	if (sqlstate == "28P01" || sqlstate == "28000") return " (check the database user and password)";
	if (sqlstate == "42501") return " (the user needs the REPLICATION attribute)";
	return "";
}

std::string ResultError(const PGresult* result) {
	const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
	const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
	std::string text = OneLine(primary ? primary : PQresultErrorMessage(result));
	if (text.empty()) text = std::string("unexpected result ") + PQresStatus(PQresultStatus(result));
	if (sqlstate) text += std::string(" [") + sqlstate + "]" + std::string(HintFor(sqlstate, text));
	return text;
}

bool HasSqlState(const PGresult* result, std::string_view sqlstate) {
	const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
	return state && sqlstate == state;
}

}  // namespace

ReplicationStream::ReplicationStream(StreamSettings settings, DeliveryProgress& progress, Deliver deliver)
    : settings_(std::move(settings)),
      progress_(progress),
      deliver_(std::move(deliver)),
      budget_(settings_.max_in_flight_events, settings_.max_in_flight_bytes) {}

ReplicationStream::~ReplicationStream() { Stop(); }

void ReplicationStream::Start() {
	if (!IsValidSlotName(settings_.slot))
		throw std::invalid_argument("invalid replication slot name '" + settings_.slot +
		                            "': use 1 to 63 characters of a-z, 0-9 and _");
	if (settings_.plugin.empty()) throw std::invalid_argument("empty output plugin name");
	if (!deliver_) throw std::invalid_argument("ReplicationStream needs a deliver callback");
	std::lock_guard lock(lifecycle_mutex_);
	if (thread_.joinable() || stop_requested_) return;
	thread_ = std::thread([this] { Run(); });
}

void ReplicationStream::Stop() {
	stop_requested_.store(true);
	waker_.Poke();
	// From the replication thread itself (e.g. inside deliver) joining would deadlock: the loop sees the flag.
	if (std::this_thread::get_id() == worker_id_.load()) return;
	std::lock_guard lock(lifecycle_mutex_);
	if (thread_.joinable()) thread_.join();
}

void ReplicationStream::NotifyProgress() {
	if (progress_wanted_.load()) waker_.Poke();
}

void ReplicationStream::SetConnected(bool connected) {
	connected_.store(connected, std::memory_order_relaxed);
	GlobalMetrics().replication_connected.store(connected, std::memory_order_relaxed);
}

void ReplicationStream::Run() {
	worker_id_.store(std::this_thread::get_id());
	auto backoff = std::chrono::duration_cast<std::chrono::milliseconds>(kInitialBackoff);
	bool first = true;
	while (!stop_requested_) {
		if (!first) GlobalMetrics().replication_reconnects.fetch_add(1, std::memory_order_relaxed);
		first = false;

		Clock::duration streamed_for{};
		bool started = false;
		try {
			started = RunSession(streamed_for);
		} catch (const std::exception& e) {
			// E.g. bad_alloc while batching: events admitted but not handed over must come again.
			AbandonUndelivered();
			WALCAST_LOG(error, kLog, "replication session failed: " << e.what());
		}
		SetConnected(false);
		if (stop_requested_) break;

		// A session that streamed at least as long as the wait we would impose is no tight failure loop.
		if (started && streamed_for >= backoff) backoff = std::chrono::duration_cast<std::chrono::milliseconds>(kInitialBackoff);
		WALCAST_LOG(info, kLog, "reconnecting in " << backoff.count() << " ms");
		const auto deadline = Clock::now() + backoff;
		while (!stop_requested_ && Clock::now() < deadline) Wait(-1, 0, deadline, true);
		backoff = std::min(backoff * 2, settings_.max_backoff);
	}
	SetConnected(false);
}

ReplicationStream::WaitResult ReplicationStream::Wait(int socket, short events, Clock::time_point deadline,
                                                      bool wake_on_poke) {
	pollfd fds[2];
	nfds_t count = 0;
	int socket_index = -1, waker_index = -1;
	if (socket >= 0 && events != 0) {
		socket_index = static_cast<int>(count);
		fds[count++] = pollfd{socket, events, 0};
	}
	if (wake_on_poke) {
		waker_index = static_cast<int>(count);
		fds[count++] = pollfd{waker_.fd(), POLLIN, 0};
	}
	int timeout_ms = -1;
	if (deadline != Clock::time_point::max()) {
		auto left = deadline - Clock::now();
		// Round up so we never wake a hair before the deadline and spin.
		timeout_ms = left <= Clock::duration::zero()
		                 ? 0
		                 : static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
	}
	int ready = ::poll(fds, count, timeout_ms);
	if (ready < 0) {
		if (errno == EINTR) return WaitResult::Timeout;
		WALCAST_LOG(error, kLog, "poll failed: " << std::strerror(errno));
		return WaitResult::Failed;
	}
	if (ready == 0) return WaitResult::Timeout;
	bool woken = false;
	if (waker_index >= 0 && (fds[waker_index].revents & POLLIN)) {
		waker_.Drain();
		woken = true;
	}
	if (socket_index >= 0 && fds[socket_index].revents != 0) return WaitResult::Ready;
	return woken ? WaitResult::Woken : WaitResult::Timeout;
}

PgConnPtr ReplicationStream::Connect() {
	std::vector<const char*> keys;
	std::vector<const char*> values;
	auto add = [&](const char* key, const std::string& value) {
		if (value.empty()) return;  // libpq default (environment, service file) applies
		keys.push_back(key);
		values.push_back(value.c_str());
	};
	add("host", settings_.host);
	add("port", settings_.port);
	add("dbname", settings_.dbname);
	add("user", settings_.user);
	add("password", settings_.password);
	static const std::string kReplication = "database", kAppName = "walcast-gateway", kOn = "1", kIdle = "10",
	                         kInterval = "5", kCount = "3", kUserTimeout = "30000",
	                         kUtc = "-c TimeZone=UTC";
	add("replication", kReplication);
	// The plugin renders timestamptz in the decoding session's time zone, as to_jsonb does; Realtime clients
	// expect UTC ("2025-11-03T09:32:55+00:00") whatever the server's default zone is.
	add("options", kUtc);
	add("application_name", kAppName);
	// Notice a silently dead network in ~25-30 s instead of the kernel's default hours.
	add("keepalives", kOn);
	add("keepalives_idle", kIdle);
	add("keepalives_interval", kInterval);
	add("keepalives_count", kCount);
	add("tcp_user_timeout", kUserTimeout);
	keys.push_back(nullptr);
	values.push_back(nullptr);

	PgConnPtr conn(PQconnectStartParams(keys.data(), values.data(), 0));
	if (!conn) {
		WALCAST_LOG(error, kLog, "cannot connect: out of memory");
		return {};
	}
	if (PQstatus(conn.get()) == CONNECTION_BAD) {
		WALCAST_LOG(error, kLog, "cannot connect: " << ConnError(conn.get()));
		return {};
	}
	// Non-blocking connect so Stop() is never stuck behind an unreachable host.
	const auto deadline = Clock::now() + kConnectTimeout;
	PostgresPollingStatusType state = PGRES_POLLING_WRITING;
	while (state != PGRES_POLLING_OK) {
		if (state == PGRES_POLLING_FAILED) {
			WALCAST_LOG(error, kLog, "cannot connect: " << ConnError(conn.get()));
			return {};
		}
		const short events = state == PGRES_POLLING_READING ? POLLIN : POLLOUT;
		auto result = Wait(PQsocket(conn.get()), events, deadline, true);
		if (stop_requested_ || result == WaitResult::Failed) return {};
		if (result == WaitResult::Woken) continue;
		if (result == WaitResult::Timeout) {
			if (Clock::now() < deadline) continue;
			WALCAST_LOG(error, kLog, "cannot connect: timed out after "
			                             << std::chrono::duration_cast<std::chrono::seconds>(kConnectTimeout).count()
			                             << " s");
			return {};
		}
		state = PQconnectPoll(conn.get());
	}
	return conn;
}

PgResultPtr ReplicationStream::Execute(PGconn* conn, const std::string& command, const char* what) {
	if (!PQsendQuery(conn, command.c_str())) {
		WALCAST_LOG(error, kLog, what << " failed: " << ConnError(conn));
		return {};
	}
	PgResultPtr last;
	while (true) {
		// Wait without blocking the thread, so Stop() can interrupt e.g. a slot creation waiting for
		// running transactions to finish.
		while (PQisBusy(conn)) {
			auto result = Wait(PQsocket(conn), POLLIN, Clock::time_point::max(), true);
			if (stop_requested_ || result == WaitResult::Failed) return {};
			if (result == WaitResult::Ready && !PQconsumeInput(conn)) {
				WALCAST_LOG(error, kLog, what << " failed: " << ConnError(conn));
				return {};
			}
		}
		PgResultPtr result(PQgetResult(conn));
		if (!result) break;
		const auto status = PQresultStatus(result.get());
		// COPY results repeat until the copy ends: the caller takes over from here.
		if (status == PGRES_COPY_BOTH || status == PGRES_COPY_OUT || status == PGRES_COPY_IN) return result;
		// Keep the first error: later results cannot be more telling.
		if (!last || PQresultStatus(last.get()) != PGRES_FATAL_ERROR) last = std::move(result);
	}
	if (!last) WALCAST_LOG(error, kLog, what << " failed: no result from server");
	return last;
}

bool ReplicationStream::EnsureSlot(PGconn* conn, const std::string& dbname) {
	const std::string& slot = settings_.slot;
	for (int attempt = 0; attempt < 2; ++attempt) {
		auto found = Execute(conn, SlotLookupQuery(slot), "looking up the replication slot");
		if (!found) return false;
		if (PQresultStatus(found.get()) != PGRES_TUPLES_OK) {
			WALCAST_LOG(error, kLog, "looking up replication slot " << slot << " failed: " << ResultError(found.get()));
			return false;
		}
		if (PQntuples(found.get()) == 1) {
			auto text = [&](int column) -> std::string {
				return PQgetisnull(found.get(), 0, column) ? std::string() : PQgetvalue(found.get(), 0, column);
			};
			const std::string plugin = text(0), type = text(1), database = text(2), active_pid = text(3),
			                  confirmed = text(4);
			if (type != "logical" || plugin != settings_.plugin || database != dbname) {
				WALCAST_LOG(error, kLog, "replication slot " << slot << " exists but is a " << type << " slot with plugin '"
				                                             << plugin << "' on database '" << database << "', expected a logical '"
				                                             << settings_.plugin << "' slot on '" << dbname
				                                             << "'; drop it or configure another slot name");
				return false;
			}
			if (!active_pid.empty()) {
				WALCAST_LOG(error, kLog, "replication slot " << slot << " is in use by process " << active_pid
				                                             << " (another gateway, or our previous connection not yet gone)");
				return false;
			}
			WALCAST_LOG(info, kLog, "slot " << slot << " resumed at confirmed_flush " << (confirmed.empty() ? "0/0" : confirmed));
			return true;
		}

		auto created = Execute(conn, CreateSlotCommand(slot, settings_.plugin), "creating the replication slot");
		if (!created) return false;
		if (PQresultStatus(created.get()) == PGRES_TUPLES_OK && PQntuples(created.get()) == 1) {
			WALCAST_LOG(info, kLog, "slot " << slot << " created at " << PQgetvalue(created.get(), 0, 1) << " with plugin "
			                                << settings_.plugin);
			return true;
		}
		// Created by someone else between our lookup and our create: look it up again.
		if (HasSqlState(created.get(), "42710")) continue;
		WALCAST_LOG(error, kLog, "creating replication slot " << slot << " with plugin " << settings_.plugin
		                                                      << " failed: " << ResultError(created.get()));
		return false;
	}
	return false;
}

bool ReplicationStream::RunSession(Clock::duration& streamed_for) {
	PgConnPtr conn = Connect();
	if (!conn) return false;
	PGconn* c = conn.get();

	auto identity = Execute(c, "IDENTIFY_SYSTEM", "IDENTIFY_SYSTEM");
	if (!identity) return false;
	if (PQresultStatus(identity.get()) != PGRES_TUPLES_OK || PQntuples(identity.get()) != 1 ||
	    PQnfields(identity.get()) < 4) {
		WALCAST_LOG(error, kLog, "IDENTIFY_SYSTEM failed: " << ResultError(identity.get()));
		return false;
	}
	if (PQgetisnull(identity.get(), 0, 3)) {
		WALCAST_LOG(error, kLog, "IDENTIFY_SYSTEM returned no database: the connection is not a logical "
		                         "(replication=database) connection");
		return false;
	}
	const std::string dbname = PQgetvalue(identity.get(), 0, 3);
	const std::string system_id = PQgetvalue(identity.get(), 0, 0);
	const std::string timeline = PQgetvalue(identity.get(), 0, 1);
	const std::string server_wal = PQgetvalue(identity.get(), 0, 2);
	if (!known_system_id_.empty() && (system_id != known_system_id_ || timeline != known_timeline_)) {
		// Every LSN remembered so far belongs to the old database: kept, the deduplicator would drop the new
		// database's transactions as replays until its WAL passed the old position, and the first status would
		// confirm a position past the new server's WAL end.
		WALCAST_LOG(warn, kLog, "the database changed: system " << known_system_id_ << " timeline " << known_timeline_
		                            << " is now system " << system_id << " timeline " << timeline << " (server WAL at "
		                            << server_wal << "); forgetting the old positions, streaming the new database's "
		                            << "changes (the slot is created if it is missing)");
		if (!ForgetPreviousDatabase()) return false;
	}
	known_system_id_ = system_id;
	known_timeline_ = timeline;

	if (!EnsureSlot(c, dbname)) return false;

	auto started = Execute(c, StartReplicationCommand(settings_.slot, OptionsForPlugin(settings_.plugin, settings_.publication)),
	                       "START_REPLICATION");
	if (!started) return false;
	if (PQresultStatus(started.get()) != PGRES_COPY_BOTH) {
		WALCAST_LOG(error, kLog, "could not start replication from slot " << settings_.slot << ": "
		                                                                  << ResultError(started.get()));
		return false;
	}
	started.reset();
	// Connected before the log line says so: whoever reads the line (operators, tests) may ask /health next.
	SetConnected(true);
	WALCAST_LOG(info, kLog, "streaming from slot " << settings_.slot << " (database " << dbname << ", system " << system_id
	                                               << ", server WAL at " << server_wal << ", publication "
	                                               << settings_.publication << ")");

	// The server resends whole transactions from confirmed_flush: start counting from a clean slate.
	classifier_.Reset();
	dedup_.OnReconnect();
	session_skipped_ = 0;
	session_skip_reported_ = false;
	const auto began = Clock::now();
	Stream(c);
	streamed_for = Clock::now() - began;
	return true;
}

bool ReplicationStream::ForgetPreviousDatabase() {
	// Events of the old database still in flight go on to their clients; only once they are handled can its
	// commit position be forgotten without one of them setting it again.
	if (!DeliverBatch()) return false;
	while (!stop_requested_ && flush_.InFlight(progress_.HandledCount()) > 0)
		Wait(-1, 0, Clock::now() + std::chrono::milliseconds(20), true);
	if (stop_requested_) return false;
	dedup_ = Deduplicator{};
	delivered_dedup_ = dedup_;
	flush_.ForgetPositions();
	progress_.ForgetHandledCommit();
	last_sent_flush_ = kInvalidLsn;
	received_lsn_.store(kInvalidLsn, std::memory_order_relaxed);
	confirmed_lsn_.store(kInvalidLsn, std::memory_order_relaxed);
	return true;
}

Lsn ReplicationStream::CurrentFlush() {
	// Events still in the unposted batch are in flight too: never idle-advance past them.
	return flush_.Compute(progress_.HandledCount(), progress_.HandledCommit(),
	                      classifier_.InTransaction() || !batch_.empty());
}

bool ReplicationStream::SendStatus(PGconn* conn, bool reply_requested) {
	const Lsn flush = CurrentFlush();
	StatusUpdate status;
	status.write = std::max(flush_.Received(), flush);
	status.flush = flush;
	status.apply = kInvalidLsn;  // logical replication has no separate apply position (as pg_recvlogical)
	status.send_time = ToPgTimestamp(std::chrono::system_clock::now());
	status.reply_requested = reply_requested;
	const auto bytes = EncodeStatusUpdate(status);
	if (PQputCopyData(conn, bytes.data(), static_cast<int>(bytes.size())) <= 0 || PQflush(conn) != 0) {
		WALCAST_LOG(warn, kLog, "replication connection lost while sending status: " << ConnError(conn));
		return false;
	}
	last_status_ = Clock::now();
	if (flush != last_sent_flush_)
		WALCAST_LOG(debug, kLog, "confirmed flush " << FormatLsn(flush) << " (received " << FormatLsn(status.write) << ")");
	last_sent_flush_ = flush;
	confirmed_lsn_.store(flush, std::memory_order_relaxed);
	GlobalMetrics().confirmed_lsn.store(flush, std::memory_order_relaxed);
	return true;
}

void ReplicationStream::HandleCopyData(const char* data, std::size_t size, bool& force_status) {
	const std::string_view message(data, size);
	auto& metrics = GlobalMetrics();
	if (message.empty()) {
		WALCAST_LOG(error, kLog, "empty CopyData message from server, ignored");
		return;
	}
	if (message[0] == 'w') {
		auto xlog = DecodeXLogData(message);
		if (!xlog) {
			WALCAST_LOG(error, kLog, "truncated XLogData message (" << size << " bytes), ignored");
			return;
		}
		flush_.OnReceived(xlog->data_start);
		received_lsn_.store(flush_.Received(), std::memory_order_relaxed);
		metrics.received_lsn.store(flush_.Received(), std::memory_order_relaxed);
		metrics.server_wal_end.store(xlog->wal_end, std::memory_order_relaxed);

		auto event = classifier_.Classify(xlog->data_start, xlog->payload);
		if (!event) return;
		if (event->kind == WalEventKind::Change) metrics.changes_received.fetch_add(1, std::memory_order_relaxed);
		if (!dedup_.Admit(*event)) {
			++session_skipped_;
			return;
		}
		if (session_skipped_ && !session_skip_reported_) {
			session_skip_reported_ = true;
			WALCAST_LOG(info, kLog, "skipped " << session_skipped_ << " replayed events already delivered; new events from "
			                                   << FormatLsn(event->lsn));
		}
		batch_bytes_ += xlog->payload.size();
		batch_.push_back(std::move(*event));
		return;
	}
	if (message[0] == 'k') {
		auto keepalive = DecodeKeepalive(message);
		if (!keepalive) {
			WALCAST_LOG(error, kLog, "truncated keepalive message (" << size << " bytes), ignored");
			return;
		}
		flush_.OnReceived(keepalive->wal_end);
		received_lsn_.store(flush_.Received(), std::memory_order_relaxed);
		metrics.received_lsn.store(flush_.Received(), std::memory_order_relaxed);
		metrics.server_wal_end.store(keepalive->wal_end, std::memory_order_relaxed);
		if (keepalive->reply_requested) force_status = true;
		return;
	}
	WALCAST_LOG(error, kLog, "unexpected replication message type 0x" << std::hex
	                                                                  << static_cast<int>(static_cast<unsigned char>(message[0]))
	                                                                  << std::dec << " (" << size << " bytes), ignored");
}

void ReplicationStream::ReportPause() {
	// A slow consumer pauses and resumes many times a second; one line per interval is enough.
	++pauses_unreported_;
	const auto now = Clock::now();
	if (now - last_pause_report_ < kPauseReportInterval) return;
	WALCAST_LOG(warn, kLog, "consumer behind: " << budget_.Events() << " events / " << budget_.Bytes()
	                                            << " bytes in flight, reads paused (" << pauses_unreported_
	                                            << " pauses since last report)");
	pauses_unreported_ = 0;
	last_pause_report_ = now;
}

bool ReplicationStream::DeliverBatch() {
	if (batch_.empty()) return true;
	const auto count = batch_.size();
	const auto bytes = batch_bytes_;
	// Counted before handing over: the consumer may handle them before deliver_ even returns.
	flush_.OnPosted(count);
	budget_.OnPosted(count, bytes);
	std::vector<WalEvent> out;
	out.swap(batch_);
	batch_bytes_ = 0;
	try {
		deliver_(std::move(out));
	} catch (const std::exception& e) {
		// The hand-over posts all or nothing (an allocation that fails throws before anything is queued), so
		// none of these events will ever be handled. Left counted, they would stay "in flight" forever: the
		// budget would stall reads and the flush position could never pass them. Uncount them and end the
		// session; the server resends from the confirmed position and the deduplicator, put back to what was
		// really delivered, lets exactly these events through again.
		flush_.OnUnposted(count);
		budget_.OnUnposted(count, bytes);
		AbandonUndelivered();
		WALCAST_LOG(error, kLog, "handing " << count << " events to the clients failed (" << e.what()
		                                    << "); reconnecting to receive them again");
		return false;
	}
	delivered_dedup_ = dedup_;
	return true;
}

void ReplicationStream::AbandonUndelivered() {
	batch_.clear();
	batch_bytes_ = 0;
	dedup_ = delivered_dedup_;
	// Positions received past the last delivery were not delivered: never report them as safe to forget.
	flush_.RewindReceived();
}

ReplicationStream::ReadResult ReplicationStream::ReadAvailable(PGconn* conn, bool& force_status) {
	int since_clock_check = 0;
	while (true) {
		char* raw = nullptr;
		const int length = PQgetCopyData(conn, &raw, 1);
		PgBufferPtr buffer(raw);
		if (length == 0) return ReadResult::Drained;
		if (length == -1) return ReadResult::Ended;
		if (length < -1) {
			WALCAST_LOG(warn, kLog, "replication connection lost: " << ConnError(conn));
			return ReadResult::Failed;
		}
		HandleCopyData(raw, static_cast<std::size_t>(length), force_status);

		if (batch_.size() >= kMaxBatchEvents || batch_bytes_ >= kMaxBatchBytes) {
			if (!DeliverBatch()) return ReadResult::Failed;
			budget_.OnHandled(progress_.HandledCount());
			if (budget_.Exhausted()) return ReadResult::Yielded;
		}
		// A steady flood must not starve status updates (wal_sender_timeout) or keepalive replies.
		if (force_status) return ReadResult::Yielded;
		if (++since_clock_check >= kClockCheckEvery) {
			since_clock_check = 0;
			if (Clock::now() - last_status_ >= settings_.status_interval) return ReadResult::Yielded;
		}
	}
}

void ReplicationStream::Stream(PGconn* conn) {
	bool force_status = true;  // report our position at once: the last session's final status may be lost
	paused_ = false;
	progress_wanted_.store(false);
	while (true) {
		if (stop_requested_) {
			FinishCopy(conn);
			return;
		}
		budget_.OnHandled(progress_.HandledCount());
		ReadResult read = ReadResult::Drained;
		if (!budget_.Exhausted()) read = ReadAvailable(conn, force_status);
		if (!DeliverBatch()) return;
		if (read == ReadResult::Failed) return;
		if (read == ReadResult::Ended) {
			LogStreamEnd(conn);
			return;
		}

		budget_.OnHandled(progress_.HandledCount());
		bool exhausted = budget_.Exhausted();
		if (exhausted && !paused_) {
			// Ask for pokes before looking once more, so progress made in between is not missed.
			progress_wanted_.store(true);
			budget_.OnHandled(progress_.HandledCount());
			exhausted = budget_.Exhausted();
		}
		if (exhausted != paused_) {
			paused_ = exhausted;
			if (paused_) ReportPause();
			else WALCAST_LOG(debug, kLog, "consumer caught up, resuming reads");
		}
		progress_wanted_.store(paused_);

		auto now = Clock::now();
		const Lsn flush = CurrentFlush();
		const bool due = now - last_status_ >= settings_.status_interval;
		const bool advanced = flush > last_sent_flush_ && now - last_status_ >= kMinStatusGap;
		if (force_status || due || advanced) {
			if (!SendStatus(conn)) return;
			force_status = false;
			now = Clock::now();
		}

		auto deadline = last_status_ + settings_.status_interval;
		if (flush > last_sent_flush_) deadline = std::min(deadline, last_status_ + kMinStatusGap);
		if (budget_.Events() > 0) deadline = std::min(deadline, now + kProgressPoll);
		if (read == ReadResult::Yielded && !paused_) deadline = now;  // more is buffered inside libpq already
		// While paused the socket is not watched: unread data stays in the kernel and TCP pushes back on the server.
		auto waited = Wait(PQsocket(conn), paused_ ? 0 : POLLIN, deadline, true);
		if (waited == WaitResult::Failed) return;
		if (waited == WaitResult::Ready && !PQconsumeInput(conn)) {
			WALCAST_LOG(warn, kLog, "replication connection lost: " << ConnError(conn));
			return;
		}
	}
}

void ReplicationStream::LogStreamEnd(PGconn* conn) {
	// The server ended the COPY: its reason is in the result that follows (e.g. an administrator command).
	const auto deadline = Clock::now() + kStopDrainTimeout;
	std::string reason;
	while (true) {
		while (PQisBusy(conn)) {
			auto waited = Wait(PQsocket(conn), POLLIN, deadline, false);
			if (waited != WaitResult::Ready || !PQconsumeInput(conn)) {
				if (reason.empty()) reason = ConnError(conn);
				goto done;
			}
		}
		{
			PgResultPtr result(PQgetResult(conn));
			if (!result) break;
			if (PQresultStatus(result.get()) == PGRES_FATAL_ERROR && reason.empty()) reason = ResultError(result.get());
		}
	}
done:
	WALCAST_LOG(warn, kLog, "replication stream ended by the server" << (reason.empty() ? "" : ": ") << reason);
}

void ReplicationStream::FinishCopy(PGconn* conn) {
	// Give the consumer a moment to handle what it was already given, so the final flush covers it and a
	// restart does not resend it. A consumer that is already stopped just costs this short wait.
	const auto settle_deadline = Clock::now() + kStopSettleTimeout;
	while (flush_.InFlight(progress_.HandledCount()) > 0 && Clock::now() < settle_deadline)
		Wait(-1, 0, std::min(settle_deadline, Clock::now() + 10ms), true);
	if (!SendStatus(conn)) return;
	const Lsn flush = last_sent_flush_;
	if (PQputCopyEnd(conn, nullptr) <= 0 || PQflush(conn) != 0) {
		WALCAST_LOG(warn, kLog, "could not end replication cleanly: " << ConnError(conn));
		return;
	}
	// Drain until the server ends its side too, so a last-minute error is seen. Data still arriving is
	// dropped: it was not confirmed, so the server sends it again next time.
	const auto deadline = Clock::now() + kStopDrainTimeout;
	while (true) {
		char* raw = nullptr;
		const int length = PQgetCopyData(conn, &raw, 1);
		PgBufferPtr buffer(raw);
		if (length > 0) continue;
		if (length == -1) break;
		if (length < -1) {
			WALCAST_LOG(warn, kLog, "replication connection failed while stopping: " << ConnError(conn));
			return;
		}
		if (Wait(PQsocket(conn), POLLIN, deadline, false) != WaitResult::Ready || !PQconsumeInput(conn)) {
			WALCAST_LOG(warn, kLog, "server did not end replication within "
			                            << std::chrono::duration_cast<std::chrono::milliseconds>(kStopDrainTimeout).count()
			                            << " ms; closing");
			return;
		}
	}
	while (true) {
		while (PQisBusy(conn)) {
			if (Wait(PQsocket(conn), POLLIN, deadline, false) != WaitResult::Ready || !PQconsumeInput(conn)) return;
		}
		PgResultPtr result(PQgetResult(conn));
		if (!result) break;
		const auto status = PQresultStatus(result.get());
		if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
			WALCAST_LOG(warn, kLog, "replication ended with: " << ResultError(result.get()));
	}
	WALCAST_LOG(info, kLog, "replication stopped, slot " << settings_.slot << " confirmed up to " << FormatLsn(flush));
}

}  // namespace walcast::replication
