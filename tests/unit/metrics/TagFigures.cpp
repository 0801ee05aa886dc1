#include "metrics/TagFigures.hpp"

#include <catch2/catch.hpp>

using reprise::metrics::FiguresByTag;
using reprise::metrics::TagFigures;
using reprise::metrics::TagKey;

TEST_CASE("tag figures: threads' copies add up, a later copy minus an earlier one is the interval",
          "[metrics][figures]") {
  TagKey key{"Login", "POST", 200};
  FiguresByTag one, two;
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
  two[TagKey{"Login", "POST", 504}].http_reqs = 1;
  FiguresByTag sum;
  reprise::metrics::add_figures(sum, one);
  reprise::metrics::add_figures(sum, two);
  REQUIRE(sum.size() == 2);
  const TagFigures& s = sum.at(key);
  CHECK(s.http_reqs == 5);
  CHECK(s.data_sent == 300);
  CHECK(s.proxy_timeouts == 1);
  CHECK(s.sse_open == 3);
  CHECK(s.upstream_duration.count() == 2);

  TagFigures later = s;
  later.http_reqs += 4;
  later.sse_open = 1;
  later.upstream_duration.record(50000);
  TagFigures interval = later.since(s);
  CHECK(interval.http_reqs == 4);
  CHECK(interval.data_sent == 0);
  CHECK(interval.sse_open == 1);  // a gauge: the later value
  CHECK(interval.upstream_duration.count() == 1);
  CHECK(interval.upstream_duration.percentile(50) == Approx(50000).epsilon(0.01));
}

TEST_CASE("tag figures: add sums every counter and histogram, the gauge too", "[metrics][figures]") {
  TagFigures a, b;
  uint64_t TagFigures::*counters[] = {&TagFigures::http_reqs,      &TagFigures::http_req_failed,
                                      &TagFigures::upstream_5xx,   &TagFigures::upstream_connect_errors,
                                      &TagFigures::proxy_timeouts, &TagFigures::data_sent,
                                      &TagFigures::data_received,  &TagFigures::sse_events};
  uint64_t n = 1;
  for (auto c : counters) {
    a.*c = n;
    b.*c = 10 * n++;
  }
  a.sse_open = 2;
  b.sse_open = 3;
  a.http_req_duration.record(1000);
  b.http_req_duration.record(3000);
  b.http_req_waiting.record(500);
  a.upstream_duration.record(700);
  a.add(b);
  n = 1;
  for (auto c : counters) {
    CHECK(a.*c == 11 * n);
    ++n;
  }
  CHECK(a.sse_open == 5);
  CHECK(a.http_req_duration.count() == 2);
  CHECK(a.http_req_duration.sum() == 4000);
  CHECK(a.http_req_waiting.count() == 1);
  CHECK(a.upstream_duration.count() == 1);

  TagFigures empty;
  TagFigures same = a;
  same.add(empty);  // adding nothing changes nothing
  CHECK(same.http_reqs == a.http_reqs);
  CHECK(same.http_req_duration.count() == 2);
  CHECK(same.http_req_duration.min() == a.http_req_duration.min());
  CHECK(same.http_req_duration.max() == a.http_req_duration.max());
}

TEST_CASE("tag figures: interval counters never go below zero", "[metrics][figures]") {
  TagFigures later, earlier;
  later.http_reqs = 2;
  earlier.http_reqs = 5;  // a copy from before a restart of the counts
  CHECK(later.since(earlier).http_reqs == 0);
}

TEST_CASE("tag key: a threshold's filter picks by name, method (any case) and status", "[metrics][figures]") {
  const TagKey send{"SendMessage", "POST", 201};
  const TagKey none{"SendMessage", "POST", 0};
  CHECK(send.matches({}));
  CHECK(send.matches({{"name", "SendMessage"}, {"method", "post"}, {"status", "201"}}));
  CHECK_FALSE(send.matches({{"name", "Login"}}));
  CHECK_FALSE(send.matches({{"status", "200"}}));
  CHECK(none.matches({{"status", "0"}}));  // no answer is status 0
  CHECK_FALSE(none.matches({{"status", ""}}));
  CHECK(TagKey{"A", "GET", 200} < TagKey{"A", "GET", 404});
  CHECK(TagKey{"A", "GET", 500} < TagKey{"B", "DELETE", 200});
}
