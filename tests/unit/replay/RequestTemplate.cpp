#include "replay/RequestTemplate.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

using reprise::capture::HeaderList;
using reprise::capture::Request;
using reprise::replay::RequestTemplate;
using reprise::replay::Site;
using reprise::replay::SlotChooser;
using reprise::replay::Wanted;

namespace {

Request request(std::string method, std::string target, HeaderList headers, std::string body = "") {
  Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(headers);
  r.body.size = body.size();
  r.body.data = std::move(body);
  return r;
}

// Value i of the wanted list takes the live value of slot i.
const SlotChooser kByIndex = [](size_t value, const Site&) { return static_cast<int>(value); };

RequestTemplate make(const Request& req, const std::vector<Wanted>& wanted, const std::string& host = "") {
  return RequestTemplate(req, wanted, kByIndex, host);
}

std::string render(const Request& req, const std::vector<Wanted>& wanted,
                   const std::vector<std::string>& live, const std::string& host = "target:9000") {
  std::string out = "left over from the last render";
  make(req, wanted, host).render(live, out);
  return out;
}

// The head (up to and with the blank line) and the body of a rendered request.
std::pair<std::string, std::string> split(const std::string& rendered) {
  size_t end = rendered.find("\r\n\r\n");
  REQUIRE(end != std::string::npos);
  return {rendered.substr(0, end + 4), rendered.substr(end + 4)};
}

// The request line of a rendered request.
std::string first_line(const std::string& rendered) { return rendered.substr(0, rendered.find("\r\n")); }

// The Content-Length the rendered head announces, or -1 without one.
long content_length(const std::string& rendered) {
  auto [head, body] = split(rendered);
  size_t at = head.find("\r\nContent-Length: ");
  if (at == std::string::npos) return -1;
  return std::stol(head.substr(at + 18));
}

std::string body_of(const std::string& rendered) { return split(rendered).second; }

// A request whose rendered body must keep its announced length.
void check_length(const std::string& rendered) {
  INFO(rendered);
  CHECK(content_length(rendered) == static_cast<long>(body_of(rendered).size()));
}

const HeaderList kJson = {{"Host", "rec.example:8000"}, {"Content-Type", "application/json"}};
const HeaderList kForm = {{"Host", "rec.example:8000"},
                          {"Content-Type", "application/x-www-form-urlencoded"}};

}  // namespace

TEST_CASE("with nothing wanted the recorded request comes back, minus hop-by-hop headers",
          "[replay][template]") {
  Request req = request("POST", "/api/rooms/1/messages?limit=1",
                        {{"Host", "rec.example:8000"},
                         {"Accept", "*/*"},
                         {"Connection", "keep-alive"},
                         {"X-B", "2"},
                         {"Keep-Alive", "timeout=5"},
                         {"TE", "trailers"},
                         {"Content-Type", "application/json"},
                         {"Transfer-Encoding", "chunked"},
                         {"Expect", "100-continue"},
                         {"Content-Length", "999"},
                         {"X-A", "1"}},
                        R"({"text":"hello"})");
  CHECK(render(req, {}, {}) ==
        "POST /api/rooms/1/messages?limit=1 HTTP/1.1\r\n"
        "Host: target:9000\r\n"
        "Accept: */*\r\n"
        "X-B: 2\r\n"
        "Content-Type: application/json\r\n"
        "X-A: 1\r\n"
        "Content-Length: 16\r\n"
        "\r\n"
        R"({"text":"hello"})");
  // An empty host keeps the recorded one.
  CHECK(render(req, {}, {}, "")
            .starts_with("POST /api/rooms/1/messages?limit=1 HTTP/1.1\r\nHost: rec.example:8000\r\n"));

  // A request without a body and without a length gets none.
  Request get = request("GET", "/api/health", {{"Host", "rec"}, {"Accept", "*/*"}});
  CHECK(render(get, {}, {}) == "GET /api/health HTTP/1.1\r\nHost: target:9000\r\nAccept: */*\r\n\r\n");
  CHECK(make(get, {}).method() == "GET");
  CHECK(make(get, {}).slots_used() == 0);
}

TEST_CASE("a bearer token is replaced by a live value of another length", "[replay][template]") {
  Request req =
      request("POST", "/api/refresh",
              {{"Host", "rec"}, {"Authorization", "Bearer abcd1234"}, {"Content-Type", "application/json"}},
              R"({"refresh":"abcd1234"})");
  std::vector<Wanted> wanted = {{"abcd1234", false}};
  for (std::string live : {"a-much-longer-live-token-value", "xy"}) {
    std::string out = render(req, wanted, {live});
    INFO(out);
    CHECK(out.find("\r\nAuthorization: Bearer " + live + "\r\n") != std::string::npos);
    CHECK(out.find("abcd1234") == std::string::npos);
    CHECK(body_of(out) == R"({"refresh":")" + live + R"("})");
    check_length(out);
  }
  // A token that only contains the recorded value is another token.
  Request other = request("GET", "/", {{"Authorization", "Bearer abcd12345"}});
  CHECK(render(other, wanted, {"LIVE"}).find("Bearer abcd12345\r\n") != std::string::npos);
}

TEST_CASE("an id is replaced in whole path segments and id-named query values only", "[replay][template]") {
  std::vector<Wanted> id = {{"1", true}};
  auto target_of = [&](const std::string& target) {
    return first_line(render(request("GET", target, {{"Host", "rec"}}), id, {"42"}));
  };
  CHECK(target_of("/rooms/1/messages") == "GET /rooms/42/messages HTTP/1.1");
  CHECK(target_of("/rooms/1") == "GET /rooms/42 HTTP/1.1");
  CHECK(target_of("/rooms/11/messages") == "GET /rooms/11/messages HTTP/1.1");
  CHECK(target_of("/rooms/21/1x") == "GET /rooms/21/1x HTTP/1.1");
  CHECK(target_of("/rooms/7/messages?limit=1") == "GET /rooms/7/messages?limit=1 HTTP/1.1");
  CHECK(target_of("/messages?room_id=1&limit=1&before_id=11") ==
        "GET /messages?room_id=42&limit=1&before_id=11 HTTP/1.1");
  CHECK(target_of("/messages?roomId=1&id=1") == "GET /messages?roomId=42&id=42 HTTP/1.1");

  // A value that is not only an id is replaced under any query key.
  std::vector<Wanted> token = {{"abcd", false}};
  CHECK(first_line(render(request("GET", "/s?t=abcd&u=xabcd", {}), token, {"LIVE"})) ==
        "GET /s?t=LIVE&u=xabcd HTTP/1.1");
}

TEST_CASE("JSON values are replaced whole, ids only under id-named keys, strings JSON-escaped",
          "[replay][template]") {
  Request req =
      request("POST", "/api/messages", kJson, R"({"room_id":1,"count":1,"token":"abcd","x":"abcde"})");
  std::vector<Wanted> wanted = {{"1", true}, {"abcd", false}};
  const std::string live_token = "q\"uo\\te";
  std::string out = render(req, wanted, {"77", live_token});
  INFO(out);
  std::string body = body_of(out);
  auto json = nlohmann::json::parse(body);  // still JSON, whatever the live value holds
  CHECK(json["room_id"] == 77);
  CHECK(json["count"] == 1);
  CHECK(json["token"] == live_token);
  CHECK(json["x"] == "abcde");
  CHECK(body.starts_with(R"({"room_id":77,"count":1,"token":")"));
  CHECK(body.ends_with(R"(","x":"abcde"})"));
  check_length(out);

  // A key that equals the value stays a key; the value beside it is replaced.
  Request keyed = request("POST", "/k", kJson, R"({"abcd": "abcd", "room_id" : 1})");
  CHECK(body_of(render(keyed, wanted, {"9", "LIVE"})) == R"({"abcd": "LIVE", "room_id" : 9})");

  // Nested objects and arrays are searched too.
  Request nested = request("POST", "/n", kJson, R"({"a":{"room":{"id":1}},"list":["abcd",1]})");
  CHECK(body_of(render(nested, wanted, {"9", "LIVE"})) == R"({"a":{"room":{"id":9}},"list":["LIVE",1]})");
}

TEST_CASE("form bodies have whole values replaced, URL-encoded", "[replay][template]") {
  Request req = request("POST", "/login", kForm, "a=abcd&b=zz&abcd=1&c=abcdabcd");
  std::vector<Wanted> wanted = {{"abcd", false}};
  std::string out = render(req, wanted, {"u v@x&y"});
  CHECK(body_of(out) == "a=u%20v%40x%26y&b=zz&abcd=1&c=abcdabcd");
  check_length(out);
  // A JSON-looking body without a form type is not read as a form; a plain body is left alone.
  Request plain = request("POST", "/p", {{"Content-Type", "text/plain"}}, "a=abcd");
  CHECK(body_of(render(plain, wanted, {"LIVE"})) == "a=abcd");
}

TEST_CASE("live values in the path and query are URL-encoded; recorded values are matched decoded",
          "[replay][template]") {
  std::vector<Wanted> wanted = {{"bob@x.com", false}};
  Request req = request("GET", "/users/bob@x.com/profile?who=bob%40x.com&q=bob", {{"Host", "rec"}});
  CHECK(first_line(render(req, wanted, {"a b@c/d"})) ==
        "GET /users/a%20b%40c%2Fd/profile?who=a%20b%40c%2Fd&q=bob HTTP/1.1");
  Request encoded = request("GET", "/users/bob%40x.com", {{"Host", "rec"}});
  CHECK(first_line(render(encoded, wanted, {"eve@y.org"})) == "GET /users/eve%40y.org HTTP/1.1");
}

TEST_CASE("a redaction placeholder stands for a live value in headers and JSON bodies",
          "[replay][template]") {
  Request req = request("POST", "/api/me",
                        {{"Host", "rec"},
                         {"Authorization", "Bearer {{redacted:3}}"},
                         {"Cookie", "sid={{redacted:3}}; theme=dark"},
                         {"X-Other", "{{redacted:4}}"},
                         {"Content-Type", "application/json"}},
                        R"({"token":"{{redacted:3}}","password":"{{redacted:1}}"})");
  std::vector<Wanted> wanted = {{"{{redacted:3}}", false}};
  std::string out = render(req, wanted, {"live.jwt.value"});
  INFO(out);
  CHECK(out.find("\r\nAuthorization: Bearer live.jwt.value\r\n") != std::string::npos);
  CHECK(out.find("\r\nCookie: sid=live.jwt.value; theme=dark\r\n") != std::string::npos);
  CHECK(out.find("\r\nX-Other: {{redacted:4}}\r\n") != std::string::npos);
  CHECK(body_of(out) == R"({"token":"live.jwt.value","password":"{{redacted:1}}"})");
  check_length(out);
  CHECK(make(req, wanted).slots_used() == 3);
}

TEST_CASE("the chooser is told where each value stands, and -1 keeps the recorded bytes",
          "[replay][template]") {
  Request req = request("POST", "/rooms/5/messages?room_id=5", kJson, R"({"room_id":5,"reply_to":{"id":5}})");
  std::vector<std::string> sites;
  SlotChooser choose = [&](size_t value, const Site& site) {
    CHECK(value == 0);
    sites.push_back(std::string(site.key) + "|" + std::string(site.segment));
    return site.key == "id" ? -1 : 2;
  };
  RequestTemplate t(req, {{"5", true}}, choose, "");
  CHECK(sites == std::vector<std::string>{"|rooms", "room_id|", "room_id|", "id|"});
  CHECK(t.slots_used() == 3);
  std::string out;
  t.render({"a", "b", "99"}, out);
  CHECK(first_line(out) == "POST /rooms/99/messages?room_id=99 HTTP/1.1");
  CHECK(body_of(out) == R"({"room_id":99,"reply_to":{"id":5}})");
  check_length(out);
}

TEST_CASE("a base64 token with '=' padding is replaced whole in headers and cookies", "[replay][template]") {
  Request req =
      request("GET", "/me", {{"Authorization", "Bearer dG9rZW4="}, {"Cookie", "sid=YWJj==; theme=dark"}});
  std::string out = render(req, {{"dG9rZW4=", false}, {"YWJj==", false}}, {"LIVE1", "LIVE2"});
  INFO(out);
  CHECK(out.find("\r\nAuthorization: Bearer LIVE1\r\n") != std::string::npos);
  CHECK(out.find("\r\nCookie: sid=LIVE2; theme=dark\r\n") != std::string::npos);
  CHECK(RequestTemplate::carries(req, {"dG9rZW4=", false}));
}

TEST_CASE("a '+' in a path segment is a plus, not a space", "[replay][template]") {
  Request plus = request("GET", "/users/alice+test@x.com", {{"Host", "rec"}});
  CHECK(first_line(render(plus, {{"alice+test@x.com", false}}, {"bob@y.org"})) ==
        "GET /users/bob%40y.org HTTP/1.1");
  CHECK_FALSE(RequestTemplate::carries(request("GET", "/a+b", {}), {"a b", false}));
}

TEST_CASE("a reused buffer holds only the latest render", "[replay][template]") {
  Request req = request("GET", "/rooms/5", {{"Host", "rec"}});
  RequestTemplate t = make(req, {{"5", true}});
  std::string out;
  t.render({"123456"}, out);
  t.render({"7"}, out);
  CHECK(out == "GET /rooms/7 HTTP/1.1\r\nHost: rec\r\n\r\n");
}

TEST_CASE("carries() says whether a value stands whole in a request", "[replay][template]") {
  Wanted id{"1", true};
  Wanted token{"abcd", false};
  CHECK(RequestTemplate::carries(request("GET", "/rooms/1/messages", {}), id));
  CHECK(RequestTemplate::carries(request("GET", "/m?room_id=1", {}), id));
  CHECK(RequestTemplate::carries(request("POST", "/m", kJson, R"({"room_id":1})"), id));
  CHECK_FALSE(RequestTemplate::carries(request("GET", "/rooms/11/messages", {}), id));
  CHECK_FALSE(RequestTemplate::carries(request("GET", "/m?limit=1", {}), id));
  CHECK_FALSE(RequestTemplate::carries(request("POST", "/m", kJson, R"({"count":1})"), id));

  CHECK(RequestTemplate::carries(request("GET", "/", {{"Authorization", "Bearer abcd"}}), token));
  CHECK(RequestTemplate::carries(request("POST", "/", kForm, "t=abcd"), token));
  CHECK(RequestTemplate::carries(request("GET", "/x?t=abcd", {}), token));
  CHECK_FALSE(RequestTemplate::carries(request("GET", "/", {{"Authorization", "Bearer abcde"}}), token));
  CHECK_FALSE(RequestTemplate::carries(request("POST", "/", kJson, R"({"abcd":"zz"})"), token));
  CHECK_FALSE(RequestTemplate::carries(request("POST", "/", kJson, R"({"t":"xabcdx"})"), token));
  CHECK_FALSE(RequestTemplate::carries(request("GET", "/", {{"abcd", "v"}}), token));  // a header's name
}
