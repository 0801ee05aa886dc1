// Writing JSON text straight into a line buffer, for the recorder's writer thread: a capture
// line is appended piece by piece with no document tree in between (nlohmann's tree cost more
// than the proxy itself at full load). Reading stays with nlohmann.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace reprise::capture {

// True when `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates).
bool is_utf8(std::string_view s);

// Appends `s` as a quoted JSON string; bytes that are not UTF-8 become U+FFFD.
void append_json_string(std::string& out, std::string_view s);

void append_json_int(std::string& out, int64_t v);

}  // namespace reprise::capture
