// The replication -> network hand-over wired as main.cpp wires it, on real threads against a real PostgreSQL 15:
// the stream's thread pushes batches into the DispatchPump, the network thread dispatches them and reports
// progress back (NotifyProgress wakes a stream paused on its in-flight budget), and a third thread stops the stream
// while the network thread still runs. scripts/sanitize runs this under ThreadSanitizer; in any build it checks
// that every change arrives once, in order, and that the slot is confirmed only up to what was handed over.
//
// Needs the walcast output plugin installed into PostgreSQL 15 (scripts/test does that before the unit tests).

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "core/delivery_progress.hpp"
#include "core/lsn.hpp"
#include "net/dispatch_pump.hpp"
#include "net/run_loop.hpp"
#include "replication/stream.hpp"
#include "../support/throwaway_cluster.hpp"

namespace walcast {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr const char* kSlot = "walcast_threads";
// Generous: a TSan build runs several times slower. Only a failure ever waits this long.
constexpr auto kDeadline = 120s;

// What the network thread saw, read by the test's thread under the lock.
struct Seen {
	std::mutex mutex;
	std::condition_variable changed;
	std::vector<int> ids;           // record.id of each change, in dispatch order
	std::vector<Lsn> commits;       // commit_lsn of each commit, in dispatch order
	bool change_after_last_commit = false;
};

class ReplicationHandover : public ::testing::Test {
protected:
	static void SetUpTestSuite() {
		cluster_ = new testing::ThrowawayCluster();
		if (!cluster_->Start()) {
			error_ = cluster_->Error();
			delete cluster_;
			cluster_ = nullptr;
		}
	}
	static void TearDownTestSuite() {
		delete cluster_;
		cluster_ = nullptr;
	}

	void SetUp() override {
		if (!cluster_) GTEST_FAIL() << "could not start a PostgreSQL 15 cluster: " << error_;
		// A fresh table, publication and slot per test. The slot exists before the stream starts, so what the
		// test writes next is retained whenever the stream gets to it.
		ASSERT_TRUE(cluster_->Sql("DROP TABLE IF EXISTS public.t; DROP PUBLICATION IF EXISTS walcast_pub; "
		                          "CREATE TABLE public.t (id int PRIMARY KEY); "
		                          "CREATE PUBLICATION walcast_pub FOR TABLE public.t"));
		ASSERT_TRUE(cluster_->Sql(std::string("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
		                                      "WHERE slot_name = '") + kSlot + "'"));
		ASSERT_TRUE(cluster_->Sql(std::string("SELECT pg_create_logical_replication_slot('") + kSlot + "', 'walcast')"))
		    << "is the walcast plugin installed into PostgreSQL 15? (scripts/test installs it)";
	}

	replication::StreamSettings Settings(std::uint64_t max_in_flight_events) const {
		replication::StreamSettings s;
		s.host = "127.0.0.1";
		s.port = std::to_string(cluster_->port());
		s.dbname = "postgres";
		s.user = "postgres";
		s.slot = kSlot;
		s.publication = "walcast_pub";
		s.status_interval = 50ms;
		s.max_backoff = 500ms;
		s.max_in_flight_events = max_in_flight_events;
		return s;
	}

	// On the network thread: what Hub::Dispatch does with an event as far as the stream can tell.
	void Record(const WalEvent& event) {
		{
			std::lock_guard lock(seen_.mutex);
			if (event.kind == WalEventKind::Change) {
				seen_.ids.push_back(static_cast<int>(event.data->as_object().at("record").as_object().at("id").as_int64()));
				seen_.change_after_last_commit = true;
			} else if (event.kind == WalEventKind::Commit) {
				seen_.commits.push_back(event.commit_lsn);
				seen_.change_after_last_commit = false;
			}
		}
		seen_.changed.notify_all();
	}

	// Waits until `count` changes and the commit that ends them were dispatched.
	bool WaitForChanges(std::size_t count) {
		std::unique_lock lock(seen_.mutex);
		return seen_.changed.wait_for(lock, kDeadline, [&] {
			return seen_.ids.size() >= count && !seen_.change_after_last_commit && !seen_.commits.empty();
		});
	}

	Lsn SlotConfirmedFlush() const {
		auto text = cluster_->Sql(std::string("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '") +
		                          kSlot + "'");
		auto lsn = text ? ParseLsn(*text) : std::nullopt;
		return lsn ? *lsn : kInvalidLsn;
	}

	static testing::ThrowawayCluster* cluster_;
	static std::string error_;
	Seen seen_;
};
testing::ThrowawayCluster* ReplicationHandover::cluster_ = nullptr;
std::string ReplicationHandover::error_;

// main.cpp's wiring: the network thread runs the io_context until the stream has stopped.
class Wiring {
public:
	Wiring(replication::StreamSettings settings, DeliveryProgress& progress, net::DispatchPump::Dispatch dispatch)
	    : keep_running_(asio::make_work_guard(ioc_)) {
		pump_.emplace(ioc_, std::move(dispatch), [this] { stream_->NotifyProgress(); });
		stream_.emplace(std::move(settings), progress,
		                [this](std::vector<WalEvent> batch) { pump_->Push(std::move(batch)); });
		network_ = std::thread([this] { net::RunSurvivingHandlerExceptions(ioc_); });
		stream_->Start();
	}
	// As on SIGTERM: another thread stops the stream while the network thread keeps handing over, then the
	// network thread is let go.
	void Stop() {
		std::thread stopper([this] {
			stream_->Stop();
			asio::post(ioc_, [this] { keep_running_.reset(); });
		});
		stopper.join();
		network_.join();
	}
	~Wiring() {
		if (network_.joinable()) Stop();
	}
	Lsn ConfirmedLsn() const { return stream_->ConfirmedLsn(); }

private:
	asio::io_context ioc_{1};
	asio::executor_work_guard<asio::io_context::executor_type> keep_running_;
	std::optional<net::DispatchPump> pump_;
	std::optional<replication::ReplicationStream> stream_;
	std::thread network_;
};

std::vector<int> Range(int first, int last) {
	std::vector<int> out;
	for (int i = first; i <= last; ++i) out.push_back(i);
	return out;
}

TEST_F(ReplicationHandover, EveryChangeArrivesOnceInOrderAndTheSlotIsConfirmedUpToTheLastCommit) {
	DeliveryProgress progress;
	// A budget of 16 events in flight: the 2,000-row transaction pauses the stream ~100 times, and each time only
	// the network thread's NotifyProgress gets it reading again.
	Wiring wiring(Settings(16), progress, [&](const WalEvent& e) {
		Record(e);
		progress.MarkHandled(e);
	});
	// 300 one-row transactions, then one of 2,000 rows.
	ASSERT_TRUE(cluster_->Sql("DO \\$\\$ BEGIN FOR i IN 1..300 LOOP INSERT INTO public.t VALUES (i); COMMIT; END LOOP; "
	                          "END \\$\\$"));
	ASSERT_TRUE(cluster_->Sql("INSERT INTO public.t SELECT generate_series(1001, 3000)"));
	ASSERT_TRUE(WaitForChanges(2300)) << "only " << seen_.ids.size() << " changes within the deadline";

	wiring.Stop();
	std::vector<int> expected = Range(1, 300);
	for (int id : Range(1001, 3000)) expected.push_back(id);
	EXPECT_EQ(seen_.ids, expected);
	EXPECT_GE(seen_.commits.size(), 301u);
	const Lsn last_commit = seen_.commits.back();
	// The final status on Stop reported exactly the last handed-over commit, and the server took it.
	EXPECT_EQ(wiring.ConfirmedLsn(), last_commit) << FormatLsn(wiring.ConfirmedLsn()) << " vs " << FormatLsn(last_commit);
	EXPECT_EQ(SlotConfirmedFlush(), last_commit);
}

TEST_F(ReplicationHandover, StoppingWhileTheNetworkThreadIsBehindConfirmsOnlyWhatItHandled) {
	DeliveryProgress progress;
	// The network thread is held at its 500th change until the stop has begun: the stream has events in flight
	// (and is paused on a budget of 64) when it is told to stop. Whatever it confirms must be a commit the
	// network thread had handled.
	std::mutex gate_mutex;
	std::condition_variable gate_changed;
	bool held = false, released = false;
	int changes = 0;
	auto wiring = std::make_unique<Wiring>(Settings(64), progress, [&](const WalEvent& e) {
		if (e.kind == WalEventKind::Change && ++changes == 500) {
			std::unique_lock lock(gate_mutex);
			held = true;
			gate_changed.notify_all();
			gate_changed.wait_for(lock, kDeadline, [&] { return released; });
		}
		Record(e);
		progress.MarkHandled(e);
	});
	ASSERT_TRUE(cluster_->Sql("DO \\$\\$ BEGIN FOR i IN 1..1000 LOOP INSERT INTO public.t VALUES (i); COMMIT; END LOOP; "
	                          "END \\$\\$"));
	{
		std::unique_lock lock(gate_mutex);
		ASSERT_TRUE(gate_changed.wait_for(lock, kDeadline, [&] { return held; })) << "the 500th change never came";
	}
	// Stop on its own thread (it waits for the hand-over, which is held), then let the network thread go.
	std::thread stopping([&] { wiring->Stop(); });
	{
		std::lock_guard lock(gate_mutex);
		released = true;
	}
	gate_changed.notify_all();
	stopping.join();
	const Lsn confirmed = wiring->ConfirmedLsn();
	wiring.reset();

	ASSERT_GE(seen_.ids.size(), 500u);
	EXPECT_EQ(seen_.ids, Range(1, static_cast<int>(seen_.ids.size())));
	// Confirmed is a commit the network thread handled (or nothing yet), never one it did not get to.
	const std::set<Lsn> handled(seen_.commits.begin(), seen_.commits.end());
	EXPECT_TRUE(confirmed == kInvalidLsn || handled.count(confirmed)) << FormatLsn(confirmed);
	EXPECT_EQ(SlotConfirmedFlush() <= seen_.commits.back(), true)
	    << FormatLsn(SlotConfirmedFlush()) << " confirmed past the last handled commit " << FormatLsn(seen_.commits.back());
}

}  // namespace
}  // namespace walcast
