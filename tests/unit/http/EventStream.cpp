#include "http/EventStream.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using reprise::http::event_types;
using reprise::http::EventStreamScanner;
using reprise::http::is_event_stream;
using Types = std::vector<std::string>;

namespace {

struct Seen {
  std::vector<size_t> ends;  // in the bytes fed last
  std::vector<bool> dispatched;
};

Seen feed(EventStreamScanner& s, std::string_view bytes) {
  Seen seen;
  s.feed(bytes, [&](EventStreamScanner::Block b) {
    seen.ends.push_back(b.end);
    seen.dispatched.push_back(b.dispatched);
  });
  return seen;
}

uint64_t events_in(std::string_view stream) {
  EventStreamScanner s;
  s.feed(stream);
  return s.events();
}

}  // namespace

TEST_CASE("only blocks with a data field are events, as a browser dispatches them") {
  EventStreamScanner s;
  auto seen = feed(s, ": heartbeat\n\nretry: 3000\n\nid: 7\nevent: x\n\ndata: a\n\n");
  CHECK(seen.ends == std::vector<size_t>{13, 26, 42, 51});
  CHECK(seen.dispatched == std::vector<bool>{false, false, false, true});
  CHECK(s.events() == 1);
  CHECK(s.blocks() == 4);
}

TEST_CASE("a data field is told from other fields by its whole name") {
  CHECK(events_in("data\n\n") == 1);  // no colon: the field's value is empty
  CHECK(events_in("data:\n\n") == 1);
  CHECK(events_in("data:x\n\n") == 1);
  CHECK(events_in("event: data\n\n") == 0);
  CHECK(events_in("dat: x\n\n") == 0);
  CHECK(events_in("datas: x\n\n") == 0);
  CHECK(events_in(" data: x\n\n") == 0);  // a field name starts the line
  CHECK(events_in(":data: x\n\n") == 0);  // a comment
  CHECK(events_in("Data: x\n\n") == 0);   // names are case-sensitive
  CHECK(events_in("id: 1\ndata: x\nretry: 5\n\n") == 1);
}

TEST_CASE("lines end in LF, CR LF or a lone CR; extra blank lines end no block") {
  CHECK(events_in("data: a\n\ndata: b\r\n\r\ndata: c\r\rdata: d\r\n\n") == 4);
  EventStreamScanner s;
  s.feed("data: a\n\n\n\n\r\n");
  CHECK(s.blocks() == 1);
}

TEST_CASE("a CR LF split across two feeds is one line end") {
  EventStreamScanner s;
  s.feed("data: a\r");
  s.feed("\n");
  CHECK(s.events() == 0);  // one line ended, no blank line yet
  auto seen = feed(s, "\r\n");
  CHECK(s.events() == 1);
  CHECK(seen.ends == std::vector<size_t>{2});  // the LF that came with the CR ends it too
}

TEST_CASE("blocks are found across feeds of any size, one byte at a time too") {
  const std::string stream = ": hi\n\nevent: m\ndata: 1\n\ndata: 2\r\n\r\nretry: 9\n\ndata: 3\n\n";
  EventStreamScanner whole;
  whole.feed(stream);
  EventStreamScanner bytewise;
  for (char c : stream) bytewise.feed(std::string_view(&c, 1));
  CHECK(whole.events() == 3);
  CHECK(whole.blocks() == 5);
  CHECK(bytewise.events() == whole.events());
  CHECK(bytewise.blocks() == whole.blocks());
}

TEST_CASE("a leading BOM is skipped; a block the stream ends inside is no event") {
  CHECK(events_in("\xEF\xBB\xBF"
                  "data: x\n\n") == 1);
  CHECK(events_in("data: x\n") == 0);
  CHECK(events_in("data: x") == 0);
}

TEST_CASE("an event stream Content-Type is told in any case, with parameters") {
  CHECK(is_event_stream("text/event-stream"));
  CHECK(is_event_stream("Text/Event-Stream; charset=utf-8"));
  CHECK_FALSE(is_event_stream("text/plain"));
  CHECK_FALSE(is_event_stream("text/event"));
}

TEST_CASE("a BOM cut short begins the first line, which is then no data field") {
  CHECK(events_in("\xEF"
                  "data: x\n\ndata: y\n\n") == 1);
  CHECK(events_in("\xEF\xBB"
                  "data: x\n\n") == 0);
}

TEST_CASE("rewrite_event_data hands each run of data lines over joined, and keeps the framing") {
  using reprise::http::rewrite_event_data;
  std::vector<std::string> seen;
  auto upper = [&](std::string& data) {
    seen.push_back(data);
    for (char& c : data) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  };
  std::string stream =
      "\xEF\xBB\xBF: hi\r\nevent: e\r\ndata: one\r\ndata:two\r\nid: 1\r\n\r\ndata: three\rdata";
  CHECK(rewrite_event_data(stream, upper) ==
        "\xEF\xBB\xBF: hi\r\nevent: e\r\ndata: ONE\r\ndata:TWO\r\nid: 1\r\n\r\ndata: THREE\rdata");
  CHECK(seen == std::vector<std::string>{"one\ntwo", "three"});
  // An edit that joins lines writes fewer data lines; the last keeps the run's last ending.
  auto join = [](std::string& data) { data = "joined"; };
  CHECK(rewrite_event_data("data: a\ndata: b\r\n\r\n", join) == "data: joined\r\n\r\n");
  // A data line cut at the end keeps having no ending.
  CHECK(rewrite_event_data("data: cut", upper) == "data: CUT");
  CHECK(rewrite_event_data("", upper).empty());
}

TEST_CASE("event_types: each dispatched block's type, its last event field or \"message\"",
          "[http][compare]") {
  CHECK(event_types("event: connected\ndata: {\"user\":1}\n\ndata: hello\n\n") ==
        Types{"connected", "message"});
  CHECK(event_types("event: a\nevent: b\ndata: 1\n\n") == Types{"b"});  // the last one counts
  CHECK(event_types("event:tight\ndata: 1\n\n") == Types{"tight"});     // no space after the colon
  CHECK(event_types("event:\ndata: 1\n\n") == Types{"message"});        // an empty type
  CHECK(event_types("event: x\ndata\n\n") == Types{"x"});               // "data" alone is a data field
  CHECK(event_types("data: 1\nevent: late\n\n") == Types{"late"});      // anywhere in the block
  CHECK(event_types("").empty());
}

TEST_CASE("event_types: blocks without data are no events, and their type is not carried over",
          "[http][compare]") {
  CHECK(event_types(": ping\n\n").empty());
  CHECK(event_types("retry: 3000\n\nid: 4\n\n").empty());
  CHECK(event_types("event: x\n\ndata: 1\n\n") == Types{"message"});
  CHECK(event_types(": ping\n\nevent: a\ndata: 1\n\n: ping\n\ndata: 2\n\n") == Types{"a", "message"});
  CHECK(event_types("event: x\n: a comment\ndata: 1\n\n") == Types{"x"});
  CHECK(event_types("event: x\nEvent: y\ndata: 1\n\n") == Types{"x"});   // names are case-sensitive
  CHECK(event_types("event: x\nevents: y\ndata: 1\n\n") == Types{"x"});  // by their whole name
}

TEST_CASE("event_types: a block the stream ends inside is no event", "[http][compare]") {
  CHECK(event_types("data: 1\n\nevent: cut\ndata: 2\n") == Types{"message"});
  CHECK(event_types("event: a\ndata: 1").empty());
  CHECK(event_types("event: a\ndata: 1\n").empty());
}

TEST_CASE("event_types: CRLF, lone CR and LF endings, a leading BOM", "[http][compare]") {
  CHECK(event_types("event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\revent: c\ndata: 3\n\n") ==
        Types{"a", "b", "c"});
  CHECK(event_types("event: a\r\ndata: 1\r\n\r\n") == Types{"a"});  // the CR is not part of the type
  CHECK(event_types("\xEF\xBB\xBF"
                    "event: first\ndata: 1\n\n") == Types{"first"});
}

TEST_CASE("event_types: an event line without a colon empties the type, as a browser reads it",
          "[http][compare]") {
  // The HTML standard: a line without a colon is a field with that name and an empty value; an
  // empty event type dispatches as "message".
  CHECK(event_types("event: a\nevent\ndata: 1\n\n") == Types{"message"});
}
