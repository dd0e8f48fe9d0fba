#include "auth/base64url.hpp"

#include <array>
#include <cstdint>

namespace walcast::auth {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// 0..63 for a character of the alphabet, -1 otherwise.
constexpr std::array<std::int8_t, 256> MakeDecodeTable() {
	std::array<std::int8_t, 256> table{};
	for (auto& entry : table) entry = -1;
	for (std::size_t i = 0; i < kAlphabet.size(); ++i) table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
	return table;
}
constexpr auto kDecode = MakeDecodeTable();

}  // namespace

std::optional<std::string> Base64UrlDecode(std::string_view text) {
	// A lone character in the last group carries 6 bits, less than a byte: no encoder produces it.
	if (text.size() % 4 == 1) return std::nullopt;
	std::string out;
	out.reserve(text.size() / 4 * 3 + 2);
	std::uint32_t bits = 0;
	int bit_count = 0;
	for (char c : text) {
		const int value = kDecode[static_cast<unsigned char>(c)];
		if (value < 0) return std::nullopt;
		bits = (bits << 6) | static_cast<std::uint32_t>(value);
		bit_count += 6;
		if (bit_count >= 8) {
			bit_count -= 8;
			out.push_back(static_cast<char>((bits >> bit_count) & 0xFF));
		}
	}
	// Leftover bits (2 or 4) must be zero, or two different texts would decode to the same bytes.
	if ((bits & ((1u << bit_count) - 1)) != 0) return std::nullopt;
	return out;
}

std::string Base64UrlEncode(std::string_view bytes) {
	std::string out;
	out.reserve((bytes.size() + 2) / 3 * 4);
	std::uint32_t bits = 0;
	int bit_count = 0;
	for (char c : bytes) {
		bits = (bits << 8) | static_cast<unsigned char>(c);
		bit_count += 8;
		while (bit_count >= 6) {
			bit_count -= 6;
			out.push_back(kAlphabet[(bits >> bit_count) & 0x3F]);
		}
	}
	if (bit_count > 0) out.push_back(kAlphabet[(bits << (6 - bit_count)) & 0x3F]);
	return out;
}

}  // namespace walcast::auth
