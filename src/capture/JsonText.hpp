// Writing JSON text straight into a line buffer, for the recorder's writer thread: a capture
// line is appended piece by piece with no document tree in between (nlohmann's tree cost more
// than the proxy itself at full load). Reading stays with nlohmann.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace reprise::capture {

// True when `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates).
bool is_utf8(std::string_view s);

// Appends `s` as a quoted JSON string; bytes that are not UTF-8 become U+FFFD.
void append_json_string(std::string& out, std::string_view s);

// Appends an integer, signed or unsigned, in full (a uint64_t above INT64_MAX too).
template <typename Int>
void append_json_int(std::string& out, Int v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(res.ptr - buf));
}

}  // namespace reprise::capture
