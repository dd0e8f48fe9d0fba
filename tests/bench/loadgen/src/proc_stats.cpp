#include "proc_stats.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace loadgen {

namespace {

std::optional<double> StatusMb(int pid, const std::string& key) {
	std::ifstream in("/proc/" + std::to_string(pid) + "/status");
	std::string line;
	while (std::getline(in, line)) {
		if (line.rfind(key + ":", 0) == 0) return std::stod(line.substr(key.size() + 1)) / 1024.0;
	}
	return std::nullopt;
}

double RunSeconds(int pid) {
	std::error_code ec;
	double total_ns = 0;
	for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
		std::ifstream in(task.path() / "schedstat");
		double on_cpu_ns = 0;
		if (in >> on_cpu_ns) total_ns += on_cpu_ns;
	}
	return total_ns / 1e9;
}

}  // namespace

std::optional<ProcSample> SampleProcess(int pid) {
	std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
	std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	// The command name may hold spaces and parentheses; the fixed fields start after the last ')'.
	const auto paren = text.rfind(')');
	if (paren == std::string::npos) return std::nullopt;
	std::istringstream fields(text.substr(paren + 1));
	std::string field;
	unsigned long utime = 0, stime = 0;
	for (int i = 0; i < 13 && fields >> field; ++i) {
		if (i == 11) utime = std::stoul(field);
		if (i == 12) stime = std::stoul(field);
	}
	ProcSample s;
	s.cpu_seconds = double(utime + stime) / double(sysconf(_SC_CLK_TCK));
	s.rss_mb = StatusMb(pid, "VmRSS").value_or(0);
	s.peak_rss_mb = StatusMb(pid, "VmHWM").value_or(0);
	s.run_seconds = RunSeconds(pid);
	return s;
}

void StartWindow(std::vector<WatchedProcess>& watched) {
	for (auto& w : watched) w.start = SampleProcess(w.pid);
}

std::vector<std::optional<ProcSample>> SampleAll(const std::vector<WatchedProcess>& watched) {
	std::vector<std::optional<ProcSample>> out;
	for (const auto& w : watched) out.push_back(SampleProcess(w.pid));
	return out;
}

boost::json::object WindowJson(const std::vector<WatchedProcess>& watched,
                               const std::vector<std::optional<ProcSample>>& ends, double window_seconds) {
	boost::json::object out;
	for (std::size_t i = 0; i < watched.size(); ++i) {
		const auto& w = watched[i];
		const auto& end = ends[i];
		if (!w.start || !end) {
			out[w.name] = {{"error", "process " + std::to_string(w.pid) + " not readable"}};
			continue;
		}
		const double cpu = end->cpu_seconds - w.start->cpu_seconds;
		out[w.name] = {{"cpu_seconds", cpu},
		               {"cpu_percent", window_seconds > 0 ? 100.0 * cpu / window_seconds : 0.0},
		               {"run_seconds", end->run_seconds - w.start->run_seconds},
		               {"rss_mb", end->rss_mb},
		               {"peak_rss_mb", end->peak_rss_mb}};
	}
	return out;
}

}  // namespace loadgen
