// What response comparison reads from one answer: media type, header names, the JSON body when
// whole, the event types of a stream.
#include "compare/Answer.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "http/MessageHead.hpp"

using reprise::capture::HeaderList;
using reprise::capture::Response;
using reprise::compare::Answer;
using reprise::compare::is_json_media;
using Strings = std::vector<std::string>;

namespace {

// A recorded response; `size` more than the body's: only its start was kept.
Response response(HeaderList headers, std::string body, uint64_t size = 0, int status = 200) {
  Response r;
  r.status = status;
  r.headers = std::move(headers);
  r.body.size = size ? size : body.size();
  r.body.data = std::move(body);
  return r;
}

}  // namespace

TEST_CASE("answer: the media type is lower case, without its parameters", "[compare][answer]") {
  Answer a = Answer::recorded(response({{"Content-Type", "Application/JSON ; charset=UTF-8"}}, R"({"a":1})"));
  CHECK(a.media_type == "application/json");
  CHECK(a.has_json);
  CHECK(a.json == nlohmann::json{{"a", 1}});

  Answer plain = Answer::recorded(response({{"content-type", "TEXT/Plain"}}, "{}"));
  CHECK(plain.media_type == "text/plain");
  CHECK_FALSE(plain.has_json);  // JSON text under another media type is not read as JSON

  CHECK(Answer::recorded(response({}, "{}")).media_type.empty());
}

TEST_CASE("answer: application/json and any +json are JSON media types", "[compare][answer]") {
  CHECK(is_json_media("application/json"));
  CHECK(is_json_media("application/problem+json"));
  CHECK(is_json_media("application/vnd.api+json"));
  CHECK_FALSE(is_json_media("text/plain"));
  CHECK_FALSE(is_json_media("application/jsonl"));
  CHECK_FALSE(is_json_media("text/event-stream"));

  Answer problem =
      Answer::recorded(response({{"Content-Type", "application/problem+json"}}, R"({"title":"x"})"));
  CHECK(problem.has_json);
}

TEST_CASE("answer: header names are lower case, sorted, once each, framing headers left out",
          "[compare][answer]") {
  Answer a = Answer::recorded(response({{"Date", "Mon, 01 Jan 2024 00:00:00 GMT"},
                                        {"Content-Length", "7"},
                                        {"Server", "nginx"},
                                        {"Connection", "keep-alive"},
                                        {"Transfer-Encoding", "chunked"},
                                        {"ETag", "\"abc\""},
                                        {"X-Trace", "a"},
                                        {"x-trace", "b"},
                                        {"Cache-Control", "no-store"},
                                        {"Content-Type", "application/json"}},
                                       R"({"a":1})"));
  CHECK(a.header_names == Strings{"cache-control", "x-trace"});
}

TEST_CASE("answer: a body that is not JSON under a JSON media type has no JSON", "[compare][answer]") {
  Answer a = Answer::recorded(response({{"Content-Type", "application/json"}}, "<html>oops</html>"));
  CHECK(a.body_kept);
  CHECK_FALSE(a.has_json);
  CHECK(a.json.is_null());
}

TEST_CASE("answer: a recorded body that was cut is not compared", "[compare][answer]") {
  Answer a = Answer::recorded(response({{"Content-Type", "application/json"}}, R"({"a":)", 5000));
  CHECK_FALSE(a.body_kept);
  CHECK_FALSE(a.has_json);

  Answer whole = Answer::recorded(response({{"Content-Type", "application/json"}}, R"({"a":1})"));
  CHECK(whole.body_kept);
  CHECK(whole.has_json);
}

TEST_CASE("answer: the status is kept", "[compare][answer]") {
  CHECK(Answer::recorded(response({}, "", 0, 404)).status == 404);
  CHECK(Answer::head(503, {}).status == 503);
}

TEST_CASE("answer: event types of a recorded event stream, as a browser fires them", "[compare][answer]") {
  const std::string body =
      "event: connected\ndata: {\"user\":1}\n\n"  // a named event
      "data: hello\n\n"                           // no event field: "message"
      ": ping\n\n"                                // a comment only: no event
      "retry: 3000\n\n"                           // no data: no event
      "event: typing\r\ndata: x\r\n\r\n"          // CRLF endings
      "event: cut\ndata: y\n";                    // the stream ends inside the block: no event
  Answer a = Answer::recorded(response({{"Content-Type", "text/event-stream; charset=utf-8"}}, body));
  CHECK(a.stream);
  CHECK(a.media_type == "text/event-stream");
  CHECK(a.stream_whole);
  CHECK(a.event_types == Strings{"connected", "message", "typing"});
  CHECK_FALSE(a.has_json);
}

TEST_CASE("answer: a recorded stream cut short keeps the types of its start, not whole",
          "[compare][answer]") {
  const std::string kept = "event: connected\ndata: 1\n\ndata: 2\n\n";
  Answer a = Answer::recorded(response({{"Content-Type", "text/event-stream"}}, kept, 100000));
  CHECK(a.stream);
  CHECK_FALSE(a.stream_whole);
  CHECK(a.event_types == Strings{"connected", "message"});
}

TEST_CASE("answer: a live answer from its head, then its body or its stream", "[compare][answer]") {
  std::vector<reprise::http::Header> headers{
      {"Content-Type", "application/json; charset=utf-8"}, {"X-Request-Id", "1"}, {"Date", "now"}};
  Answer a = Answer::head_of(201, headers);
  CHECK(a.status == 201);
  CHECK(a.media_type == "application/json");
  CHECK(a.header_names == Strings{"x-request-id"});
  a.set_body(R"({"ok":true})");
  CHECK(a.has_json);
  CHECK(a.json["ok"] == true);

  Answer parsed = Answer::head(200, {{"Content-Type", "application/json"}});
  parsed.set_json(nlohmann::json::parse("[1,2]"));
  CHECK(parsed.has_json);
  parsed.set_json(nlohmann::json::parse("nope", nullptr, false));  // discarded: not JSON
  CHECK_FALSE(parsed.has_json);

  Answer s = Answer::head(200, {{"content-type", "Text/Event-Stream"}});
  CHECK(s.stream);
  s.set_stream("event: a\ndata: 1\n\nevent: b\ndata: 2\n\n", false);
  CHECK(s.event_types == Strings{"a", "b"});
  CHECK_FALSE(s.stream_whole);
}
