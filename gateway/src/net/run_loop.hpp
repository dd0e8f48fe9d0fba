#pragma once
// Runs the network thread's io_context so that a handler that throws costs only what it was doing.
//
// Every client, the dispatch of replication batches and the catalog answers share this one thread. Asio lets
// an exception from a handler out of run(), which would end the thread and with it the process; it leaves the
// io_context valid, so run() is simply entered again after the exception is logged.

#include <cstdint>

#include "net/beast.hpp"

namespace walcast::net {

// Returns when `ioc` runs out of work or is stopped; the number of handler exceptions it survived.
std::uint64_t RunSurvivingHandlerExceptions(asio::io_context& ioc);

}  // namespace walcast::net
