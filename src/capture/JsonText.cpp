#include "capture/JsonText.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

namespace reprise::capture {
namespace {

// The recorder's writer spends much of its time in the loops below: both pass plain text eight
// bytes at a time.
constexpr uint64_t kHighs = 0x8080808080808080ull;

uint64_t word_at(std::string_view s, size_t i) {
  uint64_t w;
  std::memcpy(&w, s.data() + i, sizeof w);
  return w;
}

// Length of the UTF-8 sequence starting at s[i], or 0 when it is malformed.
size_t utf8_length(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (n == 0 || c > 0xF4 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  unsigned char d = b(i + 1);
  if ((c == 0xE0 && d < 0xA0) || (c == 0xED && d > 0x9F) || (c == 0xF0 && d < 0x90) ||
      (c == 0xF4 && d > 0x8F))
    return 0;  // overlong forms, surrogates, beyond U+10FFFF
  return n;
}

constexpr char kHex[] = "0123456789abcdef";
constexpr std::string_view kReplacement = "\\ufffd";  // for a byte that is not UTF-8

// The bytes a JSON string takes as they are: printable ASCII but the quote and the backslash.
constexpr auto kPlain = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x80; ++c) plain[static_cast<size_t>(c)] = c != '"' && c != '\\';
  return plain;
}();

// A mark (0x80) in each byte of `w` that a JSON string cannot take as it is: below 0x20, a quote,
// a backslash, or above 0x7F (checked as UTF-8). Exact per byte: no carry crosses a byte. The
// first mark is the first such byte in memory on a little-endian machine.
static_assert(std::endian::native == std::endian::little);
uint64_t specials(uint64_t w) {
  constexpr uint64_t kLows = 0x7F7F7F7F7F7F7F7Full;
  auto zero = [](uint64_t x) { return ~(((x & kLows) + kLows) | x | kLows); };
  const uint64_t control = ~(((w & kLows) + 0x6060606060606060ull) | w) & kHighs;
  return control | zero(w ^ 0x2222222222222222ull) | zero(w ^ 0x5C5C5C5C5C5C5C5Cull) | (w & kHighs);
}

}  // namespace

bool is_utf8(std::string_view s) {
  for (size_t i = 0;;) {
    while (i + 8 <= s.size() && (word_at(s, i) & kHighs) == 0) i += 8;  // ASCII
    while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;
    if (i == s.size()) return true;
    const size_t n = utf8_length(s, i);
    if (n == 0) return false;
    i += n;
  }
}

namespace {

// A byte below 0x80 that a JSON string cannot take as it is, escaped.
char* escape(char* p, unsigned char c) {
  *p++ = '\\';
  switch (c) {
    case '"':
    case '\\':
      *p++ = static_cast<char>(c);
      break;
    case '\n':
      *p++ = 'n';
      break;
    case '\r':
      *p++ = 'r';
      break;
    case '\t':
      *p++ = 't';
      break;
    default:
      p = std::copy_n("u00", 3, p);
      *p++ = kHex[c >> 4];
      *p++ = kHex[c & 0xF];
  }
  return p;
}

}  // namespace

// Written into room for the worst case (every byte a six-character escape) and eight bytes of
// slack, eight bytes at a time: a word's plain bytes are stored whole, then each marked byte of
// it escaped in turn (bodies are JSON: a quote every few bytes). A byte above 0x7F is taken
// byte by byte, as its UTF-8 sequence may go on past the word.
void append_json_string(std::string& out, std::string_view s) {
  // Most strings (names, header values, ids) need no escape at all: appended as they are.
  size_t i = 0;
  while (i + 8 <= s.size() && specials(word_at(s, i)) == 0) i += 8;
  while (i < s.size() && kPlain[static_cast<unsigned char>(s[i])]) ++i;
  if (i == s.size()) {
    out.reserve(out.size() + s.size() + 2);
    out.push_back('"');
    out.append(s);
    out.push_back('"');
    return;
  }
  const size_t at = out.size();
  out.resize(at + 6 * s.size() + 2 + 8);
  char* p = out.data() + at;
  *p++ = '"';
  p = std::copy_n(s.data(), i, p);  // the plain bytes before the first escape
  while (i < s.size()) {
    if (i + 8 <= s.size()) {
      const uint64_t w = word_at(s, i);
      uint64_t marks = specials(w);
      size_t done = 0;  // bytes of the word written
      while (marks != 0) {
        const size_t k = static_cast<size_t>(std::countr_zero(marks)) / 8;
        const uint64_t rest = w >> (8 * done);
        std::memcpy(p, &rest, sizeof rest);  // the plain bytes before byte k (and some slack)
        p += k - done;
        done = k;
        const auto c = static_cast<unsigned char>(s[i + k]);
        if (c >= 0x80) break;
        p = escape(p, c);
        done = k + 1;
        marks &= marks - 1;
      }
      if (marks == 0) {  // the word is done: its plain tail
        if (done < 8) {
          const uint64_t rest = w >> (8 * done);
          std::memcpy(p, &rest, sizeof rest);
          p += 8 - done;
        }
        i += 8;
        continue;
      }
      i += done;  // at a byte above 0x7F
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (kPlain[c]) {
      *p++ = static_cast<char>(c);
      ++i;
    } else if (c < 0x80) {
      p = escape(p, c);
      ++i;
    } else if (size_t n = utf8_length(s, i); n == 0) {
      p = std::copy(kReplacement.begin(), kReplacement.end(), p);
      ++i;
    } else {
      p = std::copy_n(s.data() + i, n, p);
      i += n;
    }
  }
  *p++ = '"';
  out.resize(static_cast<size_t>(p - out.data()));
}

}  // namespace reprise::capture
