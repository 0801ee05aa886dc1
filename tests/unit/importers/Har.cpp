#include "importers/Har.hpp"

#include <catch2/catch.hpp>
#include <functional>
#include <sstream>

#include "InputError.hpp"
#include "TempFile.hpp"

using reprise::InputError;
using reprise::capture::CaptureHeader;
using reprise::capture::Exchange;
using reprise::capture::Response;
using reprise::capture::Stream;
using reprise::importers::format_iso8601;
using reprise::importers::har_to_capture;
using reprise::importers::HarCapture;
using reprise::importers::HarWriter;
using reprise::importers::parse_iso8601;
using reprise::importers::read_har;
using Json = nlohmann::json;

namespace {

CaptureHeader header() {
  CaptureHeader h;
  h.created = "2026-11-25T13:30:02Z";
  h.source = "proxy";
  h.upstream = "http://127.0.0.1:8080";
  h.body_limit = 16;
  return h;
}

std::string binary(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s += static_cast<char>(b);
  return s;
}

Response response(int status, std::string body, int64_t ttfb, int64_t dur) {
  Response r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json"}, {"X-Trace", "a"}, {"x-trace", "b"}};
  r.body.data = std::move(body);
  r.body.size = r.body.data.size();
  r.ttfb_us = ttfb;
  r.dur_us = dur;
  return r;
}

// One of each kind the capture format can hold.
std::vector<Exchange> sample() {
  std::vector<Exchange> xs(7);
  xs[0].id = 1;
  xs[0].session = "c0-1";
  xs[0].client = "192.0.2.1";
  xs[0].t_us = 316;
  xs[0].req = {"POST",
               "/api/chat/rooms/1/messages?limit=5&q=a%20b",
               "1.1",
               {{"Host", "chat.test"},
                {"Authorization", "Bearer {{redacted:1}}"},
                {"Content-Type", "application/json"},
                {"X-Dup", "1"},
                {"X-Dup", "2"}},
               {"{\"content\":\"hi ünïcode\"}", 26}};
  xs[0].res = response(200, "{\"message_id\":1}", 169, 192);

  xs[1].id = 2;  // binary bodies both ways
  xs[1].session = "c0-2";
  xs[1].t_us = 1'500'123;
  xs[1].req = {"PUT",
               "/blob",
               "1.1",
               {{"Host", "chat.test"}, {"Content-Type", "application/octet-stream"}},
               {binary({0, 1, 0xff, 0xfe, 'a', 0x80}), 6}};
  xs[1].res = response(201, binary({0x89, 'P', 'N', 'G', 0, 0xc3}), 1000, 2500);

  xs[2].id = 3;  // truncated bodies: size beyond what was kept
  xs[2].session = "c0-2";
  xs[2].page = "page_3";
  xs[2].t_us = 2'000'000;
  xs[2].req = {"POST", "/upload", "1.1", {{"Host", "chat.test"}}, {"0123456789abcdef", 100000}};
  xs[2].res = response(200, "{\"ok\":true,\"big\":", 10, 20);
  xs[2].res->body.size = 5000;

  xs[3].id = 4;  // an SSE stream
  xs[3].session = "c0-4";
  xs[3].t_us = 1961;
  xs[3].req = {"GET", "/api/notifications/stream", "1.1", {{"Host", "chat.test"}}, {}};
  xs[3].res = response(200, "event: connected\ndata: {}\n\n: heartbeat\n\n", 78, 2'500'000);
  xs[3].stream = Stream{"sse", {{80, 27, 'd'}, {1'000'080, 14, 'd'}}};

  xs[4].id = 5;  // a WebSocket tunnel, with frames both ways
  xs[4].session = "c0-5";
  xs[4].t_us = 3000;
  xs[4].req = {
      "GET", "/ws", "1.1", {{"Host", "chat.test"}, {"Upgrade", "websocket"}, {"Connection", "Upgrade"}}, {}};
  xs[4].res = response(101, "", 50, 90000);
  xs[4].stream = Stream{"websocket", {{100, 5, 'u'}, {200, 5, 'd'}, {300, 70000, 'u'}}};

  xs[5].id = 6;  // no answer came; no Host header; HTTP/1.0
  xs[5].session = "c0-6";
  xs[5].t_us = 4000;
  xs[5].req = {"GET", "/gone", "1.0", {{"Accept", "*/*"}}, {}};

  xs[6].id = 9;  // not origin-form targets survive too
  xs[6].session = "c0-7";
  xs[6].t_us = 5000;
  xs[6].req = {"OPTIONS", "*", "1.1", {{"Host", "chat.test"}}, {}};
  xs[6].res = response(204, "", 5, 6);
  return xs;
}

Json export_har(const std::vector<Exchange>& xs, const CaptureHeader& h = header()) {
  std::ostringstream out;
  HarWriter writer(out, h);
  for (const auto& x : xs) writer.add(x);
  writer.finish();
  return Json::parse(out.str());
}

void check_same(const Exchange& a, const Exchange& b) {
  INFO("exchange " << a.id << " " << a.req.method << " " << a.req.target);
  CHECK(b.id == a.id);
  CHECK(b.session == a.session);
  CHECK(b.client == a.client);
  CHECK(b.page == a.page);
  CHECK(b.t_us == a.t_us);
  CHECK(b.req.method == a.req.method);
  CHECK(b.req.target == a.req.target);
  CHECK(b.req.version == a.req.version);
  CHECK(b.req.headers == a.req.headers);
  CHECK(b.req.body.data == a.req.body.data);
  CHECK(b.req.body.size == a.req.body.size);
  REQUIRE(b.res.has_value() == a.res.has_value());
  if (a.res) {
    CHECK(b.res->status == a.res->status);
    CHECK(b.res->headers == a.res->headers);
    CHECK(b.res->body.data == a.res->body.data);
    CHECK(b.res->body.size == a.res->body.size);
    CHECK(b.res->ttfb_us == a.res->ttfb_us);
    CHECK(b.res->dur_us == a.res->dur_us);
  }
  REQUIRE(b.stream.has_value() == a.stream.has_value());
  if (a.stream) {
    CHECK(b.stream->kind == a.stream->kind);
    REQUIRE(b.stream->events.size() == a.stream->events.size());
    for (size_t i = 0; i < a.stream->events.size(); ++i) {
      CHECK(b.stream->events[i].t_us == a.stream->events[i].t_us);
      CHECK(b.stream->events[i].bytes == a.stream->events[i].bytes);
      CHECK(b.stream->events[i].dir == a.stream->events[i].dir);
    }
  }
}

std::string error_of(const Json& har) {
  try {
    har_to_capture(har, "in.har");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

Json minimal_entry() {
  return Json::parse(R"({"startedDateTime": "2024-05-01T10:00:00.000Z", "time": 10,
    "request": {"method": "GET", "url": "http://example.test/a", "httpVersion": "HTTP/1.1", "headers": []},
    "response": {"status": 200, "headers": [], "content": {"size": 0, "mimeType": ""}},
    "timings": {"send": 0, "wait": 5, "receive": 5}})");
}

}  // namespace

TEST_CASE("capture → HAR → capture keeps every field of every exchange kind") {
  auto xs = sample();
  auto back = har_to_capture(export_har(xs), "x.har");
  REQUIRE(back.exchanges.size() == xs.size());
  for (size_t i = 0; i < xs.size(); ++i) check_same(xs[i], back.exchanges[i]);
  CHECK(back.header.source == "har");
  CHECK(back.header.created == "2026-11-25T13:30:02Z");
  CHECK(back.header.upstream == "http://127.0.0.1:8080");
  CHECK(back.header.body_limit == 16);
  CHECK(back.other_versions == 0);
}

TEST_CASE("HAR → capture → HAR is the same document") {
  auto first = export_har(sample());
  auto back = har_to_capture(first, "x.har");
  CHECK(export_har(back.exchanges, back.header) == first);
}

TEST_CASE("the exported document is HAR 1.2 as viewers read it") {
  auto har = export_har(sample());
  const auto& log = har["log"];
  CHECK(log["version"] == "1.2");
  CHECK(log["creator"]["name"] == "reprise");
  CHECK(log["creator"]["version"].is_string());
  REQUIRE(log["entries"].size() == 7);
  const auto& e = log["entries"][0];
  CHECK(e["startedDateTime"] == "2026-11-25T13:30:02.000316Z");
  CHECK(e["time"] == Approx(0.192));
  CHECK(e["connection"] == "c0-1");
  CHECK(e["cache"] == Json::object());
  CHECK(e["timings"]["send"] == 0);
  CHECK(e["timings"]["wait"] == Approx(0.169));
  CHECK(e["timings"]["receive"] == Approx(0.023));
  const auto& req = e["request"];
  CHECK(req["url"] == "http://chat.test/api/chat/rooms/1/messages?limit=5&q=a%20b");
  CHECK(req["httpVersion"] == "HTTP/1.1");
  CHECK(req["cookies"] == Json::array());
  CHECK(req["headers"][3] == Json({{"name", "X-Dup"}, {"value", "1"}}));
  CHECK(req["queryString"] == Json::parse(R"([{"name":"limit","value":"5"},{"name":"q","value":"a%20b"}])"));
  CHECK(req["postData"]["mimeType"] == "application/json");
  CHECK(req["postData"]["text"] == "{\"content\":\"hi ünïcode\"}");
  CHECK(req["headersSize"] == -1);
  CHECK(req["bodySize"] == 26);
  const auto& res = e["response"];
  CHECK(res["status"] == 200);
  CHECK(res["statusText"] == "OK");
  CHECK(res["content"]["size"] == 16);
  CHECK(res["content"]["mimeType"] == "application/json");
  CHECK(res["content"]["text"] == "{\"message_id\":1}");
  CHECK(res["redirectURL"] == "");

  const auto& bin = log["entries"][1];  // binary bodies are base64 and say so
  CHECK(bin["request"]["postData"]["_encoding"] == "base64");
  CHECK(bin["request"]["postData"]["text"] == "AAH//mGA");
  CHECK(bin["response"]["content"]["encoding"] == "base64");
  CHECK(bin["startedDateTime"] == "2026-11-25T13:30:03.500123Z");

  const auto& cut = log["entries"][2];
  CHECK(cut["request"]["_reprise"]["body_truncated"] == true);
  CHECK(cut["request"]["_reprise"]["body_size"] == 100000);
  CHECK(cut["request"]["bodySize"] == 100000);
  CHECK(log["entries"][3]["_reprise"]["stream"]["kind"] == "sse");
  CHECK(log["entries"][4]["_reprise"]["stream"]["events"][0]["dir"] == "up");
  CHECK(log["entries"][5]["response"]["status"] == 0);
  CHECK(log["entries"][5]["request"]["url"] == "http://127.0.0.1:8080/gone");
  CHECK(log["entries"][5]["request"]["_reprise"]["host_header"] == false);
  CHECK(log["entries"][6]["request"]["_reprise"]["target"] == "*");
}

TEST_CASE("a browser's HAR: HTTP/2 pseudo-headers, offsets, timings, base64, params, sessions") {
  auto har =
      Json::parse(R"({"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
    "entries": [
      {"startedDateTime": "2024-05-01T12:00:01.250+02:00", "time": 12.5, "pageref": "page_1",
       "request": {"method": "POST", "url": "https://192.0.2.7:8443/login?next=%2Fhome#frag", "httpVersion": "h2",
         "headers": [{"name": ":method", "value": "POST"}, {"name": ":authority", "value": "api.example.test:8443"},
                     {"name": ":scheme", "value": "https"}, {"name": ":path", "value": "/login"},
                     {"name": "content-type", "value": "application/x-www-form-urlencoded"}],
         "postData": {"mimeType": "application/x-www-form-urlencoded",
                      "params": [{"name": "user", "value": "a b"}, {"name": "pw", "value": "x&y"}]}},
       "response": {"status": 200, "headers": [{"name": ":status", "value": "200"}, {"name": "content-type", "value": "image/gif"}],
         "content": {"size": 3, "mimeType": "image/gif", "text": "R0lG", "encoding": "base64"}},
       "timings": {"blocked": 1, "dns": -1, "connect": 2.5, "ssl": 1.5, "send": 0.5, "wait": 6, "receive": 2.5}},
      {"startedDateTime": "2024-05-01T10:00:00.000Z", "time": 3, "connection": "4711",
       "request": {"method": "GET", "url": "http://h.test/", "httpVersion": "HTTP/1.0",
         "headers": [{"name": "Accept", "value": "*/*"}]},
       "response": {"status": 0, "headers": [], "content": {"size": 0, "mimeType": ""}},
       "timings": {"send": 0, "wait": 0, "receive": 0}},
      {"startedDateTime": "2024-05-01T10:00:02Z",
       "request": {"method": "GET", "url": "http://h.test/x", "httpVersion": "HTTP/1.1",
         "headers": [{"name": "host", "value": "given"}, {"name": ":authority", "value": "other"}]},
       "response": {"status": 204, "headers": [], "content": {"size": 0, "mimeType": ""}},
       "timings": {"send": 1, "wait": 2, "receive": 3}}]}})");
  auto cap = har_to_capture(har, "b.har");
  REQUIRE(cap.exchanges.size() == 3);
  CHECK(cap.header.source == "har");
  CHECK(cap.header.created == "2024-05-01T10:00:00.000Z");  // the earliest entry
  CHECK(cap.other_versions == 1);

  const auto& a = cap.exchanges[0];
  CHECK(a.id == 1);
  CHECK(a.t_us == 1'250'000);  // 12:00:01.250+02:00 is 10:00:01.250Z
  CHECK(a.session == "page_1");
  CHECK(a.req.target == "/login?next=%2Fhome");
  CHECK(a.req.version == "1.1");
  CHECK(a.req.headers == reprise::capture::HeaderList{{"Host", "api.example.test:8443"},
                                                      {"content-type", "application/x-www-form-urlencoded"}});
  CHECK(a.req.body.data == "user=a+b&pw=x%26y");
  REQUIRE(a.res);
  CHECK(a.res->headers == reprise::capture::HeaderList{{"content-type", "image/gif"}});
  CHECK(a.res->body.data == "GIF");
  CHECK(a.res->ttfb_us ==
        10'000);  // blocked + connect + send + wait (dns -1 and ssl, inside connect, left out)
  CHECK(a.res->dur_us == 12'500);

  const auto& b = cap.exchanges[1];
  CHECK(b.t_us == 0);
  CHECK(b.session == "4711");
  CHECK(b.req.version == "1.0");
  CHECK(b.req.target == "/");
  CHECK(b.req.headers.front() == std::pair<std::string, std::string>{"Host", "h.test"});  // kept from the URL
  CHECK_FALSE(b.res);  // status 0: no response

  const auto& c = cap.exchanges[2];
  CHECK(c.session == "har");
  CHECK(c.req.headers == reprise::capture::HeaderList{{"host", "given"}});
  CHECK(c.res->dur_us == 6000);  // no `time`: the sum of the timings
  CHECK(c.res->ttfb_us == 3000);
}

TEST_CASE("malformed HAR names the JSON path and the problem") {
  CHECK(error_of(Json::array()) ==
        "in.har: not a HAR document (the top level must be an object with \"log\")");
  CHECK(error_of(Json::object()) == "in.har:log: missing");
  CHECK(error_of(Json{{"log", Json::object()}}) == "in.har:log.entries: missing");
  CHECK(error_of(Json{{"log", {{"entries", 5}}}}) == "in.har:log.entries: must be a list");

  auto with = [](const std::function<void(Json&)>& change) {
    Json e = minimal_entry();
    change(e);
    return Json{{"log", {{"entries", Json::array({minimal_entry(), e})}}}};
  };
  CHECK(error_of(with([](Json& e) { e["request"].erase("url"); })) ==
        "in.har:log.entries[1].request.url: missing");
  CHECK(error_of(with([](Json& e) { e["request"]["url"] = 7; })) ==
        "in.har:log.entries[1].request.url: must be a string");
  CHECK(error_of(with([](Json& e) { e["request"]["url"] = "example.test/a"; })) ==
        "in.har:log.entries[1].request.url: is not an absolute URL");
  CHECK(error_of(with([](Json& e) { e.erase("request"); })) == "in.har:log.entries[1].request: missing");
  CHECK(error_of(with([](Json& e) { e.erase("response"); })) == "in.har:log.entries[1].response: missing");
  CHECK(error_of(with([](Json& e) { e["startedDateTime"] = "yesterday"; })) ==
        "in.har:log.entries[1].startedDateTime: is not an ISO-8601 date and time");
  CHECK(error_of(with([](Json& e) {
          e["request"]["headers"] = Json::array({{{"name", "A"}}});
        })) == "in.har:log.entries[1].request.headers[0].value: missing");
  CHECK(error_of(with([](Json& e) { e["response"]["status"] = 42; })) ==
        "in.har:log.entries[1].response.status: is not an HTTP status");
  CHECK(error_of(with([](Json& e) {
          e["response"]["content"]["text"] = "@@@";
          e["response"]["content"]["encoding"] = "base64";
        })) == "in.har:log.entries[1].response.content.text: is not base64");
  CHECK(error_of(with([](Json& e) {
          e["response"]["content"]["text"] = "abc";
          e["response"]["_reprise"] = {{"body_size", 2}};
        })) == "in.har:log.entries[1].response._reprise.body_size: is smaller than the body");
  CHECK(error_of(with([](Json& e) {
          e["_reprise"] = {{"stream", {{"kind", "smoke"}, {"events", Json::array()}}}};
        })) == "in.har:log.entries[1]._reprise.stream.kind: must be sse or websocket");
  // Found while fuzzing (tests/fuzz/har.cpp, UBSan on corpus/har/crash-event-t_us-1e300): a number
  // no int64 holds was converted anyway (undefined behaviour), as was a time no microsecond count
  // holds.
  auto event = [](Json e) {
    return [e](Json& entry) {
      entry["_reprise"] = {{"stream", {{"kind", "sse"}, {"events", Json::array({e})}}}};
    };
  };
  CHECK(error_of(with(event({{"t_us", 1e300}, {"bytes", 1}}))) ==
        "in.har:log.entries[1]._reprise.stream.events[0].t_us: must be a whole number");
  CHECK(error_of(with(event({{"t_us", 1}, {"bytes", -5.5}}))) ==
        "in.har:log.entries[1]._reprise.stream.events[0].bytes: must be a whole number, 0 or more");
  CHECK(error_of(with([](Json& e) { e["time"] = 1e300; })) ==
        "in.har:log.entries[1].time: is more than 1e12 milliseconds");
  CHECK(error_of(with([](Json& e) {
          e["timings"] = {{"wait", 1e13}};
        })) == "in.har:log.entries[1].timings.wait: is more than 1e12 milliseconds");
}

// Found while fuzzing (tests/fuzz/capture.cpp, UBSan on corpus/capture/crash-times-that-overflow):
// export subtracted and added times a capture may hold in int64_t, overflowing.
TEST_CASE("export har: times no recording has do not overflow") {
  Exchange x;
  x.id = 1;
  x.t_us = 9223372036854775000;
  x.req = {"GET", "/", "1.1", {}, {}};
  x.res = response(200, "", -9223372036854775000, 9223372036854775000);
  auto entry = reprise::importers::har_entry(x, header(), 0);
  CHECK(entry["timings"]["receive"].get<double>() == Approx(18446744073709551.0));
  CHECK(entry["startedDateTime"] == "33658-09-27T01:46:40.000Z");  // clamped to 1e18 µs
}

TEST_CASE("read_har: a file that is not JSON is one line naming the file") {
  reprise::test::TempFile file("{\"log\": {\"entries\": [\n  {\"startedDateTime\": }\n]}}");
  try {
    read_har(file.path());
    FAIL("accepted");
  } catch (const InputError& e) {
    std::string what = e.what();
    CHECK(what.starts_with(file.path() + ": is not JSON: parse error at line 2"));
    CHECK(what.find('\n') == std::string::npos);
  }
  CHECK_THROWS_AS(read_har("/nonexistent/x.har"), InputError);
}

TEST_CASE("ISO-8601 times, with and without offsets and fractions") {
  int64_t us = 0;
  REQUIRE(parse_iso8601("1970-01-01T00:00:01Z", us));
  CHECK(us == 1'000'000);
  REQUIRE(parse_iso8601("1970-01-01T01:00:00.5+01:00", us));
  CHECK(us == 500'000);
  REQUIRE(parse_iso8601("1970-01-01T00:00:00.123456789-0030", us));
  CHECK(us == 1'800'123'456);
  CHECK_FALSE(parse_iso8601("1970-01-01 00:00:00Z", us));
  CHECK_FALSE(parse_iso8601("1970-01-01T00:00:00Zjunk", us));
  CHECK(format_iso8601(1'800'123'000) == "1970-01-01T00:30:00.123Z");
  CHECK(format_iso8601(1'800'123'456) == "1970-01-01T00:30:00.123456Z");
}

namespace {

// A HAR file of the fuzz corpus, imported, exported and imported again.
std::pair<HarCapture, HarCapture> round_trip(const std::string& corpus_file) {
  auto har = read_har(std::string(REPRISE_SOURCE_DIR) + "/tests/fuzz/corpus/har/" + corpus_file);
  std::ostringstream out;
  HarWriter writer(out, har.header);
  for (const auto& x : har.exchanges) writer.add(x);
  writer.finish();
  return {har, har_to_capture(Json::parse(out.str()), "again.har")};
}

}  // namespace

// Found by tests/fuzz/har.cpp (corpus/har/crash-dates-a-thousand-years-apart): entries 1,012 years
// apart came back from export and import at a different time when export clamped t_us to a century.
TEST_CASE("capture → HAR → capture keeps entries whose dates are a thousand years apart") {
  auto [har, again] = round_trip("crash-dates-a-thousand-years-apart");
  REQUIRE(har.exchanges.size() == 2);
  CHECK(har.exchanges[1].t_us == 31935686400877000);
  REQUIRE(again.exchanges.size() == 2);
  CHECK(again.exchanges[1].t_us == har.exchanges[1].t_us);
}

// Found by tests/fuzz/har.cpp (corpus/har/crash-upstream-that-is-no-url): a request without Host
// was exported with the upstream text as its URL's host, "http:///ws?tok127.0.0.1:33681/blob",
// which no import reads.
TEST_CASE("export har: a request without Host and an upstream that is no URL still imports again") {
  auto [har, again] = round_trip("crash-upstream-that-is-no-url");
  CHECK(har.header.upstream == "/ws?tok127.0.0.1:33681");
  REQUIRE(again.exchanges.size() == har.exchanges.size());
  CHECK(again.exchanges[4].req.target == "/blob");
}

TEST_CASE(
    "a browser's HAR: a page load is a page, each connection within it a session, an EventSource a stream") {
  auto har =
      Json::parse(R"({"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
    "pages": [{"id": "page_1"}, {"id": "page_2"}],
    "entries": [
      {"startedDateTime": "2024-05-01T10:00:00.000Z", "time": 4, "pageref": "page_1", "connection": "11",
       "_resourceType": "document",
       "request": {"method": "GET", "url": "http://h.test/", "httpVersion": "HTTP/1.1", "headers": []},
       "response": {"status": 200, "headers": [{"name": "Content-Type", "value": "text/html"}],
                    "content": {"size": 5, "mimeType": "text/html", "text": "<p>hi"}},
       "timings": {"send": 0, "wait": 3, "receive": 1}},
      {"startedDateTime": "2024-05-01T10:00:00.200Z", "time": 4000.5, "pageref": "page_1", "connection": "12",
       "_resourceType": "eventsource",
       "request": {"method": "GET", "url": "http://h.test/api/lobby/stream", "httpVersion": "HTTP/1.1", "headers": []},
       "response": {"status": 200, "headers": [{"name": "Content-Type", "value": "text/event-stream"}],
                    "content": {"size": 0, "mimeType": "text/event-stream"}},
       "timings": {"send": 0, "wait": 2, "receive": 3998.5}},
      {"startedDateTime": "2024-05-01T10:00:05.000Z", "time": 900, "pageref": "page_2", "connection": "11",
       "request": {"method": "GET", "url": "http://h.test/feed", "httpVersion": "HTTP/1.1", "headers": []},
       "response": {"status": 200, "headers": [],
                    "content": {"size": 60, "mimeType": "text/event-stream; charset=utf-8",
                                "text": "data: one\n\n: heartbeat\n\ndata: two\n\nretry: 5\n\n"}},
       "timings": {"send": 0, "wait": 7, "receive": 893}}]}})");
  auto cap = har_to_capture(har, "c.har");
  REQUIRE(cap.exchanges.size() == 3);
  const auto& page = cap.exchanges[0];
  CHECK(page.session == "page_1/11");
  CHECK(page.page == "page_1");
  CHECK(page.client.empty());  // a HAR does not say where the browser was
  CHECK_FALSE(page.stream);

  const auto& lobby = cap.exchanges[1];       // Chromium's EventSource: no body, open for `time`
  CHECK(lobby.session == "page_1/12/sse-2");  // a flow of its own, beside the page's calls
  CHECK(lobby.page == "page_1");
  REQUIRE(lobby.stream);
  CHECK(lobby.stream->kind == "sse");
  CHECK(lobby.stream->count() == 0);
  CHECK(lobby.res->dur_us == 4'000'500);

  const auto& feed = cap.exchanges[2];  // the next page reuses connection 11: another page's session
  CHECK(feed.session == "page_2/11/sse-3");
  CHECK(feed.page == "page_2");
  REQUIRE(feed.stream);
  REQUIRE(feed.stream->events.size() == 2);  // the heartbeat and the retry-only block are no events
  CHECK(feed.stream->events[0].t_us == feed.res->ttfb_us);
  CHECK(feed.stream->events[0].bytes == 11);
  CHECK(feed.stream->events[1].bytes == 24);  // the heartbeat (13 bytes) counts into the next event
}
