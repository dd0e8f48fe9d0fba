// Holding one change's object to max-change-bytes while it is written.
//
// A row change can be far larger than any object should be (a 300 MB text, a REPLICA IDENTITY FULL update
// that carries a row twice, a 180 MB text of control bytes that escapes to six times its size), and
// PostgreSQL's buffers end at 1 GB: appending past that raises an ERROR, and an ERROR in a change callback
// repeats on every retry. So every piece that can be large is measured before it is written - from its stored
// size, a worst-case bound or an exact count, never by building it first - and a change that cannot fit is
// written in its small 413 form instead (decoder.cpp). Since every object stays within max-change-bytes
// (at most 256 MB) plus one small piece, the buffer never comes near 1 GB.
#pragma once

#include "pg.hpp"

namespace walcast {

struct ChangeBudget {
	int start;    // where the object's first byte is in the output buffer
	size_t limit; // max-change-bytes: the largest object written whole, in bytes as written

	// The one judgement of "does it fit": whether the object, grown by `more` bytes from where it stands now,
	// stays within the limit. Writers call it with the exact size of what they are about to append, or with a
	// lower bound to give up early, or with 0 to check what is already written. The object as sent (converted
	// to UTF-8 over the replication protocol) is held to the same limit once more by EndObject (encoding.hpp).
	bool Fits(const StringInfoData *out, size_t more) const
	{
		return static_cast<size_t>(out->len - start) + more <= limit;
	}
};

} // namespace walcast
