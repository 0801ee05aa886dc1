#include "capture/JsonText.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

using reprise::capture::append_json_int;
using reprise::capture::append_json_string;
using reprise::capture::is_utf8;

namespace {

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

}  // namespace

TEST_CASE("is_utf8 accepts well-formed UTF-8 and refuses what RFC 3629 forbids") {
  CHECK(is_utf8(""));
  CHECK(is_utf8("plain ascii \x7f"));
  CHECK(is_utf8(std::string("nul\0inside", 10)));
  CHECK(is_utf8("é € 😀 \xef\xbf\xbf \xf4\x8f\xbf\xbf"));  // up to U+10FFFF
  CHECK_FALSE(is_utf8("\x80"));                           // a lone continuation byte
  CHECK_FALSE(is_utf8("\xc0\xaf"));                       // overlong '/'
  CHECK_FALSE(is_utf8("\xe0\x80\xaf"));                   // overlong, three bytes
  CHECK_FALSE(is_utf8("\xf0\x80\x80\xaf"));               // overlong, four bytes
  CHECK_FALSE(is_utf8("\xed\xa0\x80"));                   // a surrogate, U+D800
  CHECK_FALSE(is_utf8("\xf4\x90\x80\x80"));               // past U+10FFFF
  CHECK_FALSE(is_utf8("\xf5\x80\x80\x80"));
  CHECK_FALSE(is_utf8("ab\xe2\x82"));  // cut at the end
  CHECK_FALSE(is_utf8("\xe2\x82x"));   // cut in the middle
  CHECK_FALSE(is_utf8("caf\xe9"));     // Latin-1
}

TEST_CASE("append_json_string escapes what JSON requires and nothing else") {
  CHECK(json_string("") == "\"\"");
  CHECK(json_string("a\"b\\c/d") == R"("a\"b\\c/d")");
  CHECK(json_string("\n\r\t") == R"("\n\r\t")");
  CHECK(json_string(std::string("\0\x01\x1f\x7f", 4)) == "\"\\u0000\\u0001\\u001f\x7f\"");
  CHECK(json_string("é😀") == "\"é😀\"");
  // Appends, never replaces.
  std::string out = "x:";
  append_json_string(out, "y");
  CHECK(out == "x:\"y\"");
}

TEST_CASE("append_json_string output parses back to the same string when it is UTF-8") {
  std::string all;
  for (int c = 0; c < 128; ++c) all.push_back(static_cast<char>(c));
  all += "é€😀";
  CHECK(nlohmann::json::parse(json_string(all)).get<std::string>() == all);
}

TEST_CASE("bytes that are not UTF-8 become U+FFFD, one per byte, and the rest is kept") {
  CHECK(json_string("caf\xe9!") == R"("caf\ufffd!")");
  CHECK(json_string("\xc0\xaf") == R"("\ufffd\ufffd")");
  CHECK(json_string("ok\xe2\x82") == R"("ok\ufffd\ufffd")");
  CHECK(nlohmann::json::parse(json_string("a\xff"
                                          "b"))
            .get<std::string>() ==
        "a\xef\xbf\xbd"
        "b");
}

// The fast paths take eight bytes at a time: every byte that needs escaping, and every byte that
// is not ASCII, is found wherever it falls in a word, and whatever ASCII comes before it.
TEST_CASE("escapes and UTF-8 checks hold at every position of a word") {
  const std::string specials[] = {"\"", "\\",   "\n", std::string(1, '\0'), "\x1f", "\x7f", " ",
                                  "é",  "\xe9", "😀"};
  for (size_t lead = 0; lead < 20; ++lead) {
    for (const auto& special : specials) {
      const std::string prefix(lead, 'a'), suffix(11, 'z');
      const std::string text = prefix + special + suffix;
      CAPTURE(lead, special);
      CHECK(json_string(text) ==
            "\"" + prefix + json_string(special).substr(1, json_string(special).size() - 2) + suffix + "\"");
      CHECK(is_utf8(text) == is_utf8(special));
    }
  }
  std::string ascii(64, 'x');
  CHECK(is_utf8(ascii));
  CHECK(json_string(ascii) == "\"" + ascii + "\"");
}

// Byte by byte, the plain way: what the word-at-a-time writer must write.
std::string reference_json_string(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = 1;
      while (n < 4 && i + n <= s.size() && !is_utf8(s.substr(i, n))) ++n;
      if (i + n > s.size() || !is_utf8(s.substr(i, n))) {
        out += "\\ufffd";
        ++i;
      } else {
        out += s.substr(i, n);
        i += n;
      }
      continue;
    }
    ++i;
    if (c == '"' || c == '\\')
      out += {'\\', static_cast<char>(c)};
    else if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else if (c < 0x20)
      out += "\\u00" + std::string{"0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15]};
    else
      out += static_cast<char>(c);
  }
  return out + "\"";
}

TEST_CASE("several escapes and UTF-8 sequences in one word, at random, as byte by byte") {
  const std::string pieces[] = {"a",    "b", "\"",   "\\", "\n",       "\x01",
                                "\x7f", "é", "\xe9", "😀",  "\xf0\x9f", "{\"k\":"};
  uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  for (int round = 0; round < 5000; ++round) {
    std::string text;
    const size_t n = next() % 24;
    for (size_t k = 0; k < n; ++k) text += pieces[(next() >> 8) % std::size(pieces)];
    CAPTURE(text);
    REQUIRE(json_string(text) == reference_json_string(text));
  }
}

TEST_CASE("append_json_int writes every int64 exactly") {
  std::string out;
  append_json_int(out, 0);
  out += ',';
  append_json_int(out, -42);
  out += ',';
  append_json_int(out, std::numeric_limits<int64_t>::max());
  out += ',';
  append_json_int(out, std::numeric_limits<int64_t>::min());
  CHECK(out == "0,-42,9223372036854775807,-9223372036854775808");
}
