#pragma once
// CPU time and memory of a watched process (the gateway, a peer server, a Postgres backend), read from
// /proc/<pid> at the start and the end of the measured window.

#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

namespace loadgen {

struct ProcSample {
	double cpu_seconds = 0;  // utime + stime
	double rss_mb = 0;       // VmRSS
	double peak_rss_mb = 0;  // VmHWM
	// Time on CPU summed over the process's threads from /proc/<pid>/task/*/schedstat, in nanoseconds: the same
	// thing as cpu_seconds without its 10 ms clock-tick granularity, for windows of a fraction of a second
	// (threads that exited in between are not counted).
	double run_seconds = 0;
};

std::optional<ProcSample> SampleProcess(int pid);

// "name=pid" pairs given with --watch.
struct WatchedProcess {
	std::string name;
	int pid = 0;
	std::optional<ProcSample> start;
};

// Reads each watched process now (call at the start of the window).
void StartWindow(std::vector<WatchedProcess>& watched);
// Reads each watched process now (the end of the window, or a candidate for it).
std::vector<std::optional<ProcSample>> SampleAll(const std::vector<WatchedProcess>& watched);
// {name: {cpu_percent, cpu_seconds, run_seconds, rss_mb, peak_rss_mb}} over a window of `window_seconds`.
boost::json::object WindowJson(const std::vector<WatchedProcess>& watched,
                               const std::vector<std::optional<ProcSample>>& ends, double window_seconds);

}  // namespace loadgen
