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

TEST_CASE("events end at an empty line in each of the three line-end forms, across pieces") {
  SseEvents sse;
  Stream s{"sse", {}};
  for (std::string piece : {"data: a\n\nda", "ta: bb\r\n\r", "\ndata: c\r\n", "\n", "data: d\n", "\n"})
    sse.feed(piece, 7, s);
  // The second event ends at its last CR: the LF after it came in the next piece and counts there.
  CHECK(sizes(s) == std::vector<uint64_t>{9, 11, 11, 9});
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

TEST_CASE("a heartbeat is no event: its bytes count into the next event's size") {
  SseEvents sse;
  Stream s{"sse", {}};
  sse.feed(": heartbeat\n\nid: 1\nevent: m\ndata: x\ndata: y\n\nretry: 5\n\n", 0, s);
  CHECK(sizes(s) == std::vector<uint64_t>{45});
  sse.feed("data: z\n\n", 0, s);
  CHECK(sizes(s) == std::vector<uint64_t>{45, 19});  // the retry-only block's 10 bytes, then 9
}

TEST_CASE("past the stream's byte limit events are counted, not listed, even small ones") {
  SseEvents sse;
  Stream s{"sse", {}, 0, 30};
  sse.feed("data: 1\n\ndata: 2\n\n: heartbeat\n\ndata: 3\n\ndata: 4\n\n", 5, s);
  // 9 + 9 bytes listed; the third event's 22 (a heartbeat before it) would pass 30
  CHECK(sizes(s) == std::vector<uint64_t>{9, 9});
  CHECK(s.unlisted == 2);
  CHECK(s.count() == 4);
  sse.feed("d:\n\n", 6, s);  // no data field: no event
  sse.feed("data: 5\n\n", 6, s);
  CHECK(s.events.size() == 2);
  CHECK(s.count() == 5);
}
