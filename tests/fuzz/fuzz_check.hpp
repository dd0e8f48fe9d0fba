// An invariant that must hold for every input: a violation aborts, which libFuzzer reports as a crash and saves
// the input that caused it.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                      \
	do {                                                                                      \
		if (!(cond)) {                                                                        \
			std::fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, #cond); \
			std::abort();                                                                     \
		}                                                                                     \
	} while (0)
