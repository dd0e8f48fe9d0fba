// JSON writing into a PostgreSQL StringInfo: the backend-side adapter for the pure escaper.
#pragma once

#include "pg.hpp"
#include "pure/json_escape.hpp"

namespace walcast {

struct StringInfoSink {
	StringInfo buf;
	void Append(const char *s, size_t n) { appendBinaryStringInfo(buf, s, static_cast<int>(n)); }
	void Push(char c) { appendStringInfoCharMacro(buf, c); }
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
