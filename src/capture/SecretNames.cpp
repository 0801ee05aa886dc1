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

// Every stem has three letters or more, so an occurrence covers an even position and the one
// after it with its first two letters or with its second and third: the pairs at even positions
// are enough to find every candidate, half the work of looking at each position.
bool mentions_a_stem(std::string_view text) {
  static constexpr uint8_t kNone = 26;
  static constexpr auto kLetters = [] {  // each byte's letter, 0-25 in either case, else kNone
    std::array<uint8_t, 256> letters{};
    letters.fill(kNone);
    for (int c = 0; c < 26; ++c)
      letters[static_cast<size_t>('a' + c)] = letters[static_cast<size_t>('A' + c)] = static_cast<uint8_t>(c);
    return letters;
  }();
  constexpr uint8_t kStarts = 1, kGoesOn = 2;  // a pair is a stem's first two letters, or its 2nd and 3rd
  static constexpr auto kPairs = [] {
    std::array<std::array<uint8_t, 32>, 27> pairs{};  // kNone's row and column stay empty
    auto at = [](char c) { return static_cast<size_t>(c - 'a'); };
    for (auto stem : kStems) {
      pairs[at(stem[0])][at(stem[1])] |= kStarts;
      pairs[at(stem[1])][at(stem[2])] |= kGoesOn;
    }
    return pairs;
  }();
  static constexpr auto kByFirst = [] {  // the stems each letter starts, one bit a stem
    std::array<uint16_t, 27> by{};
    for (size_t k = 0; k < kStems.size(); ++k) by[static_cast<size_t>(kStems[k][0] - 'a')] |= uint16_t(1u << k);
    return by;
  }();
  static_assert(kStems.size() <= 16);
  static_assert(std::all_of(kStems.begin(), kStems.end(), [](auto stem) { return stem.size() >= 3; }));
  auto letter = [&](size_t i) { return kLetters[static_cast<unsigned char>(text[i])]; };
  auto stem_at = [&](size_t i) {
    for (unsigned m = kByFirst[letter(i)]; m != 0; m &= m - 1) {
      const auto stem = kStems[static_cast<size_t>(std::countr_zero(m))];
      size_t k = 1;
      while (k < stem.size() && i + k < text.size() && letter(i + k) == stem[k] - 'a') ++k;
      if (k == stem.size()) return true;
    }
    return false;
  };
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t i = 0; i + 1 < text.size(); i += 2) {
    const uint8_t pair = kPairs[kLetters[bytes[i]]][kLetters[bytes[i + 1]]];
    if (pair == 0) continue;
    if ((pair & kStarts) && stem_at(i)) return true;
    if ((pair & kGoesOn) && i > 0 && stem_at(i - 1)) return true;
  }
  return false;
}

}  // namespace reprise::capture
