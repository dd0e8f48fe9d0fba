#include "pure/json_escape.hpp"

namespace walcast::json {

std::string Quoted(std::string_view s)
{
	std::string out;
	StringSink sink{out};
	AppendQuoted(sink, s.data(), s.size());
	return out;
}

} // namespace walcast::json
