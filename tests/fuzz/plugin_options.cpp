// plugin/pure/options: ApplyOption over arbitrary name/value pairs and the NextName identifier-list tokenizer.
//
// Input: name, then optionally a NUL byte and the value (no NUL: the option is given without a value). The value
// is also run through NextName on its own.
#include "pure/options.hpp"

#include "fuzz_check.hpp"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {

using walcast::DecodingOptions;
using walcast::NameListCursor;
using walcast::NameToken;

// Tokenizes `list` completely; false on a tokenizer error. Checks each name's invariants on the way.
bool Tokenize(std::string_view list, std::vector<std::string> &names, bool *seen_any)
{
	NameListCursor cursor{list};
	char name[walcast::kMaxNameLen + 1];
	for (;;) {
		const char *error = nullptr;
		const size_t before = cursor.rest.size();
		std::memset(name, 'X', sizeof name);
		const NameToken tok = walcast::NextName(cursor, name, &error);
		FUZZ_CHECK(cursor.rest.size() <= before);
		// The rest is always a suffix of the list.
		FUZZ_CHECK(cursor.rest.data() + cursor.rest.size() == list.data() + list.size());
		if (tok == NameToken::Error) {
			FUZZ_CHECK(error != nullptr && *error != '\0');
			return false;
		}
		if (tok == NameToken::End) {
			FUZZ_CHECK(cursor.rest.empty());
			*seen_any = cursor.seen_any;
			return true;
		}
		FUZZ_CHECK(cursor.rest.size() < before); // progress
		FUZZ_CHECK(cursor.seen_any);
		const size_t n = strnlen(name, sizeof name);
		FUZZ_CHECK(n < sizeof name); // NUL-terminated within the buffer
		names.emplace_back(name, n);
	}
}

// The list that writes `names` back, every one double-quoted.
std::string QuoteAll(const std::vector<std::string> &names)
{
	std::string out;
	for (const auto &n : names) {
		if (!out.empty())
			out += " , ";
		out += '"';
		for (char c : n) {
			out += c;
			if (c == '"')
				out += '"';
		}
		out += '"';
	}
	return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const std::string input(reinterpret_cast<const char *>(data), size);
	const size_t nul = input.find('\0');
	const std::string name = input.substr(0, nul);
	const std::string value = nul == std::string::npos ? std::string() : input.substr(nul + 1);
	const char *value_ptr = nul == std::string::npos ? nullptr : value.c_str(); // stops at a second NUL, as C does

	DecodingOptions opts;
	char error[walcast::kErrorBufSize];
	std::memset(error, 'X', sizeof error);
	const bool ok = walcast::ApplyOption(opts, name, value_ptr, error);
	const walcast::OptionSpec *spec = walcast::FindOption(name);
	if (!ok) {
		FUZZ_CHECK(strnlen(error, sizeof error) < sizeof error); // a complete, terminated sentence
		FUZZ_CHECK(error[0] != '\0' && error[0] != 'X');
	} else {
		FUZZ_CHECK(spec != nullptr);
		FUZZ_CHECK(opts.max_change_bytes >= DecodingOptions::kMinMaxChangeBytes &&
				   opts.max_change_bytes <= DecodingOptions::kMaxMaxChangeBytes);
		FUZZ_CHECK(opts.max_message_depth <= DecodingOptions::kMaxMaxMessageDepth);
		if (spec->kind == walcast::OptionKind::Bool && value_ptr) {
			bool b = false;
			FUZZ_CHECK(walcast::ParseBool(value_ptr, &b) && b == opts.*(spec->flag));
		}
		if (spec->kind == walcast::OptionKind::NameList)
			FUZZ_CHECK(opts.publication == value_ptr);
	}

	// The tokenizer on the value as the plugin sees it (a C string), then on the names written back quoted: the
	// same names.
	std::vector<std::string> names;
	bool seen_any = false;
	if (Tokenize(std::string_view(value.c_str()), names, &seen_any)) {
		FUZZ_CHECK(seen_any == !names.empty());
		for (const auto &n : names) {
			FUZZ_CHECK(!n.empty() && n.size() <= walcast::kMaxNameLen);
		}
		std::vector<std::string> again;
		bool again_seen = false;
		FUZZ_CHECK(Tokenize(QuoteAll(names), again, &again_seen));
		FUZZ_CHECK(again == names);
	}
	return 0;
}
