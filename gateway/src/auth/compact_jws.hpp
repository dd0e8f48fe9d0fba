#pragma once
// A JWS in compact serialization (header.payload.signature, RFC 7515 section 7.1), split and decoded, before
// any signature check: the header's alg and kid choose the key.

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace walcast::auth {

struct CompactJws {
	boost::json::object header;
	std::string alg;            // the header's "alg" (a string, possibly "none")
	std::string kid;            // the header's "kid", if has_kid
	bool has_kid = false;
	std::string payload_json;   // the payload exactly as decoded
	boost::json::object payload;
	std::string_view signing_input;  // header.payload as in the token: what the signature covers
	std::string signature;      // decoded
};

// Empty `error` and `out` filled, or a client-facing reason. The header is decoded first, so a token whose
// alg is "none" gets that reason whether or not it has a third part.
std::string ParseCompactJws(std::string_view token, CompactJws& out);

// `text` cut to a short, printable form for an error message (kid and alg come from the client).
std::string Printable(std::string_view text);

}  // namespace walcast::auth
