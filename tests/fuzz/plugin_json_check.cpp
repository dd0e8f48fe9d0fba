// plugin/pure/json_check (the non-recursive MESSAGE content checker) against Boost.JSON as the reference parser,
// and plugin/pure/message_content: the exact size Length() promises is what AppendContent writes.
//
// Input: byte 0 picks the limits (low 6 bits: max_depth 0..63; bit 6: allow_non_ascii_escapes), the rest is the
// candidate JSON text.
#include "pure/json_check.hpp"
#include "pure/message_content.hpp"

#include "fuzz_check.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace {

namespace bj = boost::json;
using walcast::json::Verdict;

// Every double in `v` is finite (no Infinity, which Boost.JSON would write as an invalid token). Iterative:
// the value may be nested up to the fuzzed depth.
bool AllNumbersFinite(const bj::value &root)
{
	std::vector<const bj::value *> todo{&root};
	while (!todo.empty()) {
		const bj::value *v = todo.back();
		todo.pop_back();
		if (v->is_double() && !std::isfinite(v->get_double()))
			return false;
		if (v->is_array())
			for (const auto &e : v->get_array())
				todo.push_back(&e);
		if (v->is_object())
			for (const auto &m : v->get_object())
				todo.push_back(&m.value());
	}
	return true;
}

// True when the parsed value contains a string with a NUL character (the checker refuses \u0000).
bool HasNul(const bj::value &root)
{
	std::vector<const bj::value *> todo{&root};
	while (!todo.empty()) {
		const bj::value *v = todo.back();
		todo.pop_back();
		if (v->is_string() && std::string_view(v->get_string()).find('\0') != std::string_view::npos)
			return true;
		if (v->is_array())
			for (const auto &e : v->get_array())
				todo.push_back(&e);
		if (v->is_object())
			for (const auto &m : v->get_object()) {
				if (std::string_view(m.key()).find('\0') != std::string_view::npos)
					return true;
				todo.push_back(&m.value());
			}
	}
	return false;
}

template <walcast::message::Form form>
void CheckExactSize(const char *s, size_t len)
{
	std::string out = "prefix";
	walcast::json::StringSink sink{out};
	walcast::message::AppendContent(sink, form, s, len);
	FUZZ_CHECK(out.size() - 6 == walcast::message::Length(form, s, len));
	FUZZ_CHECK(out.compare(0, 6, "prefix") == 0);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const walcast::json::CheckLimits limits{static_cast<size_t>(data[0] & 0x3f), (data[0] & 0x40) != 0};
	const char *s = reinterpret_cast<const char *>(data + 1);
	const size_t len = size - 1;
	const std::string_view text(s, len);

	const Verdict verdict = walcast::json::CheckJson(s, len, limits);
	// Deterministic: the same text and limits give the same verdict.
	FUZZ_CHECK(walcast::json::CheckJson(s, len, limits) == verdict);
	FUZZ_CHECK(walcast::json::VerdictText(verdict)[0] != '?');

	// Boost.JSON with the same depth (it counts open containers as the checker does). Bytes >= 0x80 are not the
	// checker's business (the caller validated the encoding), so Boost is told to let them through too.
	bj::parse_options opts;
	opts.max_depth = limits.max_depth;
	opts.allow_invalid_utf8 = true;
	boost::system::error_code ec;
	bj::value parsed = bj::parse(text, ec, {}, opts);

	if (verdict == Verdict::Accepted) {
		// What the checker embeds as JSON, every consumer must parse, finite and without NUL characters.
		FUZZ_CHECK(!ec);
		FUZZ_CHECK(AllNumbersFinite(parsed));
		FUZZ_CHECK(!HasNul(parsed));
	}
	if (!ec) {
		// Valid JSON within the depth is never called "not JSON", too deep, or an unpaired surrogate (Boost
		// refuses those). The remaining refusals are the documented stricter rules.
		FUZZ_CHECK(verdict != Verdict::NotJson);
		FUZZ_CHECK(verdict != Verdict::TooDeep);
		FUZZ_CHECK(verdict != Verdict::LoneSurrogate);
		if (verdict == Verdict::NulEscape)
			FUZZ_CHECK(HasNul(parsed));
		if (verdict == Verdict::NonAsciiEscape)
			FUZZ_CHECK(!limits.allow_non_ascii_escapes);
	} else if (ec == bj::error::too_deep) {
		// Boost stopped at the depth bound; the checker stops there too, or earlier on one of its own rules.
		FUZZ_CHECK(verdict != Verdict::Accepted && verdict != Verdict::NotJson);
	}
	if (verdict == Verdict::TooDeep) {
		// Only when the text really nests deeper: Boost with a bigger bound gets past that point.
		FUZZ_CHECK(ec == bj::error::too_deep);
	}

	// The three written forms: exact sizes, and each one is JSON of the right value.
	CheckExactSize<walcast::message::Form::Json>(s, len);
	CheckExactSize<walcast::message::Form::Text>(s, len);
	CheckExactSize<walcast::message::Form::Hex>(s, len);
	if (verdict == Verdict::Accepted) {
		std::string one_line;
		walcast::json::StringSink sink{one_line};
		walcast::message::AppendContent(sink, walcast::message::Form::Json, s, len);
		FUZZ_CHECK(one_line.find_first_of("\n\r\t") == std::string::npos);
		bj::parse_options deep = opts;
		deep.max_depth = 64;
		bj::value again = bj::parse(one_line, ec, {}, deep);
		FUZZ_CHECK(!ec && again == parsed);
	}
	{
		std::string hex;
		walcast::json::StringSink sink{hex};
		walcast::message::AppendContent(sink, walcast::message::Form::Hex, s, len);
		bj::value v = bj::parse(hex, ec);
		FUZZ_CHECK(!ec && v.is_string() && v.get_string().size() == 2 + 2 * len);
	}
	return 0;
}
