#include "metrics/TagSeries.hpp"

#include <catch2/catch.hpp>

using reprise::metrics::FiguresByTag;
using reprise::metrics::TagFigures;
using reprise::metrics::TagKey;
using reprise::metrics::TagSeries;

TEST_CASE("tag series: one figures-set per (name, method, status), made on first use", "[metrics][series]") {
  TagSeries stats(std::map<std::string, std::string>{{"SendMessage", "POST /api/chat/rooms/*/messages"}});
  size_t send = stats.name_of("POST", "/api/chat/rooms/7/messages");
  size_t other = stats.name_of("GET", "/api/chat/rooms/7/messages");
  CHECK(send != other);
  TagFigures& a = stats.series(send, "POST", 201);
  CHECK(&stats.series(send, "POST", 201) == &a);  // found again, not made again
  CHECK(&stats.series(send, "POST", 500) != &a);
  CHECK(&stats.series(send, "PUT", 201) != &a);
  CHECK(&stats.series(other, "POST", 201) != &a);
  CHECK(&stats.series(send, "POST", 201) == &a);  // and still after others were added
  ++a.http_reqs;
  a.http_req_duration.record(1500);
  ++stats.series(other, "GET", 200).http_reqs;
  FiguresByTag copy = stats.copy();
  REQUIRE(copy.size() == 5);
  CHECK(copy.at(TagKey{"SendMessage", "POST", 201}).http_reqs == 1);
  CHECK(copy.at(TagKey{"SendMessage", "POST", 201}).http_req_duration.count() == 1);
  CHECK(copy.at(TagKey{"/api/chat/rooms/{id}/messages", "GET", 200}).http_reqs == 1);
}
