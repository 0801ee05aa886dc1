// The parsed head of one HTTP/1.x message: request line or status line, the headers in order,
// and the framing llhttp worked out. Every view points into the connection's read buffer, so a
// head is valid only until that buffer is read into again: copy what must outlive it.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace reprise::http {

struct Header {
  std::string_view name;
  std::string_view value;
};

// Equal, ASCII case ignored. Inline for the length and first-letter tests, which most
// comparisons of header names fail: a call per name and rule would cost more than the tests.
// (Bytes equal but for case are equal with bit 0x20 set in both.)
bool iequals_same_size(const char* a, const char* b, size_t n);
inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         (a.empty() || ((a[0] | 0x20) == (b[0] | 0x20) && iequals_same_size(a.data(), b.data(), a.size())));
}
// `s` begins with `prefix`, ASCII case ignored ("Bearer ", "text/event-stream").
bool istarts_with(std::string_view s, std::string_view prefix);
// RFC 9110's token: one or more of ALPHA, DIGIT and !#$%&'*+-.^_`|~ (field names, methods).
bool is_token(std::string_view s);

// True when the comma-separated list `value` holds `token` (case-insensitive).
bool has_token(std::string_view value, std::string_view token);

enum class BodyKind {
  none,            // no body at all (GET without length, HEAD answer, 204, 304, 1xx)
  content_length,  // exactly `content_length` bytes
  chunked,         // Transfer-Encoding: chunked
  until_close,     // a response delimited by the upstream closing the connection
};

struct MessageHead {
  std::string_view method;  // requests
  std::string_view target;  // requests
  int status = 0;           // responses
  std::string_view reason;  // responses
  int version_major = 1;
  int version_minor = 1;
  std::vector<Header> headers;
  BodyKind body = BodyKind::none;
  uint64_t content_length = 0;
  bool keep_alive = true;  // what the sender asked for (Connection header and version)
  bool upgrade = false;    // request asks for an upgrade, or a 101 answer

  std::string_view header(std::string_view name) const;
  bool is_head_request() const { return method == "HEAD"; }
  void clear();
};

}  // namespace reprise::http
