#include "core/config.hpp"

#include <map>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

namespace walcast {
namespace {

struct FakeEnv {
	std::map<std::string, std::string> vars;
	std::function<const char*(const char*)> Lookup() {
		return [this](const char* name) -> const char* {
			auto it = vars.find(name);
			return it == vars.end() ? nullptr : it->second.c_str();
		};
	}
};

TEST(Config, DefaultsMatchTheOriginalServer) {
	FakeEnv env;
	Config config;
	ASSERT_EQ(LoadConfig(config, env.Lookup()), std::nullopt);
	EXPECT_EQ(config.publication, "supabase_realtime");
	EXPECT_EQ(config.port, 4000);
	EXPECT_EQ(config.db_port, "5432");
	EXPECT_EQ(config.slot_name, "walcast");
	EXPECT_EQ(config.idle_timeout, std::chrono::seconds(60));
	EXPECT_EQ(config.max_filter_bytes, 16384u);
	EXPECT_EQ(config.max_filter_conditions, 16u);
	EXPECT_EQ(config.max_like_pattern_bytes, 256u);
	EXPECT_EQ(config.max_presence_meta_bytes, 4096u);
	EXPECT_EQ(config.max_presences_per_topic, 1000u);
}

TEST(Config, ReadsEveryVariable) {
	FakeEnv env{{{"DB_HOST", "/tmp/sock"}, {"DB_PORT", "6543"}, {"DB_NAME", "app"}, {"DB_USER", "rt"},
	             {"DB_PASSWORD", "s3cret"}, {"SLOT_NAME", "my_slot"}, {"PUBLICATION", "pub"}, {"PORT", "8080"},
	             {"HOSTNAME", "127.0.0.1"}, {"LOG_LEVEL", "debug"}, {"MAX_CLIENT_QUEUE_BYTES", "65536"},
	             {"MAX_FILTER_BYTES", "1048576"}, {"MAX_FILTER_CONDITIONS", "1"}, {"MAX_LIKE_PATTERN_BYTES", "1"},
	             {"MAX_PRESENCE_META_BYTES", "2"}, {"MAX_PRESENCES_PER_TOPIC", "1000000"}}};
	Config config;
	ASSERT_EQ(LoadConfig(config, env.Lookup()), std::nullopt);
	EXPECT_EQ(config.db_host, "/tmp/sock");
	EXPECT_EQ(config.db_port, "6543");
	EXPECT_EQ(config.db_name, "app");
	EXPECT_EQ(config.db_user, "rt");
	EXPECT_EQ(config.db_password, "s3cret");
	EXPECT_EQ(config.slot_name, "my_slot");
	EXPECT_EQ(config.publication, "pub");
	EXPECT_EQ(config.port, 8080);
	EXPECT_EQ(config.bind_address, "127.0.0.1");
	EXPECT_EQ(config.log_level, log::Level::debug);
	EXPECT_EQ(config.max_client_queue_bytes, 65536u);
	EXPECT_EQ(config.max_filter_bytes, 1048576u);
	EXPECT_EQ(config.max_filter_conditions, 1u);
	EXPECT_EQ(config.max_like_pattern_bytes, 1u);
	EXPECT_EQ(config.max_presence_meta_bytes, 2u);
	EXPECT_EQ(config.max_presences_per_topic, 1000000u);
}

TEST(Config, BadValuesGiveOneLineErrorsNamingTheVariable) {
	struct Case {
		const char* var;
		const char* value;
		const char* expected;
	} cases[] = {
		{"PORT", "abc", "PORT: must be a port number 1-65535, got 'abc'"},
		{"PORT", "70000", "PORT: must be a port number 1-65535, got '70000'"},
		{"DB_PORT", "-1", "DB_PORT: must be a port number 1-65535, got '-1'"},
		{"SLOT_NAME", "Bad-Name", "SLOT_NAME: must be 1-63 characters of a-z, 0-9 and _, got 'Bad-Name'"},
		{"DB_NAME", "", "DB_NAME: must not be empty"},
		{"LOG_LEVEL", "loud", "LOG_LEVEL: must be debug, info, warn or error, got 'loud'"},
		{"IDLE_TIMEOUT_SECONDS", "0", "IDLE_TIMEOUT_SECONDS: must be seconds 1-86400, got '0'"},
		{"MAX_FILTER_BYTES", "0", "MAX_FILTER_BYTES: must be a byte count 1-1048576, got '0'"},
		{"MAX_FILTER_BYTES", "1048577", "MAX_FILTER_BYTES: must be a byte count 1-1048576, got '1048577'"},
		{"MAX_FILTER_CONDITIONS", "0", "MAX_FILTER_CONDITIONS: must be a count 1-1000, got '0'"},
		{"MAX_PRESENCE_META_BYTES", "1", "MAX_PRESENCE_META_BYTES: must be a byte count 2-1048576, got '1'"},
		{"MAX_PRESENCES_PER_TOPIC", "0", "MAX_PRESENCES_PER_TOPIC: must be a count 1-1000000, got '0'"},
		{"MAX_FILTER_CONDITIONS", "1001", "MAX_FILTER_CONDITIONS: must be a count 1-1000, got '1001'"},
		{"MAX_LIKE_PATTERN_BYTES", "many", "MAX_LIKE_PATTERN_BYTES: must be a byte count 1-65536, got 'many'"},
		{"MAX_LIKE_PATTERN_BYTES", "65537", "MAX_LIKE_PATTERN_BYTES: must be a byte count 1-65536, got '65537'"},
	};
	for (const auto& c : cases) {
		FakeEnv env{{{c.var, c.value}}};
		Config config;
		auto error = LoadConfig(config, env.Lookup());
		ASSERT_TRUE(error.has_value()) << c.var;
		EXPECT_EQ(*error, c.expected);
	}
}

TEST(Config, HelpListsEverySettingWithItsDefault) {
	auto help = ConfigHelp();
	for (const auto& setting : ConfigSettings()) {
		EXPECT_NE(help.find(setting.env), std::string::npos) << setting.env;
	}
	EXPECT_NE(help.find("[default: supabase_realtime]"), std::string::npos);
	EXPECT_NE(help.find("MAX_FILTER_BYTES"), std::string::npos);
	EXPECT_NE(help.find("[default: 16384]"), std::string::npos);
}

TEST(Config, PerClientLimitsHaveRealtimesDefaultsAndRefuseZero) {
	FakeEnv env;
	Config config;
	ASSERT_EQ(LoadConfig(config, env.Lookup()), std::nullopt);
	EXPECT_EQ(config.max_channels_per_client, 100u);
	EXPECT_EQ(config.max_joins_per_second, 100u);
	EXPECT_EQ(config.max_events_per_second, 100u);
	EXPECT_EQ(config.max_log_lines_per_client, 10u);
	FakeEnv set{{{"MAX_CHANNELS_PER_CLIENT", "1"}, {"MAX_JOINS_PER_SECOND", "1000000"}, {"MAX_EVENTS_PER_SECOND", "7"},
	             {"MAX_LOG_LINES_PER_CLIENT", "3"}}};
	ASSERT_EQ(LoadConfig(config, set.Lookup()), std::nullopt);
	EXPECT_EQ(config.max_channels_per_client, 1u);
	EXPECT_EQ(config.max_joins_per_second, 1000000u);
	EXPECT_EQ(config.max_events_per_second, 7u);
	EXPECT_EQ(config.max_log_lines_per_client, 3u);
	for (const char* name : {"MAX_CHANNELS_PER_CLIENT", "MAX_JOINS_PER_SECOND", "MAX_EVENTS_PER_SECOND",
	                         "MAX_LOG_LINES_PER_CLIENT"}) {
		for (const char* bad : {"0", "1000001", "-1", "ten"}) {
			FakeEnv env_bad{{{name, bad}}};
			Config c;
			auto error = LoadConfig(c, env_bad.Lookup());
			ASSERT_TRUE(error.has_value()) << name << "=" << bad;
			EXPECT_EQ(error->rfind(std::string(name) + ": must be", 0), 0u) << *error;
		}
	}
}

TEST(Config, MemoryAndConnectionBoundsHaveDefaultsAndEdges) {
	FakeEnv env;
	Config config;
	ASSERT_EQ(LoadConfig(config, env.Lookup()), std::nullopt);
	EXPECT_EQ(config.max_connections, 10000u);
	EXPECT_EQ(config.max_queued_bytes, std::size_t{8} << 30);
	EXPECT_EQ(config.slow_client_window, std::chrono::milliseconds(2000));

	FakeEnv edges{{{"MAX_CONNECTIONS", "1"}, {"MAX_QUEUED_BYTES", "65536"}, {"SLOW_CLIENT_WINDOW_MS", "50"}}};
	ASSERT_EQ(LoadConfig(config, edges.Lookup()), std::nullopt);
	EXPECT_EQ(config.max_connections, 1u);
	EXPECT_EQ(config.max_queued_bytes, 65536u);
	EXPECT_EQ(config.slow_client_window, std::chrono::milliseconds(50));

	for (const auto& [var, value, expected] : std::vector<std::tuple<const char*, const char*, const char*>>{
			 {"MAX_CONNECTIONS", "0", "MAX_CONNECTIONS: must be a count 1-10000000, got '0'"},
			 {"MAX_QUEUED_BYTES", "65535", "MAX_QUEUED_BYTES: must be a byte count 65536-1099511627776, got '65535'"},
			 {"SLOW_CLIENT_WINDOW_MS", "49", "SLOW_CLIENT_WINDOW_MS: must be milliseconds 50-600000, got '49'"},
		 }) {
		FakeEnv bad{{{var, value}}};
		Config c;
		EXPECT_EQ(LoadConfig(c, bad.Lookup()), std::optional<std::string>(expected));
	}
	for (const char* name : {"MAX_CONNECTIONS", "MAX_QUEUED_BYTES", "SLOW_CLIENT_WINDOW_MS"})
		EXPECT_NE(ConfigHelp().find(name), std::string::npos) << name;
}

}  // namespace
}  // namespace walcast
