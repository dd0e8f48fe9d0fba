#pragma once
// UTF-8 validation for client-supplied strings that reach other clients inside text frames. RFC 6455 §8.1
// makes a browser fail the whole connection on a text frame that is not valid UTF-8, so one such string
// relayed by the gateway would disconnect every receiver.

#include <string_view>

namespace walcast {

// True when `text` is well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(std::string_view text);

}  // namespace walcast
