#include "capture/SseEvents.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using reprise::capture::SseEvents;
using reprise::capture::Stream;

namespace {

std::vector<uint64_t> sizes(const Stream& s) {
  std::vector<uint64_t> out;
  for (const auto& e : s.events) out.push_back(e.bytes);
  return out;
}

}  // namespace

TEST_CASE("an event stream Content-Type is told in any case, with or without parameters") {
  CHECK(SseEvents::is_event_stream("text/event-stream"));
  CHECK(SseEvents::is_event_stream("text/event-stream; charset=utf-8"));
  CHECK(SseEvents::is_event_stream("Text/Event-Stream"));
  CHECK_FALSE(SseEvents::is_event_stream("text/plain"));
  CHECK_FALSE(SseEvents::is_event_stream("text/event"));
  CHECK_FALSE(SseEvents::is_event_stream(""));
}

TEST_CASE("events end at an empty line in each of the three line-end forms, across pieces") {
  SseEvents sse;
  Stream s{"sse", {}};
  for (std::string piece : {"data: a\n\nda", "ta: bb\r\n\r", "\ndata: c\r\n", "\n", "data: d\n", "\n"})
    sse.feed(piece, 7, s);
  CHECK(sizes(s) == std::vector<uint64_t>{9, 12, 10, 9});
  for (const auto& e : s.events) {
    CHECK(e.dir == 'd');
    CHECK(e.t_us == 7);
  }
}

TEST_CASE("each event carries the time of the piece that ended it, and a cut event is not counted") {
  SseEvents sse;
  Stream s{"sse", {}};
  sse.feed("data: 1\n\ndata: 2\n", 100, s);
  sse.feed("\nevent: x\ndata: 3\n\ndata: cut", 250, s);
  REQUIRE(s.events.size() == 3);
  CHECK(s.events[0].t_us == 100);
  CHECK(s.events[1].t_us == 250);  // ended by the second piece's first byte
  CHECK(s.events[2].t_us == 250);
  CHECK(sizes(s) == std::vector<uint64_t>{9, 9, 18});
}

TEST_CASE("a comment or heartbeat is an event; single line ends inside an event are not") {
  SseEvents sse;
  Stream s{"sse", {}};
  sse.feed(": heartbeat\n\nid: 1\nevent: m\ndata: x\ndata: y\n\n", 0, s);
  CHECK(sizes(s) == std::vector<uint64_t>{13, 32});
}
