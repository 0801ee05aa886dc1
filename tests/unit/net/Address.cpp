#include "net/Address.hpp"

#include <catch2/catch.hpp>

#include "InputError.hpp"

using reprise::InputError;
using reprise::net::parse_host_port;
using reprise::net::parse_url;
using reprise::net::tcp;

TEST_CASE("host:port is split into host and port") {
  auto hp = parse_host_port("127.0.0.1:8080", "--listen");
  CHECK(hp.host == "127.0.0.1");
  CHECK(hp.port == 8080);
  hp = parse_host_port("localhost:65535", "--listen");
  CHECK(hp.host == "localhost");
  CHECK(hp.port == 65535);
}

TEST_CASE("an IPv6 host is written in brackets and returned without them") {
  auto hp = parse_host_port("[::1]:9000", "--listen");
  CHECK(hp.host == "::1");
  CHECK(hp.port == 9000);
}

TEST_CASE("a bare :port means every IPv4 address") {
  auto hp = parse_host_port(":8080", "--listen");
  CHECK(hp.host == "0.0.0.0");
  CHECK(hp.port == 8080);
}

TEST_CASE("a missing or bad port is InputError naming the flag") {
  const char* bad[] = {"127.0.0.1", "host:",    "host:abc", "host:65536",      "host:-1",
                       "host:80x",  "host: 80", "[::1]",    "host:99999999999"};
  for (const char* text : bad) {
    INFO("text: '" << text << "'");
    try {
      parse_host_port(text, "--listen");
      FAIL("accepted");
    } catch (const InputError& e) {
      CHECK(e.place() == "--listen");
      CHECK_THAT(e.what(), Catch::Contains(text));
    }
  }
}

TEST_CASE("upstream URLs: http://host with or without port and trailing slash") {
  auto hp = parse_url("http://127.0.0.1:8000", "--upstream").host_port;
  CHECK(hp.host == "127.0.0.1");
  CHECK(hp.port == 8000);
  hp = parse_url("http://127.0.0.1:8000/", "--upstream").host_port;
  CHECK(hp.host == "127.0.0.1");
  CHECK(hp.port == 8000);
  hp = parse_url("http://localhost", "--upstream").host_port;
  CHECK(hp.host == "localhost");
  CHECK(hp.port == 80);
  hp = parse_url("http://localhost/", "--upstream").host_port;
  CHECK(hp.host == "localhost");
  CHECK(hp.port == 80);
  hp = parse_url("http://[::1]:8080/", "--upstream").host_port;
  CHECK(hp.host == "::1");
  CHECK(hp.port == 8080);
  hp = parse_url("http://[::1]", "--upstream").host_port;
  CHECK(hp.host == "::1");
  CHECK(hp.port == 80);
}

TEST_CASE("upstream URLs with a path prefix, another scheme or a bad port are refused") {
  const char* bad[] = {"http://host/api", "http://host:80/api/", "http://host//",
                       "https:/host",     "ftp://host:21",       "host:80",
                       "//host:80",       "http://host:abc",     "http://host:70000"};
  for (const char* text : bad) {
    INFO("text: '" << text << "'");
    try {
      parse_url(text, "--upstream");
      FAIL("accepted");
    } catch (const InputError& e) {
      CHECK(e.place() == "--upstream");
    }
  }
}

TEST_CASE("https:// URLs: TLS, port 443 unless given") {
  auto a = parse_url("https://example.test", "--upstream");
  CHECK(a.https);
  CHECK(a.host_port.host == "example.test");
  CHECK(a.host_port.port == 443);
  a = parse_url("https://127.0.0.1:8443/", "--upstream");
  CHECK(a.https);
  CHECK(a.host_port.port == 8443);
  CHECK_FALSE(parse_url("http://127.0.0.1:8443", "--upstream").https);
}

// Regression: an empty host was once read as ":port" and the upstream became 0.0.0.0.
TEST_CASE("an upstream URL without a host is refused") {
  CHECK_THROWS_AS(parse_url("http://", "--upstream"), InputError);
  CHECK_THROWS_AS(parse_url("http://:8080", "--upstream"), InputError);
  CHECK_THROWS_AS(parse_url("http:///", "--upstream"), InputError);
}

TEST_CASE("endpoints print as host:port, IPv6 in brackets") {
  using boost::asio::ip::make_address;
  CHECK(reprise::net::to_string(tcp::endpoint(make_address("127.0.0.1"), 8080)) == "127.0.0.1:8080");
  CHECK(reprise::net::to_string(tcp::endpoint(make_address("::1"), 9000)) == "[::1]:9000");
}

TEST_CASE("numeric hosts resolve without a lookup") {
  auto ep = reprise::net::resolve({"127.0.0.1", 8123});
  CHECK(ep.address().to_string() == "127.0.0.1");
  CHECK(ep.port() == 8123);
}
