#include "http/MessageHead.hpp"

#include <catch2/catch.hpp>
#include <string>

using reprise::http::BodyKind;
using reprise::http::has_token;
using reprise::http::iequals;
using reprise::http::MessageHead;

TEST_CASE("iequals compares ASCII letters without case and everything else exactly") {
  CHECK(iequals("Content-Length", "content-length"));
  CHECK(iequals("X-FORWARDED-FOR", "x-forwarded-for"));
  CHECK(iequals("", ""));
  CHECK_FALSE(iequals("Host", "Hosts"));
  CHECK_FALSE(iequals("Host", "Hose"));
  CHECK_FALSE(iequals("Host", ""));
  // Only letters fold: '@' and '`' (and '[' and '{') differ by 0x20 but are different characters.
  CHECK_FALSE(iequals("@", "`"));
  CHECK_FALSE(iequals("[", "{"));
  CHECK_FALSE(iequals("@a", "`A"));  // the first byte passes the inline test, the whole does not
  CHECK_FALSE(iequals("a@", "A`"));
  CHECK(iequals("X-1_a", "x-1_A"));
}

TEST_CASE("iequals folds case byte by byte at every place of a word and of the tail") {
  // Every pair of bytes, at every place of names shorter than, as long as and longer than the
  // eight bytes compared at once, against a plain byte-by-byte reference.
  auto fold = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; };
  size_t wrong = 0;
  for (size_t n : {1, 7, 8, 9, 16, 17}) {
    for (size_t at = 0; at < n; ++at) {
      std::string a(n, 'k'), b(n, 'K');
      for (int x = 0; x < 256; ++x)
        for (int y = 0; y < 256; ++y) {
          a[at] = static_cast<char>(x);
          b[at] = static_cast<char>(y);
          if (iequals(a, b) != (fold(static_cast<unsigned char>(x)) == fold(static_cast<unsigned char>(y))))
            ++wrong;
        }
    }
  }
  CHECK(wrong == 0);
}

TEST_CASE("has_token finds whole list members whatever the spaces, commas and case") {
  CHECK(has_token("keep-alive, Upgrade", "upgrade"));
  CHECK(has_token("Upgrade", "UPGRADE"));
  CHECK(has_token("  close ,\tX-Secret\t", "x-secret"));
  CHECK(has_token("  close ,\tX-Secret\t", "close"));
  CHECK(has_token("a,,b", "b"));
  CHECK(has_token("a,b,", "b"));
  CHECK_FALSE(has_token("keep-alive", "keep"));
  CHECK_FALSE(has_token("closed", "close"));
  CHECK_FALSE(has_token("xclose, upgraded", "close"));
  CHECK_FALSE(has_token("", "close"));
  CHECK_FALSE(has_token("x close", "close"));
}

TEST_CASE("header() returns the first value of a name, looked up without case") {
  MessageHead h;
  h.headers = {{"Host", "example"}, {"X-Dup", "first"}, {"x-dup", "second"}, {"X-Empty", ""}};
  CHECK(h.header("host") == "example");
  CHECK(h.header("HOST") == "example");
  CHECK(h.header("X-DUP") == "first");
  CHECK(h.header("X-Empty").empty());
  CHECK(h.header("Missing").empty());
  CHECK(h.header("Hos").empty());
}

TEST_CASE("is_head_request and clear() reset a head for the next message") {
  MessageHead h;
  h.method = "HEAD";
  CHECK(h.is_head_request());
  h.method = "GET";
  CHECK_FALSE(h.is_head_request());
  h.target = "/x";
  h.status = 404;
  h.reason = "Not Found";
  h.version_minor = 0;
  h.headers = {{"A", "1"}};
  h.body = BodyKind::chunked;
  h.content_length = 7;
  h.keep_alive = false;
  h.upgrade = true;
  h.clear();
  CHECK(h.method.empty());
  CHECK(h.target.empty());
  CHECK(h.status == 0);
  CHECK(h.reason.empty());
  CHECK(h.version_major == 1);
  CHECK(h.version_minor == 1);
  CHECK(h.headers.empty());
  CHECK(h.body == BodyKind::none);
  CHECK(h.content_length == 0);
  CHECK(h.keep_alive);
  CHECK_FALSE(h.upgrade);
}
