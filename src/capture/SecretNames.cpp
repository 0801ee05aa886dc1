#include "capture/SecretNames.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace reprise::capture {
namespace {

// A name's words run together end in one of these: "api_key", "X-Api-Key" and "apiKey" all end
// in "apikey", "client_secret" in "secret", "X-Amz-Security-Token" in "token".
constexpr std::array<std::string_view, 26> kEndings = {
    "password",  "passwd",     "passphrase",    "passcode",        "secret",     "token",      "jwt",
    "apikey",    "appkey",     "authkey",       "accesskey",       "secretkey",  "privatekey", "signingkey",
    "masterkey", "accountkey", "encryptionkey", "subscriptionkey", "licensekey", "sessionkey", "sessionid",
    "sessid",    "signature",  "credential",    "credentials",     "bearer",
};

// Too short, or too common inside other words, to be trusted as an ending: a secret only as the
// whole last word ("sid" and "connect.sid", not "inside"; "authorization", not "preauthorization").
constexpr std::array<std::string_view, 8> kWords = {"pwd",  "sig",           "sid",    "csrf",
                                                    "xsrf", "authorization", "cookie", "cookies"};

// Dropped from the end before matching: "password_confirmation" and "token_hash" are secrets too.
constexpr std::array<std::string_view, 4> kQualifiers = {"confirmation", "confirm", "hash", "digest"};

// One of these is in every name the lists above make a secret (see secret_stems).
constexpr std::array<std::string_view, 15> kStems = {"pass", "pwd",  "secret",        "token",  "jwt",
                                                     "key",  "sess", "sig",           "sid",    "credential",
                                                     "csrf", "xsrf", "authorization", "cookie", "bearer"};

// The last kMax characters of a name, lower-cased, split into words: enough for any real name,
// and matching only looks at the end. Fixed buffers: no allocation per header or key.
constexpr size_t kMax = 128;

struct Words {
  std::array<char, kMax> text;  // letters and digits, lower-cased, run together
  std::array<uint8_t, kMax> starts;
  size_t size = 0, count = 0;

  std::string_view all() const { return {text.data(), size}; }
  std::string_view last() const { return all().substr(starts[count - 1]); }
  void drop_last() { size = starts[--count]; }
};

enum class Kind { other, lower, upper, digit };

Kind kind_of(char c) {
  if (c >= 'a' && c <= 'z') return Kind::lower;
  if (c >= 'A' && c <= 'Z') return Kind::upper;
  if (c >= '0' && c <= '9') return Kind::digit;
  return Kind::other;
}

// A word starts after punctuation, between letters and digits, at a hump ("apiKey"), and at the
// last capital of a capital run followed by a small letter ("APIKey" is API + Key).
Words split(std::string_view name) {
  if (name.size() > kMax) name.remove_prefix(name.size() - kMax);
  Words w;
  Kind prev = Kind::other;
  for (size_t i = 0; i < name.size(); ++i) {
    Kind k = kind_of(name[i]);
    if (k == Kind::other) {
      prev = k;
      continue;
    }
    bool next_lower = i + 1 < name.size() && kind_of(name[i + 1]) == Kind::lower;
    bool starts = prev == Kind::other || (k == Kind::digit) != (prev == Kind::digit) ||
                  (k == Kind::upper && prev == Kind::lower) ||
                  (k == Kind::upper && prev == Kind::upper && next_lower);
    if (starts) w.starts[w.count++] = static_cast<uint8_t>(w.size);
    w.text[w.size++] = k == Kind::upper ? static_cast<char>(name[i] + 32) : name[i];
    prev = k;
  }
  return w;
}

bool is_number(std::string_view word) {
  return std::all_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool listed(std::string_view word, std::span<const std::string_view> list) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

}  // namespace

std::string loose_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    Kind k = kind_of(c);
    if (k != Kind::other) out += k == Kind::upper ? static_cast<char>(c + 32) : c;
  }
  return out;
}

bool is_default_secret_name(std::string_view name) {
  Words w = split(name);
  while (w.count > 1 && (is_number(w.last()) || listed(w.last(), kQualifiers))) w.drop_last();
  if (w.count == 0) return false;
  for (auto ending : kEndings)
    if (w.all().ends_with(ending)) return true;
  return listed(w.last(), kWords);
}

std::span<const std::string_view> secret_stems() { return kStems; }

bool mentions_a_stem(std::string_view text) {
  static constexpr uint8_t kNone = 26;
  // Each byte's letter, 0-25 in either case, else kNone; and which second letters follow each
  // first letter in a stem: most places in a body start no stem.
  static constexpr auto kLetters = [] {
    std::array<uint8_t, 256> letters{};
    letters.fill(kNone);
    for (int c = 0; c < 26; ++c)
      letters[static_cast<size_t>('a' + c)] = letters[static_cast<size_t>('A' + c)] = static_cast<uint8_t>(c);
    return letters;
  }();
  static constexpr auto kPairs = [] {
    std::array<uint32_t, 27> pairs{};  // kNone's entry stays empty
    for (auto stem : kStems) pairs[static_cast<size_t>(stem[0] - 'a')] |= 1u << (stem[1] - 'a');
    return pairs;
  }();
  static constexpr auto kByFirst = [] {  // the stems each letter starts, one bit a stem
    std::array<uint16_t, 27> by{};
    for (size_t k = 0; k < kStems.size(); ++k) by[static_cast<size_t>(kStems[k][0] - 'a')] |= uint16_t(1u << k);
    return by;
  }();
  static_assert(kStems.size() <= 16);
  auto letter = [&](size_t i) { return kLetters[static_cast<unsigned char>(text[i])]; };
  uint8_t first = text.empty() ? kNone : letter(0);
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    const uint8_t second = letter(i + 1);
    if (kPairs[first] & (1u << second)) {  // kNone's bit is never set
      for (unsigned m = kByFirst[first]; m != 0; m &= m - 1) {
        const auto stem = kStems[static_cast<size_t>(std::countr_zero(m))];
        size_t k = 1;
        while (k < stem.size() && i + k < text.size() && letter(i + k) == stem[k] - 'a') ++k;
        if (k == stem.size()) return true;
      }
    }
    first = second;
  }
  return false;
}

}  // namespace reprise::capture
