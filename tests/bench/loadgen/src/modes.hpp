#pragma once
#include "options.hpp"

namespace loadgen {

int RunE2e(const Options& options);      // latency and throughput under a fixed write rate
int RunIdle(const Options& options);     // many idle joined connections, then one change to all of them
int RunCommits(const Options& options);  // commit throughput of single-row INSERTs, flat out

}  // namespace loadgen
