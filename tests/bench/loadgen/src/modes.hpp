#pragma once
#include "options.hpp"

namespace loadgen {

int RunE2e(const Options& options);      // latency and throughput under a fixed write rate
int RunIdle(const Options& options);     // many idle joined connections, then one change to all of them
int RunCommits(const Options& options);  // commit throughput of single-row INSERTs, flat out
int RunJoins(const Options& options);    // channel joins answered per second, first joins and rejoins
int RunBroadcast(const Options& options);  // one sender's broadcasts fanned out to M subscribers of one topic

}  // namespace loadgen
