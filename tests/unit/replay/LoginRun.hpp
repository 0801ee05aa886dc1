// A small finished run for the tests of what is made from a RunResult (RunVerdicts, K6Summary):
// 10 s in which Login answered 200 eight times (10 ms) and 500 twice (900 ms, failed), Me once
// (5 ms). Figures only: nothing here judges or writes.
#pragma once

#include "replay/Runner.hpp"

namespace reprise::test {

inline replay::RunResult login_run() {
  replay::RunResult r;
  r.elapsed_s = 10;
  auto& s = r.stats;
  s.set_routes({{"Login", "POST"}, {"Me", "GET"}});
  auto& ok = s.tagged(0, 200);
  ok.http_reqs = 8;
  for (int i = 0; i < 8; ++i) ok.http_req_duration.record(10'000);
  auto& failed = s.tagged(0, 500);
  failed.http_reqs = failed.http_req_failed = 2;
  for (int i = 0; i < 2; ++i) failed.http_req_duration.record(900'000);
  auto& me = s.tagged(1, 200);
  me.http_reqs = 1;
  me.http_req_duration.record(5'000);
  s.http_reqs = 11;
  s.http_req_failed = 2;
  s.iterations = 20;
  for (const auto* t : {&ok, &failed, &me}) s.http_req_duration.merge(t->http_req_duration);
  return r;
}

}  // namespace reprise::test
