#pragma once
// Tokens that verified, by their exact text, so a client that joins 100 channels with one access_token (or
// rejoins after every reconnect) costs one signature check, not 100: an RS256 check is tens of microseconds.
// An entry answers only for times in [verified at, exp + leeway): a token's claims bound its validity from
// below (nbf, iat) and from above (exp) only, so it holds for every instant between two it held at. Bounded
// by entry count and by token size; the oldest entry goes first. Thread-safe.

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/identity.hpp"

namespace walcast::auth {

class VerifiedTokens {
public:
	using TimePoint = std::chrono::system_clock::time_point;
	// Longer tokens are not kept: with the entry bound this caps the memory at max_entries * 4 KiB.
	static constexpr std::size_t kMaxCachedTokenBytes = 4096;

	explicit VerifiedTokens(std::size_t max_entries) : max_entries_(max_entries) {}

	// The identity `token` verified to, if that answer holds at `now`.
	IdentityPtr Find(std::string_view token, TimePoint now) const;
	void Add(std::string_view token, IdentityPtr identity, TimePoint verified_at);
	std::size_t size() const;

private:
	struct Entry {
		IdentityPtr identity;
		TimePoint verified_at;
	};
	const std::size_t max_entries_;
	mutable std::mutex mutex_;
	std::unordered_map<std::string, Entry> entries_;
	std::deque<std::string> order_;  // insertion order, for eviction
};

}  // namespace walcast::auth
