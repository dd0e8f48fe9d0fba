// commits: single-row INSERT transactions back to back from K connections for a fixed time; prints the
// commit rate. Run with and without a NOTIFY trigger on the table to see what the trigger costs.
#include <iostream>
#include <thread>

#include <boost/json/serialize.hpp>

#include "common.hpp"
#include "modes.hpp"
#include "row_writer.hpp"

namespace loadgen {

int RunCommits(const Options& options) {
	const auto connections = int(options.Int("connections", 1));
	const double seconds = options.Num("seconds", 3);
	const auto seq_base = std::int64_t(options.Int("seq-base", 1'000'000'000));
	const std::string conninfo = options.Required("conninfo");
	const std::string table = options.Str("table", "bench");
	const int body = int(options.Int("body-bytes", 64));

	std::vector<std::unique_ptr<RowWriter>> writers;
	for (int i = 0; i < connections; ++i) writers.push_back(std::make_unique<RowWriter>(conninfo, table, body));
	const auto n = std::size_t(connections);
	std::vector<std::int64_t> counts(n, 0);
	std::vector<std::string> errors(n);
	std::vector<std::thread> threads;
	for (int i = 0; i < connections; ++i) {
		threads.emplace_back([&, i] {
			try {
				counts[std::size_t(i)] = writers[std::size_t(i)]->WriteFlatOut(seq_base + std::int64_t(i) * 100'000'000, seconds);
			} catch (const std::exception& e) {
				errors[std::size_t(i)] = e.what();
			}
		});
	}
	for (auto& t : threads) t.join();
	std::int64_t total = 0;
	boost::json::array errs;
	for (int i = 0; i < connections; ++i) {
		total += counts[std::size_t(i)];
		if (!errors[std::size_t(i)].empty()) errs.push_back(boost::json::string(errors[std::size_t(i)]));
	}
	boost::json::object out{{"mode", "commits"}, {"connections", connections}, {"seconds", seconds},
	                        {"commits", total}, {"commits_per_s", double(total) / seconds}, {"errors", errs}};
	std::cout << boost::json::serialize(out) << std::endl;
	return errs.empty() ? 0 : 2;
}

}  // namespace loadgen
