// Shard-like ReplayStats for the tests of ReplayStats and SummaryMerge: figures that differ in
// every field by `seed`, and a check that two sets of figures are the same in every field.
#pragma once

#include <array>
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <tuple>

#include "replay/ReplayStats.hpp"

namespace reprise::test {

using metrics::Histogram;
using replay::ReplayStats;

// A shard's figures; `seed` makes two shards differ in every field.
inline ReplayStats stats(uint64_t seed, size_t seconds) {
  ReplayStats s;
  s.iterations = 10 * seed;
  s.dropped_iterations = seed;
  s.http_reqs = 100 * seed;
  s.http_req_failed = 3 * seed;
  s.transport_errors = seed + 1;
  s.data_sent = 1000 * seed;
  s.data_received = 5000 * seed;
  s.sse_connections = seed;
  s.sse_events = 7 * seed;
  s.vus_max = 4 * seed;
  s.status[200] = 90 * seed;
  s.status[503] = 2 * seed;
  s.status[0] = seed + 1;
  for (size_t i = 0; i < seconds; ++i) {
    s.iterations_per_second.push_back(seed + i);
    s.reqs_per_second.push_back(10 * seed + i);
  }
  for (uint64_t v = 1; v <= 200 * seed; ++v) {
    s.http_req_duration.record(v * 137 * seed);
    s.http_req_waiting.record(v * 50);
  }
  s.sse_time_to_first_event.record(1000 * seed);
  // Tagged figures: a route both shards have, and a status only the second has.
  s.set_routes({{"Login", "POST"}, {"/rooms/{id}", "GET"}});
  auto& login = s.tagged(0, 200);
  login.http_reqs = 5 * seed;
  login.http_req_duration.record(2000 * seed);
  login.http_req_waiting.record(900 * seed);
  auto& rooms = s.tagged(1, seed == 1 ? 200 : 503);
  rooms.http_reqs = 7 * seed;
  rooms.http_req_failed = seed == 1 ? 0 : 7 * seed;
  rooms.http_req_duration.record(300 * seed);
  return s;
}

// The tagged figures by name, method and status: requests, failures, durations' count and sum.
inline std::map<std::tuple<std::string, std::string, int>, std::array<uint64_t, 5>> tagged(
    const ReplayStats& s) {
  std::map<std::tuple<std::string, std::string, int>, std::array<uint64_t, 5>> out;
  for (const auto& t : s.tags) {
    const auto& key = s.routes[static_cast<size_t>(t.route)];
    out[{key.name, key.method, t.status}] = {
        t.figures.http_reqs, t.figures.http_req_failed, t.figures.http_req_duration.count(),
        t.figures.http_req_duration.sum(), t.figures.http_req_waiting.sum()};
  }
  return out;
}

// Every figure of `a` and `b` is the same; histograms by count, min, max, sum and percentiles.
inline void check_same(const ReplayStats& a, const ReplayStats& b) {
  CHECK(a.iterations == b.iterations);
  CHECK(a.dropped_iterations == b.dropped_iterations);
  CHECK(a.http_reqs == b.http_reqs);
  CHECK(a.http_req_failed == b.http_req_failed);
  CHECK(a.transport_errors == b.transport_errors);
  CHECK(a.data_sent == b.data_sent);
  CHECK(a.data_received == b.data_received);
  CHECK(a.sse_connections == b.sse_connections);
  CHECK(a.sse_events == b.sse_events);
  CHECK(a.vus_max == b.vus_max);
  CHECK(a.status == b.status);
  CHECK(a.iterations_per_second == b.iterations_per_second);
  CHECK(a.reqs_per_second == b.reqs_per_second);
  CHECK(tagged(a) == tagged(b));
  for (auto m : {&ReplayStats::http_req_duration, &ReplayStats::http_req_waiting,
                 &ReplayStats::sse_time_to_first_event}) {
    const Histogram& x = a.*m;
    const Histogram& y = b.*m;
    CHECK(x.count() == y.count());
    CHECK(x.min() == y.min());
    CHECK(x.max() == y.max());
    CHECK(x.sum() == y.sum());
    for (double p : {50.0, 90.0, 95.0, 99.0, 99.9}) CHECK(x.percentile(p) == y.percentile(p));
  }
}

}  // namespace reprise::test
