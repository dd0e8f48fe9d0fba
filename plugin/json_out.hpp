// JSON writing into a PostgreSQL StringInfo: the backend-side adapter for the pure escaper.
#pragma once

#include "pg.hpp"
#include "pure/json_escape.hpp"

namespace walcast {

// The escaper writes straight into the buffer: one enlargeStringInfo per chunk instead of one append call per
// escape. Nothing here has a destructor, so an out-of-memory ERROR from enlargeStringInfo unwinds nothing.
struct StringInfoSink {
	StringInfo buf;
	char *Reserve(size_t n)
	{
		enlargeStringInfo(buf, static_cast<int>(n)); // also keeps room for the NUL that Commit writes
		return buf->data + buf->len;
	}
	void Commit(size_t n)
	{
		buf->len += static_cast<int>(n);
		buf->data[buf->len] = '\0';
	}
};

inline void AppendJsonString(StringInfo out, const char *s, size_t len)
{
	StringInfoSink sink{out};
	json::AppendQuoted(sink, s, len);
}

inline void AppendJsonString(StringInfo out, const char *s)
{
	AppendJsonString(out, s, strlen(s));
}

// For string literals: inlined, the strlen of a literal is folded at compile time, where appendStringInfoString
// would call strlen on every object.
inline void AppendLiteral(StringInfo out, const char *s)
{
	appendBinaryStringInfo(out, s, static_cast<int>(strlen(s)));
}

// A palloc'd copy of `s` as a quoted JSON string, for metadata rendered once and cached; its length goes to
// *len so the copy is appended per object without strlen.
inline char *QuotedCopy(const char *s, int *len)
{
	StringInfoData tmp;
	initStringInfo(&tmp);
	AppendJsonString(&tmp, s);
	*len = tmp.len;
	return tmp.data;
}

} // namespace walcast
