// The only place where C++ exceptions meet PostgreSQL's longjmp-based errors.
//
// Every extern "C" callback is a two-line shim: `RunGuarded("name", Body_Cpp, args...)`. A C++ exception never
// crosses into PostgreSQL: it is caught here, its message is copied into a plain buffer inside the catch, and
// ereport(ERROR) is raised only after the catch block has ended and the exception object is gone. The bodies
// themselves keep only plain data on the stack, so an ereport from inside them unwinds no destructors.
#pragma once

#include "pg.hpp"

extern "C" {
#include "miscadmin.h"
}

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

// A PostgreSQL ERROR that CallCatchingError caught, copied out of the error state.
struct CaughtError {
	int sqlerrcode;
	char message[256];
};

// Calls fn(arg), a plain function with no C++ objects on its stack, and returns true when it returns. When it
// raises an ERROR, returns false with the error in *caught: the caller's memory context is restored and the
// error state flushed, so decoding goes on as if fn had not been called. For expressions that may fail on the
// data they meet (a row filter dividing by zero), where re-raising would fail the same change on every retry.
//
// Nothing is rolled back, so fn must be something that holds no resources when it fails: evaluating a
// built-in expression, or building one. Interrupts (query cancel, terminate: class 57) are re-raised: they must
// still stop the walsender or the SQL call.
inline bool CallCatchingError(void (*fn)(void *), void *arg, CaughtError *caught)
{
	MemoryContext caller = CurrentMemoryContext;
	// errfinish zeroes the interrupt holdoff counts before it jumps; the caller's must hold again afterwards, or
	// its RESUME_INTERRUPTS would wrap them around and leave the backend deaf to cancel and terminate.
	uint32 holdoff = InterruptHoldoffCount;
	uint32 cancel_holdoff = QueryCancelHoldoffCount;
	volatile bool ok = true;
	PG_TRY();
	{
		fn(arg);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(caller);
		InterruptHoldoffCount = holdoff;
		QueryCancelHoldoffCount = cancel_holdoff;
		ErrorData *edata = CopyErrorData();
		if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) == ERRCODE_OPERATOR_INTERVENTION) {
			FreeErrorData(edata);
			PG_RE_THROW();
		}
		FlushErrorState();
		caught->sqlerrcode = edata->sqlerrcode;
		strlcpy(caught->message, edata->message ? edata->message : "unknown error", sizeof caught->message);
		FreeErrorData(edata);
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

} // namespace walcast
