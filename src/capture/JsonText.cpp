#include "capture/JsonText.hpp"

#include <array>
#include <cstdint>
#include <cstring>

namespace reprise::capture {
namespace {

// The recorder's writer spends much of its time in the two loops below. is_utf8 passes ASCII
// eight bytes at a time: a word none of whose bytes has its high bit set.
constexpr uint64_t kHighs = 0x8080808080808080ull;

uint64_t word_at(std::string_view s, size_t i) {
  uint64_t w;
  std::memcpy(&w, s.data() + i, sizeof w);
  return w;
}

// What append_json_string does with a byte: 0 copies it, 1 writes it as an escape, 2 checks it
// starts a UTF-8 sequence.
constexpr auto kByteKinds = [] {
  std::array<uint8_t, 256> kinds{};
  for (int c = 0; c < 0x20; ++c) kinds[static_cast<size_t>(c)] = 1;
  kinds['"'] = kinds['\\'] = 1;
  for (int c = 0x80; c < 0x100; ++c) kinds[static_cast<size_t>(c)] = 2;
  return kinds;
}();

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

}  // namespace

bool is_utf8(std::string_view s) {
  size_t i = 0;
  while (i + 8 <= s.size() && (word_at(s, i) & kHighs) == 0) i += 8;  // ASCII
  while (i < s.size()) {
    size_t n = utf8_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + s.size() + 2);
  out.push_back('"');
  size_t plain = 0;  // start of the run of bytes copied as they are
  auto flush = [&](size_t i) { out.append(s.data() + plain, i - plain); };
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    const uint8_t kind = kByteKinds[c];
    if (kind == 0) {
      ++i;
      continue;
    }
    if (kind == 2) {
      size_t n = utf8_length(s, i);
      if (n > 0) {
        i += n;
        continue;
      }
      flush(i);
      out.append("\\ufffd");
      plain = ++i;
      continue;
    }
    flush(i);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        out.append("\\u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
    plain = ++i;
  }
  flush(s.size());
  out.push_back('"');
}

}  // namespace reprise::capture
