#include "proxy/ProxyStats.hpp"

#include <catch2/catch.hpp>

using reprise::proxy::ProxyFigures;
using reprise::proxy::ProxyStats;
using reprise::proxy::SeriesFigures;
using reprise::proxy::SeriesKey;

TEST_CASE("proxy stats: one figures-set per (name, method, status), made on first use", "[proxy][stats]") {
  ProxyStats stats(std::map<std::string, std::string>{{"SendMessage", "POST /api/chat/rooms/*/messages"}});
  size_t send = stats.name_of("POST", "/api/chat/rooms/7/messages");
  size_t other = stats.name_of("GET", "/api/chat/rooms/7/messages");
  CHECK(send != other);
  SeriesFigures& a = stats.series(send, "POST", 201);
  CHECK(&stats.series(send, "POST", 201) == &a);  // found again, not made again
  CHECK(&stats.series(send, "POST", 500) != &a);
  CHECK(&stats.series(send, "PUT", 201) != &a);
  CHECK(&stats.series(other, "POST", 201) != &a);
  CHECK(&stats.series(send, "POST", 201) == &a);  // and still after others were added
  ++a.http_reqs;
  a.http_req_duration.record(1500);
  ++stats.series(other, "GET", 200).http_reqs;
  ProxyFigures copy = stats.copy();
  REQUIRE(copy.size() == 5);
  CHECK(copy.at(SeriesKey{"SendMessage", "POST", 201}).http_reqs == 1);
  CHECK(copy.at(SeriesKey{"SendMessage", "POST", 201}).http_req_duration.count() == 1);
  CHECK(copy.at(SeriesKey{"/api/chat/rooms/{id}/messages", "GET", 200}).http_reqs == 1);
}

TEST_CASE("proxy figures: threads' copies add up, a later copy minus an earlier one is the interval",
          "[proxy][stats]") {
  SeriesKey key{"Login", "POST", 200};
  ProxyFigures one, two;
  auto& a = one[key];
  a.http_reqs = 3;
  a.data_sent = 300;
  a.sse_open = 1;
  a.upstream_duration.record(1000);
  auto& b = two[key];
  b.http_reqs = 2;
  b.proxy_timeouts = 1;
  b.sse_open = 2;
  b.upstream_duration.record(3000);
  two[SeriesKey{"Login", "POST", 504}].http_reqs = 1;
  ProxyFigures sum;
  reprise::proxy::add_figures(sum, one);
  reprise::proxy::add_figures(sum, two);
  REQUIRE(sum.size() == 2);
  const SeriesFigures& s = sum.at(key);
  CHECK(s.http_reqs == 5);
  CHECK(s.data_sent == 300);
  CHECK(s.proxy_timeouts == 1);
  CHECK(s.sse_open == 3);
  CHECK(s.upstream_duration.count() == 2);

  SeriesFigures later = s;
  later.http_reqs += 4;
  later.sse_open = 1;
  later.upstream_duration.record(50000);
  SeriesFigures interval = later.since(s);
  CHECK(interval.http_reqs == 4);
  CHECK(interval.data_sent == 0);
  CHECK(interval.sse_open == 1);  // a gauge: the later value
  CHECK(interval.upstream_duration.count() == 1);
  CHECK(interval.upstream_duration.percentile(50) == Approx(50000).epsilon(0.01));
}
