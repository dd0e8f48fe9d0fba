#pragma once
// A throwaway PostgreSQL 15 cluster for a unit suite that needs a real server: initdb in a temp dir, started
// with wal_level=logical (and walcast allowed as an output plugin), run as the `postgres` OS user when the tests
// run as root (as tests/harness/pgcluster.py does), stopped and removed by the destructor. Shared by the unit
// suites that need a server (the catalog's, the threaded hand-over's).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

namespace walcast::testing {

inline const std::string kPgBin = "/usr/lib/postgresql/15/bin";

inline int FreePort() {
	int fd = ::socket(AF_INET, SOCK_STREAM, 0);
	sockaddr_in addr{};
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
	socklen_t len = sizeof addr;
	::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
	int port = ntohs(addr.sin_port);
	::close(fd);
	return port;
}

class ThrowawayCluster {
public:
	ThrowawayCluster() = default;
	ThrowawayCluster(const ThrowawayCluster&) = delete;
	ThrowawayCluster& operator=(const ThrowawayCluster&) = delete;

	// False (with the reason in Error()) if the cluster could not be created or started.
	bool Start() {
		namespace fs = std::filesystem;
		if (!fs::exists(kPgBin + "/initdb")) return Fail("no PostgreSQL 15 at " + kPgBin);
		char tmpl[] = "/tmp/walcast-unit-pg-XXXXXX";
		if (!::mkdtemp(tmpl)) return Fail("mkdtemp failed");
		root_ = tmpl;
		port_ = FreePort();
		as_ = ::geteuid() == 0 ? "runuser -u postgres -- " : "";
		if (!as_.empty() && Run("chown postgres: " + root_) != 0) return Fail("cannot chown " + root_);
		fs::permissions(root_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
		                           fs::perms::others_read | fs::perms::others_exec);
		if (Run(as_ + kPgBin + "/initdb -D " + root_ + "/data -U postgres --auth=trust --no-sync -E UTF8 "
		        "--locale=C.UTF-8 >" + root_ + "/initdb.log 2>&1") != 0)
			return Fail("initdb failed, see " + root_ + "/initdb.log");
		if (Ctl("start") != 0) return Fail("pg_ctl start failed, see " + root_ + "/server.log");
		return true;
	}

	// pg_ctl start, stop or restart, with the server options; 0 on success.
	int Ctl(const std::string& action) const {
		std::string opts = "-c listen_addresses=127.0.0.1 -c port=" + std::to_string(port_) +
		                   " -c unix_socket_directories=" + root_ + " -c fsync=off -c wal_level=logical";
		// This server build may only let listed libraries act as output plugins; walcast must be one.
		if (Run(kPgBin + "/postgres --describe-config 2>/dev/null | grep -q '^output_plugin_libraries\t'") == 0)
			opts += " -c output_plugin_libraries=pgoutput,walcast";
		return Run(as_ + kPgBin + "/pg_ctl -D " + root_ + "/data -l " + root_ + "/server.log -w -t 60 -m fast -o '" +
		           opts + "' " + action + " >/dev/null 2>&1");
	}

	~ThrowawayCluster() {
		if (root_.empty()) return;
		Run(as_ + kPgBin + "/pg_ctl -D " + root_ + "/data -m immediate -w stop >/dev/null 2>&1");
		std::error_code ec;
		std::filesystem::remove_all(root_, ec);
	}

	// Runs SQL as the superuser in database `postgres` (psql, ON_ERROR_STOP); the unaligned, tuples-only output,
	// or nothing when psql failed. Keep the SQL free of double quotes: it goes through the shell in "...".
	std::optional<std::string> Sql(const std::string& sql) const {
		std::string cmd = as_ + kPgBin + "/psql -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " +
		                  std::to_string(port_) + " -U postgres -d postgres -c \"" + sql + "\"";
		FILE* pipe = ::popen(cmd.c_str(), "r");
		if (!pipe) return std::nullopt;
		std::string out;
		char buf[4096];
		while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
		if (::pclose(pipe) != 0) return std::nullopt;
		while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
		return out;
	}

	int port() const { return port_; }
	const std::string& Error() const { return error_; }

private:
	static int Run(const std::string& cmd) { return std::system(cmd.c_str()); }
	bool Fail(std::string why) {
		error_ = std::move(why);
		return false;
	}

	std::string root_, as_, error_;
	int port_ = 0;
};

}  // namespace walcast::testing
