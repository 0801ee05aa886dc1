#include "http/MessageHead.hpp"

#include <catch2/catch.hpp>

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
  CHECK(iequals("X-1_a", "x-1_A"));
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
