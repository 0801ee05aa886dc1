#include "http/MessageHead.hpp"

#include <algorithm>
#include <array>

namespace reprise::http {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

// RFC 9110 section 5.6.2: tchar is a letter, a digit or one of "!#$%&'*+-.^_`|~". A table, not
// isalnum and a search per character: every header name of every message is checked.
bool is_token(std::string_view s) {
  static constexpr auto kTchar = [] {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c) t[static_cast<size_t>(c)] = true;
    for (int c = 'a'; c <= 'z'; ++c) t[static_cast<size_t>(c)] = t[static_cast<size_t>(c - 32)] = true;
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
    return t;
  }();
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return kTchar[static_cast<unsigned char>(c)]; });
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool iequals_same_size(const char* a, const char* b, size_t n) {
  return std::equal(a, a + n, b, [](char x, char y) { return lower(x) == lower(y); });
}

bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    if (iequals(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

std::string_view MessageHead::header(std::string_view name) const {
  for (const auto& h : headers)
    if (iequals(h.name, name)) return h.value;
  return {};
}

void MessageHead::clear() {
  method = target = reason = {};
  status = 0;
  version_major = version_minor = 1;
  headers.clear();
  body = BodyKind::none;
  content_length = 0;
  keep_alive = true;
  upgrade = false;
}

}  // namespace reprise::http
