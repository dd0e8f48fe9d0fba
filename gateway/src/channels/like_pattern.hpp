#pragma once
// LIKE / ILIKE patterns for postgres_changes filters: compiled once when a filter is parsed (at join),
// then matched against a column of every change the binding sees, on the network thread.
//
// Syntax: % any run of characters (PostgREST also lets * stand for it), _ exactly one character (UTF-8
// aware), \ makes the next byte literal (a trailing \ is itself literal). ILIKE folds ASCII letters only,
// as PostgreSQL's byte-wise folding did in the C locale the gateway runs in.
//
// Cost: matching reads each byte of the text once and does a fixed number of word operations per
// 64 pattern elements for it, so it takes O(text bytes x ceil((2 x pattern bytes + 1) / 64)) whatever
// the pattern and the text are: no backtracking. Memory is at most 256 bytes plus
// min(256, pattern bytes + 2) x that many 8-byte words.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace walcast::channels {

class LikePattern {
public:
	LikePattern();  // the empty pattern: matches only the empty text
	LikePattern(std::string_view pattern, bool case_insensitive);

	bool Matches(std::string_view text) const;

	// 64-bit words of state updated per text byte (the factor in the cost above).
	std::size_t WordsPerByte() const { return words_; }

private:
	bool MatchesOneWord(std::string_view text) const;
	bool MatchesManyWords(std::string_view text) const;

	// Bit j of the state = "the text so far can be matched by the first j pattern elements".
	std::size_t words_ = 1;
	std::size_t final_state_ = 0;          // the state reached when the whole pattern is matched
	std::array<std::uint8_t, 256> byte_class_{};  // bytes the pattern cannot tell apart share a class
	std::vector<std::uint64_t> accepts_;   // per class, `words_` words: elements that consume such a byte
	std::vector<std::uint64_t> repeats_;   // elements that may consume any number of bytes (% and a tail)
	std::vector<std::uint64_t> start_;     // the state before any text
	std::vector<std::uint64_t> done_;      // states from which every continuation matches (a trailing %)
};

// Compiles and matches in one go: for tests and one-off uses; filters keep their compiled pattern.
bool LikeMatch(std::string_view text, std::string_view pattern, bool case_insensitive);

}  // namespace walcast::channels
