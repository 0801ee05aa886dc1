#include <catch2/catch.hpp>
#include <string>

#include "faults/FakeExchange.hpp"

using namespace reprise::faults;
using namespace reprise::faults::test;

namespace {

// What of `stream`, fed in `pieces` of the given size, goes out before the cut.
std::string passed(FaultAction& cutter, const std::string& stream, size_t piece_size, bool& cut) {
  std::string out;
  for (size_t at = 0; at < stream.size() && !cut; at += piece_size) {
    std::string_view piece = std::string_view(stream).substr(at, piece_size);
    out += piece.substr(0, cutter.pass(piece, cut));
  }
  return out;
}

}  // namespace

TEST_CASE("sse_drop: watches event streams only", "[faults]") {
  auto hits = hit(R"("sse_drop": {"after_events": 2})");
  CHECK(hits.body_cutter("text/event-stream; charset=utf-8") != nullptr);
  CHECK(hits.body_cutter("application/json") == nullptr);
}

TEST_CASE("sse_drop: cuts after the Nth event a browser dispatches, in any piece size", "[faults]") {
  const std::string stream =
      ": hello\n\ndata: 1\n\nretry: 10\n\nevent: m\ndata: 2\r\n\r\ndata: 3\n\ndata: 4\n\n";
  const std::string expected = ": hello\n\ndata: 1\n\nretry: 10\n\nevent: m\ndata: 2\r\n\r\ndata: 3\n\n";
  for (size_t size : {1, 2, 3, 7, 100}) {
    auto hits = hit(R"("sse_drop": {"after_events": 3})");
    auto* cutter = hits.body_cutter("text/event-stream");
    REQUIRE(cutter != nullptr);
    bool cut = false;
    CHECK(passed(*cutter, stream, size, cut) == expected);
    CHECK(cut);
  }
}

TEST_CASE("sse_drop: a time limit sets when the stream is cut", "[faults]") {
  auto hits = hit(R"("sse_drop": {"after": "10s"})");
  auto before = std::chrono::steady_clock::now();
  auto* cutter = hits.body_cutter("text/event-stream");
  REQUIRE(cutter != nullptr);
  CHECK(cutter->cut_at() >= before + std::chrono::seconds(10));
  bool cut = false;
  CHECK(passed(*cutter, "data: 1\n\ndata: 2\n\n", 4, cut) == "data: 1\n\ndata: 2\n\n");
  CHECK_FALSE(cut);
}

TEST_CASE("sse_drop: needs a count or a time", "[faults]") {
  CHECK(error_of(R"({"faults": [{"name": "x", "sse_drop": {}}]})") ==
        "faults.json:field faults[0].sse_drop: needs \"after_events\" or \"after\"");
}
