#pragma once
// ReplicationStream: consumes the logical replication slot on its own thread and hands parsed WalEvents
// to the consumer in batches.
//
//   connect (replication=database) -> IDENTIFY_SYSTEM -> create slot if missing -> START_REPLICATION
//   -> loop { read CopyData without blocking, classify, deduplicate, deliver a batch, send status, poll() }
//
// Delivery guarantees to the consumer: in order, nothing twice within this process (Deduplicator), nothing
// lost (the slot is confirmed only up to what DeliveryProgress reports handled, see FlushPolicy).
// The database going away is logged and retried with exponential backoff; the consumer sees a pause.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/delivery_progress.hpp"
#include "core/lsn.hpp"
#include "core/wal_event.hpp"
#include "core/waker.hpp"
#include "replication/classifier.hpp"
#include "replication/deduplicator.hpp"
#include "replication/flush_policy.hpp"
#include "replication/in_flight_budget.hpp"
#include "replication/pg_handles.hpp"

namespace walcast::replication {

struct StreamSettings {
	std::string host, port, dbname, user, password;
	std::string slot = "walcast";
	std::string publication = "supabase_realtime";
	std::chrono::milliseconds status_interval{1000};
	std::chrono::milliseconds max_backoff{5000};
	// Output plugin of the slot. Only "walcast" gets the publication/include-transaction options.
	std::string plugin = "walcast";
	// Backpressure: stop reading while this much is posted and not yet handled.
	std::uint64_t max_in_flight_events = 100'000;
	std::size_t max_in_flight_bytes = std::size_t{64} << 20;
};

class ReplicationStream {
public:
	// Called on the replication thread with each batch, in stream order. Must not block: post and return.
	using Deliver = std::function<void(std::vector<WalEvent>)>;

	ReplicationStream(StreamSettings settings, DeliveryProgress& progress, Deliver deliver);
	~ReplicationStream();  // Stop()s
	ReplicationStream(const ReplicationStream&) = delete;
	ReplicationStream& operator=(const ReplicationStream&) = delete;

	// Starts the replication thread. Returns at once; connection problems are logged and retried there.
	// Throws std::invalid_argument for settings that can never work (invalid slot name, empty plugin).
	// A stream runs once: Start() after Stop() does nothing.
	void Start();
	// Sends a final status update with the flush position, ends the COPY, closes, joins. Idempotent and
	// callable from any thread (from the replication thread itself it only requests the stop).
	void Stop();

	// Cheap, thread-safe: the consumer calls it after handling events. It wakes the replication thread
	// only while reads are paused on the in-flight budget; otherwise the thread picks the progress up at
	// its next wake-up (data, or its 50 ms progress poll while events are in flight). Waking it after
	// every batch cost a thread switch per transaction, most of the gateway's CPU at one subscriber.
	void NotifyProgress();

	// For /health. Also mirrored in GlobalMetrics().
	bool Connected() const { return connected_.load(std::memory_order_relaxed); }
	Lsn ReceivedLsn() const { return received_lsn_.load(std::memory_order_relaxed); }
	Lsn ConfirmedLsn() const { return confirmed_lsn_.load(std::memory_order_relaxed); }

private:
	enum class WaitResult { Ready, Woken, Timeout, Failed };
	// Drained: libpq's buffer is empty. Yielded: stopped early (batch, backpressure or status due), more may
	// be buffered. Ended: the server ended the COPY. Failed: connection lost.
	enum class ReadResult { Drained, Yielded, Ended, Failed };
	using Clock = std::chrono::steady_clock;

	void Run();
	// One connection from connect to disconnect. True if it reached streaming.
	bool RunSession(Clock::duration& streamed_for);
	PgConnPtr Connect();
	PgResultPtr Execute(PGconn* conn, const std::string& command, const char* what);
	bool EnsureSlot(PGconn* conn, const std::string& dbname);
	// Called when IDENTIFY_SYSTEM names another system or timeline than the last session's: waits until every
	// event of the old database was handled, then forgets its positions. False if stopped meanwhile.
	bool ForgetPreviousDatabase();
	void Stream(PGconn* conn);
	ReadResult ReadAvailable(PGconn* conn, bool& force_status);
	void HandleCopyData(const char* data, std::size_t size, bool& force_status);
	// Hands batch_ to the consumer. False if that failed: the session must end (see AbandonUndelivered).
	bool DeliverBatch();
	// Forgets what was received but not handed over, so the next session receives it again.
	void AbandonUndelivered();
	void ReportPause();
	bool SendStatus(PGconn* conn, bool reply_requested = false);
	Lsn CurrentFlush();
	void FinishCopy(PGconn* conn);
	void LogStreamEnd(PGconn* conn);
	WaitResult Wait(int socket, short events, Clock::time_point deadline, bool wake_on_poke);
	void SetConnected(bool connected);

	const StreamSettings settings_;
	DeliveryProgress& progress_;
	const Deliver deliver_;

	std::mutex lifecycle_mutex_;
	std::thread thread_;
	std::atomic<std::thread::id> worker_id_{};
	std::atomic<bool> stop_requested_{false};
	Waker waker_;

	// Replication-thread state, kept across reconnects.
	Classifier classifier_;
	Deduplicator dedup_;
	Deduplicator delivered_dedup_;  // dedup_ as of the last successful hand-over
	FlushPolicy flush_;
	InFlightBudget budget_;
	std::vector<WalEvent> batch_;
	std::size_t batch_bytes_ = 0;
	Lsn last_sent_flush_ = kInvalidLsn;
	Clock::time_point last_status_{};
	bool paused_ = false;
	std::atomic<bool> progress_wanted_{false};  // paused_, as seen by NotifyProgress on the consumer's thread
	std::uint64_t pauses_unreported_ = 0;
	Clock::time_point last_pause_report_{};
	std::uint64_t session_skipped_ = 0;  // replayed events the deduplicator dropped in this session
	// The database the last session streamed from (IDENTIFY_SYSTEM): a new system identifier (re-created
	// database) or timeline (failover) makes every LSN remembered so far meaningless.
	std::string known_system_id_;
	std::string known_timeline_;
	bool session_skip_reported_ = false;

	std::atomic<bool> connected_{false};
	std::atomic<Lsn> received_lsn_{kInvalidLsn};
	std::atomic<Lsn> confirmed_lsn_{kInvalidLsn};
};

}  // namespace walcast::replication
