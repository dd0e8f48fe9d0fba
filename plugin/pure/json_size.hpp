// Sizes of JSON text before it is written, so a writer can tell whether a value fits its budget without first
// building a copy of it (see plugin/change_size.hpp). Postgres-free: unit-tested against the escaper itself.
#pragma once

#include <cstddef>

namespace walcast::json {

// The exact number of bytes json::AppendQuoted writes for these `len` bytes: two quotes plus each byte's
// escaped length (1, 2 for \" \\ \b \f \n \r \t, 6 for \u00XX).
size_t QuotedLength(const char *s, size_t len);

} // namespace walcast::json
