// The only place where C++ exceptions meet PostgreSQL's longjmp-based errors.
//
// Every extern "C" callback is a two-line shim: `RunGuarded("name", Body_Cpp, args...)`. A C++ exception never
// crosses into PostgreSQL: it is caught here, its message is copied into a plain buffer inside the catch, and
// ereport(ERROR) is raised only after the catch block has ended and the exception object is gone. The bodies
// themselves keep only plain data on the stack, so an ereport from inside them unwinds no destructors.
#pragma once

#include "pg.hpp"

#include <cstring>
#include <exception>

namespace walcast {

template <typename... Params, typename... Args>
inline void RunGuarded(const char *where, void (*body)(Params...), Args... args)
{
	char message[512];
	bool failed = false;
	try {
		body(args...);
	} catch (const std::exception &e) {
		strlcpy(message, e.what(), sizeof message);
		failed = true;
	} catch (...) {
		strlcpy(message, "unknown C++ exception", sizeof message);
		failed = true;
	}
	if (failed)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("walcast: %s in %s", message, where)));
}

} // namespace walcast
