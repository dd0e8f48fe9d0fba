// walcast-loadgen: the load generator of walcast's end-to-end and capacity benchmarks (tests/bench).
//   walcast-loadgen e2e     --url ws://... --protocol phoenix|lds|raw --clients N --rate R --seconds S --conninfo ...
//   walcast-loadgen idle    --url ws://... --clients N --sources 127.0.0.2,127.0.0.3 ...
//   walcast-loadgen commits --conninfo ... --connections K --seconds S
//   walcast-loadgen joins   --url ws://... --clients N --channels C --rounds R --joins-file PATH
//   walcast-loadgen broadcast --url ws://... --clients M --messages K --topic T [--tokens-file PATH]
// Results are one JSON object on stdout (idle: READY/RESULT/DONE lines); errors go to stderr.
#include <csignal>
#include <iostream>

#include "modes.hpp"

int main(int argc, char** argv) {
	std::signal(SIGPIPE, SIG_IGN);
	try {
		const loadgen::Options options(argc, argv);
		if (options.mode() == "e2e") return loadgen::RunE2e(options);
		if (options.mode() == "idle") return loadgen::RunIdle(options);
		if (options.mode() == "commits") return loadgen::RunCommits(options);
		if (options.mode() == "joins") return loadgen::RunJoins(options);
		if (options.mode() == "broadcast") return loadgen::RunBroadcast(options);
		std::cerr << "walcast-loadgen: unknown mode '" << options.mode() << "' (e2e, idle, commits, joins or broadcast)\n";
		return 64;
	} catch (const std::invalid_argument& e) {
		std::cerr << "walcast-loadgen: " << e.what() << "\n";
		return 64;
	} catch (const std::exception& e) {
		std::cerr << "walcast-loadgen: " << e.what() << "\n";
		return 1;
	}
}
