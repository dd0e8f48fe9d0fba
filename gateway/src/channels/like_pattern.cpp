#include "channels/like_pattern.hpp"

#include <array>

namespace walcast::channels {

// How it works (bit-parallel NFA simulation, the Shift-And idea extended with repeatable elements):
// the pattern becomes a list of byte-level elements, and the set of elements the text so far can have
// reached is kept as bits, all advanced at once per text byte with a few word operations. Unlike the
// greedy "remember the last %" loop this replaced, there is nothing to go back to, so no input makes
// it revisit text: a 50 KB text against a pattern of many %s costs the same as against a plain one.
//
// UTF-8: `_` is one character, i.e. one byte that is not a continuation byte (10xxxxxx) followed by
// any number of continuation bytes. `%` may stop in the middle of a character, but then nothing after
// it can match there (no element of a valid UTF-8 pattern starts with a continuation byte), so for
// valid UTF-8 (all JSON text is) the result is the same as matching character by character.

namespace {

enum class Kind : std::uint8_t {
	Literal,   // exactly this byte (folded for ILIKE)
	CharLead,  // the first byte of one character: anything but a continuation byte
	CharTail,  // the rest of that character: any number of continuation bytes
	AnyRun,    // %: any number of bytes
};

struct Element {
	Kind kind;
	unsigned char byte = 0;
};

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

unsigned char Fold(unsigned char c, bool case_insensitive) {
	return case_insensitive && c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c - 'A' + 'a') : c;
}

bool Repeats(Kind kind) { return kind == Kind::CharTail || kind == Kind::AnyRun; }

bool Accepts(const Element& e, unsigned char c, bool case_insensitive) {
	switch (e.kind) {
		case Kind::Literal: return Fold(c, case_insensitive) == e.byte;
		case Kind::CharLead: return !IsContinuation(c);
		case Kind::CharTail: return IsContinuation(c);
		case Kind::AnyRun: return true;
	}
	return false;
}

// The element list never has two repeatable elements in a row (runs of % collapse, and a CharTail right
// before a % is dropped because the % takes those bytes anyway). That is what lets the closure below
// ("a repeatable element may also be skipped") be a single shift instead of a loop.
std::vector<Element> Elements(std::string_view pattern, bool case_insensitive) {
	std::vector<Element> out;
	for (std::size_t i = 0; i < pattern.size(); ++i) {
		char c = pattern[i];
		if (c == '%' || c == '*') {
			if (!out.empty() && out.back().kind == Kind::CharTail) out.pop_back();
			if (out.empty() || out.back().kind != Kind::AnyRun) out.push_back({Kind::AnyRun});
		} else if (c == '_') {
			out.push_back({Kind::CharLead});
			out.push_back({Kind::CharTail});
		} else {
			if (c == '\\' && i + 1 < pattern.size()) c = pattern[++i];
			out.push_back({Kind::Literal, Fold(static_cast<unsigned char>(c), case_insensitive)});
		}
	}
	return out;
}

void SetBit(std::vector<std::uint64_t>& bits, std::size_t at, std::size_t index) {
	bits[at + index / 64] |= std::uint64_t{1} << (index % 64);
}

}  // namespace

LikePattern::LikePattern(std::string_view pattern, bool case_insensitive) {
	auto elements = Elements(pattern, case_insensitive);
	final_state_ = elements.size();
	words_ = final_state_ / 64 + 1;  // states 0..final_state_
	repeats_.assign(words_, 0);
	start_.assign(words_, 0);
	done_.assign(words_, 0);
	for (std::size_t j = 0; j < elements.size(); ++j)
		if (Repeats(elements[j].kind)) SetBit(repeats_, 0, j);
	SetBit(start_, 0, 0);
	if (Repeats(elements.empty() ? Kind::Literal : elements[0].kind)) SetBit(start_, 0, 1);
	if (!elements.empty() && elements.back().kind == Kind::AnyRun) SetBit(done_, 0, final_state_ - 1);

	// Bytes that no literal names (after folding) differ only in being continuation bytes or not, so
	// at most 256 classes, and usually a handful: the per-class rows are what keeps memory small.
	std::array<bool, 256> named{};
	for (auto& e : elements)
		if (e.kind == Kind::Literal) named[e.byte] = true;
	std::array<int, 258> class_of_key;
	class_of_key.fill(-1);
	int classes = 0;
	for (int b = 0; b < 256; ++b) {
		auto byte = static_cast<unsigned char>(b);
		unsigned char folded = Fold(byte, case_insensitive);
		std::size_t key = named[folded] ? folded : (IsContinuation(byte) ? 256 : 257);
		if (class_of_key[key] < 0) {
			class_of_key[key] = classes++;
			std::size_t row = accepts_.size();
			accepts_.resize(row + words_, 0);
			for (std::size_t j = 0; j < elements.size(); ++j)
				if (Accepts(elements[j], byte, case_insensitive)) SetBit(accepts_, row, j);
		}
		byte_class_[b] = static_cast<std::uint8_t>(class_of_key[key]);
	}
}

LikePattern::LikePattern() : LikePattern(std::string_view(), false) {}

bool LikePattern::Matches(std::string_view text) const {
	return words_ == 1 ? MatchesOneWord(text) : MatchesManyWords(text);
}

// Per byte: keep the elements that accept it; a repeatable one stays where it is, any other moves to the
// next state; then each repeatable state also stands for the state after it (it may consume nothing).
bool LikePattern::MatchesOneWord(std::string_view text) const {
	const std::uint64_t repeats = repeats_[0], done = done_[0];
	std::uint64_t state = start_[0];
	if (state & done) return true;
	for (unsigned char c : text) {
		std::uint64_t live = state & accepts_[byte_class_[c]];
		state = (live & repeats) | ((live & ~repeats) << 1);
		state |= (state & repeats) << 1;
		if (state & done) return true;  // a trailing % takes the rest of the text
		if (!state) return false;
	}
	return (state >> final_state_) & 1;
}

// The same steps on several words; bits shifted out of one word carry into the next.
bool LikePattern::MatchesManyWords(std::string_view text) const {
	std::array<std::uint64_t, 16> local;
	std::vector<std::uint64_t> heap;
	std::uint64_t* state = local.data();
	if (words_ > local.size()) {
		heap.resize(words_);
		state = heap.data();
	}
	std::uint64_t finished = 0;
	for (std::size_t w = 0; w < words_; ++w) {
		state[w] = start_[w];
		finished |= state[w] & done_[w];
	}
	if (finished) return true;
	for (unsigned char c : text) {
		const std::uint64_t* accepts = &accepts_[byte_class_[c] * words_];
		std::uint64_t move_carry = 0, skip_carry = 0, alive = 0;
		for (std::size_t w = 0; w < words_; ++w) {
			std::uint64_t live = state[w] & accepts[w];
			std::uint64_t moving = live & ~repeats_[w];
			std::uint64_t next = (live & repeats_[w]) | (moving << 1) | move_carry;
			move_carry = moving >> 63;
			std::uint64_t skipping = next & repeats_[w];
			next |= (skipping << 1) | skip_carry;
			skip_carry = skipping >> 63;
			state[w] = next;
			alive |= next;
			finished |= next & done_[w];
		}
		if (finished) return true;
		if (!alive) return false;
	}
	return (state[final_state_ / 64] >> (final_state_ % 64)) & 1;
}

bool LikeMatch(std::string_view text, std::string_view pattern, bool case_insensitive) {
	return LikePattern(pattern, case_insensitive).Matches(text);
}

}  // namespace walcast::channels
