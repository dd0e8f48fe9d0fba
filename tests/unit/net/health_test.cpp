#include "net/health.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace walcast::net {
namespace {

HealthSnapshot Connected() {
	HealthSnapshot s;
	s.replication_connected = true;
	s.slot = "walcast";
	s.received_lsn = 0x16B374D848ull;
	s.confirmed_lsn = 0x16B3740000ull;
	s.server_wal_end = 0x16B3750000ull;
	s.clients = 3;
	s.channels = 7;
	return s;
}

TEST(Health, RendersConnectedStatus) {
	const auto s = Connected();
	const auto json = boost::json::parse(RenderHealthJson(s)).as_object();
	EXPECT_EQ(json.at("status"), "ok");
	EXPECT_EQ(json.at("clients").to_number<std::uint64_t>(), 3u);
	EXPECT_EQ(json.at("channels").to_number<std::uint64_t>(), 7u);
	const auto& r = json.at("replication").as_object();
	EXPECT_EQ(r.at("connected"), true);
	EXPECT_EQ(r.at("slot"), "walcast");
	EXPECT_EQ(r.at("received_lsn"), "16/B374D848");
	EXPECT_EQ(r.at("confirmed_lsn"), "16/B3740000");
	EXPECT_EQ(r.at("lag_bytes").to_number<std::uint64_t>(), 0x10000u);
	EXPECT_EQ(HealthStatusCode(s), 200u);
}

TEST(Health, ShowsConnectionsAndQueuedBytesAgainstTheirLimits) {
	auto s = Connected();
	s.max_connections = 100;
	s.connections_refused = 2;
	s.queued_bytes = 5000;
	s.queued_bytes_peak = 9000;
	s.max_queued_bytes = 8192;
	s.queue_limit_closes = 1;
	const auto json = boost::json::parse(RenderHealthJson(s)).as_object();
	const auto& c = json.at("connections").as_object();
	EXPECT_EQ(c.at("open").to_number<std::uint64_t>(), 3u);
	EXPECT_EQ(c.at("max").to_number<std::uint64_t>(), 100u);
	EXPECT_EQ(c.at("refused_total").to_number<std::uint64_t>(), 2u);
	const auto& q = json.at("queue").as_object();
	EXPECT_EQ(q.at("bytes").to_number<std::uint64_t>(), 5000u);
	EXPECT_EQ(q.at("peak_bytes").to_number<std::uint64_t>(), 9000u);
	EXPECT_EQ(q.at("max_bytes").to_number<std::uint64_t>(), 8192u);
	EXPECT_EQ(q.at("shed_total").to_number<std::uint64_t>(), 1u);
}

TEST(Health, SaysWhetherAuthIsOn) {
	auto s = Connected();
	EXPECT_EQ(boost::json::parse(RenderHealthJson(s)).at("auth"), "off");
	s.auth_on = true;
	EXPECT_EQ(boost::json::parse(RenderHealthJson(s)).at("auth"), "on");
}

TEST(Health, WithoutDetailsHidesSlotAndLsns) {
	auto s = Connected();
	s.auth_on = true;
	s.show_details = false;
	const std::string text = RenderHealthJson(s);
	const auto json = boost::json::parse(text).as_object();
	EXPECT_EQ(json.at("status"), "ok");
	EXPECT_EQ(json.at("auth"), "on");
	const auto& r = json.at("replication").as_object();
	EXPECT_EQ(r.at("connected"), true);
	for (const char* hidden : {"slot", "received_lsn", "confirmed_lsn", "lag_bytes"})
		EXPECT_FALSE(r.contains(hidden)) << hidden;
	// Nowhere else either.
	EXPECT_EQ(text.find("walcast"), std::string::npos);
	EXPECT_EQ(text.find("16/B3"), std::string::npos);
	EXPECT_EQ(HealthStatusCode(s), 200u);
	// The status code still follows replication.
	s.replication_connected = false;
	EXPECT_EQ(HealthStatusCode(s), 503u);
	EXPECT_EQ(boost::json::parse(RenderHealthJson(s)).at("status"), "degraded");
}

TEST(Health, DegradedWhenReplicationIsDown) {
	HealthSnapshot s;
	s.slot = "s1";
	const auto json = boost::json::parse(RenderHealthJson(s)).as_object();
	EXPECT_EQ(json.at("status"), "degraded");
	EXPECT_EQ(json.at("replication").at("connected"), false);
	EXPECT_EQ(json.at("replication").at("confirmed_lsn"), "0/0");
	EXPECT_EQ(HealthStatusCode(s), 503u);
}

TEST(Health, LagIsZeroWhenUnknownOrBehind) {
	HealthSnapshot s;
	s.server_wal_end = 100;
	EXPECT_EQ(LagBytes(s), 0u);  // nothing confirmed yet
	s.confirmed_lsn = 200;
	EXPECT_EQ(LagBytes(s), 0u);  // keepalive older than our confirm
	s.server_wal_end = 250;
	EXPECT_EQ(LagBytes(s), 50u);
}

TEST(Metrics, PrometheusTextHasHelpTypeAndValues) {
	auto s = Connected();
	s.changes_received = 11;
	s.changes_dispatched = 9;
	s.messages_sent = 42;
	s.bytes_sent = 4200;
	s.slow_client_closes = 2;
	s.client_errors = 5;
	s.replication_reconnects = 1;
	s.catalog_queries = 12;
	s.catalog_lookups_dropped = 13;
	s.catalog_lookups_refused = 14;
	s.catalog_timeouts = 15;
	s.connections_refused = 4;
	s.queued_bytes = 123456;
	s.queued_bytes_peak = 234567;
	s.queue_limit_closes = 6;
	const std::string text = RenderMetricsText(s);

	for (const char* line : {
			 "# TYPE walcast_changes_received_total counter\nwalcast_changes_received_total 11\n",
			 "# TYPE walcast_changes_dispatched_total counter\nwalcast_changes_dispatched_total 9\n",
			 "walcast_messages_sent_total 42\n",
			 "walcast_bytes_sent_total 4200\n",
			 "# TYPE walcast_clients gauge\nwalcast_clients 3\n",
			 "# TYPE walcast_channels gauge\nwalcast_channels 7\n",
			 "walcast_slow_client_closes_total 2\n",
			 "walcast_client_errors_total 5\n",
			 "walcast_replication_reconnects_total 1\n",
			 "# TYPE walcast_catalog_queries_total counter\nwalcast_catalog_queries_total 12\n",
			 "walcast_catalog_lookups_dropped_total 13\n",
			 "walcast_catalog_lookups_refused_total 14\n",
			 "walcast_catalog_timeouts_total 15\n",
			 "walcast_replication_connected 1\n",
			 "walcast_replication_lag_bytes 65536\n",
			 "# TYPE walcast_connections_refused_total counter\nwalcast_connections_refused_total 4\n",
			 "# TYPE walcast_queued_bytes gauge\nwalcast_queued_bytes 123456\n",
			 "# TYPE walcast_queued_bytes_peak gauge\nwalcast_queued_bytes_peak 234567\n",
			 "# TYPE walcast_queue_limit_closes_total counter\nwalcast_queue_limit_closes_total 6\n",
		 })
		EXPECT_NE(text.find(line), std::string::npos) << line;

	// Every sample line is preceded by its HELP and TYPE lines.
	std::size_t samples = 0, helps = 0, types = 0;
	std::size_t pos = 0;
	while (pos < text.size()) {
		const auto end = text.find('\n', pos);
		ASSERT_NE(end, std::string::npos) << "text must end with a newline";
		const std::string_view line(text.data() + pos, end - pos);
		if (line.rfind("# HELP ", 0) == 0)
			++helps;
		else if (line.rfind("# TYPE ", 0) == 0)
			++types;
		else
			++samples;
		pos = end + 1;
	}
	EXPECT_EQ(samples, 25u);
	EXPECT_EQ(helps, samples);
	EXPECT_EQ(types, samples);
}

TEST(Metrics, SnapshotReadsTheLiveCounters) {
	Metrics m;
	m.replication_connected = true;
	m.confirmed_lsn = 10;
	m.server_wal_end = 30;
	m.clients = 4;
	m.bytes_sent = 99;
	const auto s = TakeSnapshot(m, "slot");
	EXPECT_TRUE(s.replication_connected);
	EXPECT_EQ(s.slot, "slot");
	EXPECT_EQ(LagBytes(s), 20u);
	EXPECT_EQ(s.clients, 4u);
	EXPECT_EQ(s.bytes_sent, 99u);
}

}  // namespace
}  // namespace walcast::net
