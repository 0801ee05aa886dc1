// Percent-encoding of URL paths, queries and form bodies (RFC 3986 §2.1; '+' is a space only in
// queries and forms, application/x-www-form-urlencoded). Pure functions, no allocation beyond
// the output.
#pragma once

#include <string>
#include <string_view>

namespace reprise::http {

enum class UrlPart { path, query };  // a query (or form) reads '+' as a space

std::string url_decode(std::string_view s, UrlPart part);
// Appends `value` with everything but RFC 3986's unreserved characters percent-encoded; in a
// query (or form) a space is written '+'.
void append_url_encoded(std::string& out, std::string_view value, UrlPart part);

}  // namespace reprise::http
