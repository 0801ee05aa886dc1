#include "http/MessageHead.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

namespace reprise::http {
namespace {

// Eight bytes at a time: each byte 'A'..'Z' gets bit 0x20, every other byte stays as it is
// (bit 7 set: not ASCII, never a letter).
uint64_t lower_word(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101;
  const uint64_t low7 = w & (kOnes * 0x7f);
  const uint64_t from_a = low7 + kOnes * (0x80 - 'A');      // bit 7: the byte is 'A' or above
  const uint64_t past_z = low7 + kOnes * (0x80 - 'Z' - 1);  // bit 7: the byte is above 'Z'
  const uint64_t upper = (from_a ^ past_z) & ~w & (kOnes * 0x80);
  return w | (upper >> 2);
}

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
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    if (x != y && lower_word(x) != lower_word(y)) return false;
  }
  if (i == n) return true;
  uint64_t x = 0, y = 0;  // the last 1-7 bytes, the rest of the word zero in both
  std::memcpy(&x, a + i, n - i);
  std::memcpy(&y, b + i, n - i);
  return x == y || lower_word(x) == lower_word(y);
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
