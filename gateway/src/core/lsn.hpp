#pragma once
// Log sequence numbers: the position of a record in the WAL, written "X/X" in hex like PostgreSQL does.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace walcast {

using Lsn = std::uint64_t;

inline constexpr Lsn kInvalidLsn = 0;

// Parses "16/B374D848". Rejects anything else (empty halves, non-hex, halves over 32 bits, trailing text).
std::optional<Lsn> ParseLsn(std::string_view text);

std::string FormatLsn(Lsn lsn);

}  // namespace walcast
