// plugin/pure/json_escape + json_size: QuotedLength (both copies: json::QuotedLength and
// message::QuotedLength) is exactly what AppendQuoted writes, the output is one valid JSON string whose value is
// the input, and it is written the way PostgreSQL's escape_json() writes it. Inputs past kQuoteChunk (4096)
// exercise the chunked writer.
#include "pure/json_escape.hpp"
#include "pure/json_size.hpp"
#include "pure/message_content.hpp"

#include "fuzz_check.hpp"
#include "../unit/plugin/json_escape_reference.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>


extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = reinterpret_cast<const char *>(data);
	const std::string_view text(s, size);

	// Appended after existing bytes, as the plugin appends to its output buffer.
	std::string out = "[";
	walcast::json::StringSink sink{out};
	walcast::json::AppendQuoted(sink, s, size);
	const std::string quoted = out.substr(1);

	FUZZ_CHECK(out[0] == '[');
	FUZZ_CHECK(quoted.size() == walcast::json::QuotedLength(s, size));
	FUZZ_CHECK(quoted.size() == walcast::message::QuotedLength(s, size));
	FUZZ_CHECK(quoted == walcast::json::Quoted(text));
	FUZZ_CHECK(quoted == walcast::testing::ReferenceQuotedJson(text));

	// One JSON string whose value is the input byte for byte (bytes >= 0x80 pass through unvalidated).
	boost::json::parse_options opts;
	opts.allow_invalid_utf8 = true;
	boost::system::error_code ec;
	boost::json::value v = boost::json::parse(quoted, ec, {}, opts);
	FUZZ_CHECK(!ec);
	FUZZ_CHECK(v.is_string() && std::string_view(v.get_string()) == text);
	return 0;
}
