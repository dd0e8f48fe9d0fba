#pragma once
// Pieces every mode uses: client settings from the command line, the file-descriptor limit, bounded waits,
// and the JSON form of a latency histogram.

#include <chrono>
#include <functional>
#include <vector>

#include <boost/json/object.hpp>

#include "client_pool.hpp"
#include "options.hpp"
#include "proc_stats.hpp"

namespace loadgen {

ClientConfig ClientConfigFrom(const Options& options);
std::vector<asio::ip::address> SourceAddresses(const Options& options);
std::vector<WatchedProcess> WatchedFrom(const Options& options);
// Raises RLIMIT_NOFILE's soft limit to the hard limit; returns the limit now in force.
long RaiseFdLimit();
// Polls `done` every few milliseconds until it holds or `timeout` passes; returns whether it held.
bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout);
boost::json::object LatencyJson(const Histogram& h);  // microseconds
boost::json::object TotalsJson(const PoolTotals& t);

}  // namespace loadgen
