#include "capture/CaptureSummary.hpp"

#include <catch2/catch.hpp>

#include "InputError.hpp"
#include "TempFile.hpp"
#include "capture/CaptureReader.hpp"
#include "http/RoutePattern.hpp"

using reprise::InputError;
using reprise::capture::CaptureHeader;
using reprise::capture::Exchange;
using reprise::capture::percentile;
using reprise::capture::Response;
using reprise::capture::Stream;
using reprise::capture::SummaryBuilder;
using reprise::http::is_id_segment;
using reprise::http::route_pattern;

namespace {

Exchange exchange(std::string session, int64_t t_us, std::string method, std::string target, int status,
                  int64_t dur_us) {
  Exchange x;
  x.session = std::move(session);
  x.t_us = t_us;
  x.req.method = std::move(method);
  x.req.target = std::move(target);
  x.req.headers = {{"Host", "chat.test"}};
  if (status) {
    x.res = Response{};
    x.res->status = status;
    x.res->dur_us = dur_us;
    x.res->ttfb_us = dur_us / 2;
  }
  return x;
}

const reprise::capture::RouteSummary& route(const reprise::capture::CaptureSummary& s,
                                            const std::string& method, const std::string& path) {
  for (const auto& r : s.routes)
    if (r.method == method && r.path == path) return r;
  FAIL("no route " << method << " " << path);
  throw;
}

}  // namespace

TEST_CASE("ids in path segments fold to {id}, the query goes") {
  CHECK(route_pattern("/api/chat/rooms/17/messages?limit=5") == "/api/chat/rooms/{id}/messages");
  CHECK(route_pattern("/api/friends/requests/3/accept") == "/api/friends/requests/{id}/accept");
  CHECK(route_pattern("/users/5f0c6b9e-3c1a-4e8b-9d2f-0a1b2c3d4e5f/avatar") == "/users/{id}/avatar");
  CHECK(route_pattern("/objects/0123456789abcdef0123") == "/objects/{id}");
  CHECK(route_pattern("/rooms/{{redacted:12}}/x") == "/rooms/{id}/x");
  CHECK(route_pattern("/rooms/%7B%7Bredacted%3A12%7D%7D") == "/rooms/{id}");
  CHECK(route_pattern("/a/1/b/2#frag") == "/a/{id}/b/{id}");
  CHECK(route_pattern("http://host:8080/a/42?x=1") == "/a/{id}");
  CHECK(route_pattern("/") == "/");
  CHECK(route_pattern("/api/users/search?q=123") == "/api/users/search");
  CHECK(route_pattern("*") == "*");
  // Words, versions, short hex and almost-UUIDs stay.
  CHECK(route_pattern("/api/v1/beef/cafe12/abc-def") == "/api/v1/beef/cafe12/abc-def");
  CHECK_FALSE(is_id_segment("0123456789abcde"));  // 15 hex digits: too short to be an id
  CHECK_FALSE(is_id_segment("5f0c6b9e-3c1a-4e8b-9d2f-0a1b2c3d4e5"));
  CHECK_FALSE(is_id_segment("12a"));
  CHECK_FALSE(is_id_segment("{{redacted:}}"));
  CHECK(is_id_segment("007"));
}

TEST_CASE("percentiles interpolate between the closest ranks, as k6 does") {
  std::vector<int64_t> hundred;
  for (int i = 1; i <= 100; ++i) hundred.push_back(i);
  CHECK(percentile(hundred, 50) == Approx(50.5));
  CHECK(percentile(hundred, 95) == Approx(95.05));
  CHECK(percentile(hundred, 99) == Approx(99.01));
  CHECK(percentile(hundred, 100) == 100);
  CHECK(percentile(hundred, 0) == 1);
  CHECK(percentile({10, 20}, 50) == 15);
  CHECK(percentile({7}, 99) == 7);
  CHECK(percentile({}, 50) == 0);
}

TEST_CASE("routes, statuses, latency, sessions and the time span") {
  SummaryBuilder b;
  for (int i = 0; i < 4; ++i)
    b.add(exchange("s1", 1'000'000 + i * 1000, "POST", "/api/chat/rooms/" + std::to_string(i) + "/messages",
                   200, (i + 1) * 1000));
  b.add(exchange("s1", 500'000, "POST", "/api/chat/rooms/9/messages", 404, 5000));
  b.add(exchange("s2", 2'000'000, "GET", "/api/users/me", 401, 1000));
  b.add(exchange("s2", 2'100'000, "GET", "/api/users/me?x=1", 0, 0));  // no answer
  b.add(exchange("s3", 3'000'000, "GET", "/api/users/search?q=a", 503, 1'000'000));
  CaptureHeader h;
  h.redaction = "default";
  auto s = b.finish(h, false, 0);

  CHECK(s.exchanges == 8);
  REQUIRE(s.routes.size() == 3);
  CHECK(s.routes[0].method == "POST");  // most exchanges first
  CHECK(s.routes[0].path == "/api/chat/rooms/{id}/messages");
  CHECK(s.routes[0].count == 5);
  CHECK(s.routes[0].statuses.at("2xx") == 4);
  CHECK(s.routes[0].statuses.at("4xx") == 1);
  CHECK(s.routes[0].latency.samples == 5);
  CHECK(s.routes[0].latency.p50_ms == Approx(3.0));
  CHECK(s.routes[0].latency.max_ms == Approx(5.0));
  CHECK(s.routes[0].latency.p95_ms == Approx(4.8));
  const auto& me = route(s, "GET", "/api/users/me");
  CHECK(me.count == 2);
  CHECK(me.statuses.at("none") == 1);
  CHECK(me.latency.samples == 1);
  CHECK(s.statuses.at("2xx") == 4);
  CHECK(s.statuses.at("4xx") == 2);
  CHECK(s.statuses.at("5xx") == 1);
  CHECK(s.statuses.at("none") == 1);
  CHECK(s.without_response == 1);
  CHECK(s.latency.samples == 7);
  CHECK(s.latency.max_ms == Approx(1000.0));

  CHECK(s.sessions == 3);
  CHECK(s.exchanges_per_session.min == 1);
  CHECK(s.exchanges_per_session.median == 2);
  CHECK(s.exchanges_per_session.max == 5);

  CHECK(s.first_us == 500'000);
  CHECK(s.end_us == 4'000'000);  // the search started at 3 s and took 1 s
  CHECK(s.span_s == Approx(3.5));
  CHECK(s.rate_per_s == Approx(8 / 3.5));
}

TEST_CASE("a page load is one session, however many connections it used") {
  SummaryBuilder b;
  for (const char* key : {"page_1/11", "page_1/12/sse-2", "page_2/11"}) {
    auto x = exchange(key, 0, "GET", "/", 200, 1000);
    x.page = std::string(key).substr(0, 6);
    b.add(x);
  }
  b.add(exchange("page_1", 0, "GET", "/", 200, 1000));  // a session named like a page is still its own
  auto s = b.finish(CaptureHeader{}, false, 0);
  CHECK(s.sessions == 3);
  CHECK(s.exchanges_per_session.max == 2);
}

TEST_CASE("SSE streams and WebSocket frames are counted, and left out of the overall latency") {
  SummaryBuilder b;
  b.add(exchange("s1", 0, "GET", "/api/users/me", 200, 1000));
  for (int n : {3, 8}) {
    auto x = exchange("s2", 10, "GET", "/api/notifications/stream", 200, n * 500'000);
    x.stream = Stream{"sse", {}};
    for (int i = 0; i < n; ++i) x.stream->events.push_back({i * 1000, 20, 'd'});
    b.add(x);
  }
  auto ws = exchange("s3", 20, "GET", "/ws", 101, 9000);
  ws.stream = Stream{"websocket", {{1, 5, 'u'}, {2, 7, 'd'}, {3, 9, 'd'}}};
  b.add(ws);
  auto s = b.finish({}, false, 0);
  CHECK(s.sse.streams == 2);
  CHECK(s.sse.events == 11);
  CHECK(s.sse.events_per_stream.min == 3);
  CHECK(s.sse.events_per_stream.median == Approx(5.5));
  CHECK(s.sse.events_per_stream.max == 8);
  CHECK(s.sse.duration_s.min == Approx(1.5));
  CHECK(s.sse.duration_s.max == Approx(4.0));
  CHECK(s.websocket.tunnels == 1);
  CHECK(s.websocket.frames_up == 1);
  CHECK(s.websocket.frames_down == 2);
  CHECK(s.websocket.bytes_down == 16);
  CHECK(s.latency.samples == 1);  // only /api/users/me
  CHECK(s.latency.max_ms == Approx(1.0));
  CHECK(route(s, "GET", "/api/notifications/stream").latency.max_ms == Approx(4000.0));
}

TEST_CASE("redaction placeholders are counted by where they appear") {
  SummaryBuilder b;
  auto login = exchange("s1", 0, "POST", "/api/users/login?token={{redacted:4}}&page=2", 200, 1000);
  login.req.headers.push_back({"Content-Type", "application/json"});
  login.req.body.data = R"({"email":"a@test.com","password" : "{{redacted:1}}"})";
  login.res->body.data = R"({"access_token":"{{redacted:2}}","user":{"secret":"{{redacted:5}}"}})";
  login.res->headers = {{"Set-Cookie", "sid={{redacted:3}}; Path=/; HttpOnly"}};
  b.add(login);
  auto me = exchange("s1", 10, "GET", "/api/rooms/{{redacted:2}}", 200, 1000);
  me.req.headers = {{"Authorization", "Bearer {{redacted:2}}"},
                    {"Cookie", "a=1; sid={{redacted:3}}"},
                    {"X-Api-Key", "{{redacted:6}}"}};
  me.req.body.data = "user=bob&password={{redacted:1}}";
  me.res->body.data = "plain text with {{redacted:7}} inside";
  b.add(me);
  CaptureHeader h;
  h.redaction = "default+rules";
  auto s = b.finish(h, false, 0);
  const auto& r = s.redaction;
  CHECK(r.mode == "default+rules");
  CHECK(r.placeholders == 7);
  CHECK(r.occurrences == 11);
  CHECK(r.by_place.at("query").at("token") == 1);
  CHECK(r.by_place.at("json").at("password") == 1);
  CHECK(r.by_place.at("json").at("access_token") == 1);
  CHECK(r.by_place.at("json").at("secret") == 1);
  CHECK(r.by_place.at("cookie").at("sid") == 2);
  CHECK(r.by_place.at("header").at("authorization") == 1);
  CHECK(r.by_place.at("header").at("x-api-key") == 1);
  CHECK(r.by_place.at("form").at("password") == 1);
  CHECK(r.by_place.at("other").at("path") == 1);
  CHECK(r.by_place.at("other").at("body") == 1);
  CHECK(route(s, "GET", "/api/rooms/{id}").count == 1);
}

TEST_CASE("truncated bodies, missing responses and damage are reported") {
  SummaryBuilder b;
  auto x = exchange("s1", 0, "POST", "/upload", 200, 10);
  x.req.body = {"0123", 100};
  x.res->body = {"ab", 50};
  b.add(x);
  b.add(exchange("s1", 5, "GET", "/a", 0, 0));
  auto s = b.finish({}, true, 7);
  CHECK(s.truncated_bodies == 2);
  CHECK(s.without_response == 1);
  CHECK(s.tail_cut);
  CHECK(s.dropped_records == 7);
}

TEST_CASE("summarize reads a capture in one pass, including its damage") {
  std::string head =
      R"({"reprise_capture":1,"created":"2026-01-01T00:00:00Z","source":"proxy","redaction":"default"})";
  std::string line1 =
      R"({"id":1,"session":"c1","t_us":5,"req":{"method":"GET","target":"/a/1","version":"1.1","headers":[]},"res":{"status":200,"headers":[],"ttfb_us":1,"dur_us":2}})";
  std::string line2 =
      R"({"id":2,"session":"c1","t_us":9,"req":{"method":"GET","target":"/a/2","version":"1.1","headers":[]}})";
  std::string gap = R"({"dropped_records":3,"t_us":8})";

  reprise::test::TempFile cut(head + "\n" + line1 + "\n" + gap + "\n" + line2 + "\n" + line1.substr(0, 40));
  reprise::capture::CaptureReader reader(cut.path());
  auto s = reprise::capture::summarize(reader);
  CHECK(s.exchanges == 2);
  CHECK(s.routes.at(0).path == "/a/{id}");
  CHECK(s.routes.at(0).count == 2);
  CHECK(s.tail_cut);
  CHECK(s.dropped_records == 3);
  CHECK(s.header.source == "proxy");

  reprise::test::TempFile broken(head + "\n" + line1 + "\n" + "{not json\n" + line2 + "\n");
  reprise::capture::CaptureReader reader2(broken.path());
  try {
    reprise::capture::summarize(reader2);
    FAIL("accepted");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == broken.path() + ":line 3: not JSON");
  }
}
