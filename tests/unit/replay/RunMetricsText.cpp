#include "replay/RunMetricsText.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "proxy/ProxyMetricsText.hpp"
#include "replay/RunVerdicts.hpp"

using Catch::Matchers::Contains;
using reprise::replay::RunResult;

namespace {

std::string line_starting(const std::string& text, const std::string& start) {
  size_t at = text.find(start);
  return at == std::string::npos ? "" : text.substr(at, text.find('\n', at) - at);
}

// 4 s of a run: 10 requests named Login, 2 of them failed.
RunResult run_so_far() {
  RunResult r;
  r.elapsed_s = 4;
  r.stats.set_routes({{"Login", "POST"}});
  auto& ok = r.stats.tagged(0, 200);
  ok.http_reqs = 8;
  auto& failed = r.stats.tagged(0, 500);
  failed.http_reqs = failed.http_req_failed = 2;
  r.stats.http_reqs = 10;
  r.stats.http_req_failed = 2;
  return r;
}

}  // namespace

TEST_CASE("replay metrics: the profile's thresholds judged on the run so far", "[replay][prometheus]") {
  auto thresholds = reprise::metrics::parse_thresholds(
      nlohmann::json::parse(R"({"http_req_failed": ["rate<0.1"], "http_reqs{name:Login}": ["count>5"],
                                "http_req_duration{name:Nobody}": ["p(95)<100"]})"),
      {"http_reqs", "http_req_failed", "http_req_duration"}, "profile.json");
  const RunResult so_far = run_so_far();
  const std::string text =
      reprise::replay::prometheus_text(so_far, reprise::replay::judge_run(thresholds, so_far));
  CHECK_THAT(text,
             Contains("reprise_threshold_ok{threshold=\"http_req_failed\",condition=\"rate<0.1\"} 0\n"));
  CHECK_THAT(text,
             Contains("reprise_threshold_value{threshold=\"http_req_failed\",condition=\"rate<0.1\"} 0.2\n"));
  CHECK_THAT(text,
             Contains("reprise_threshold_ok{threshold=\"http_reqs{name:Login}\",condition=\"count>5\"} 1\n"));
  CHECK_THAT(
      text,
      Contains("reprise_threshold_value{threshold=\"http_reqs{name:Login}\",condition=\"count>5\"} 10\n"));
  // nothing measured yet for Nobody: not failing, no value (the end of the run still judges it)
  CHECK_THAT(
      text,
      Contains(
          "reprise_threshold_ok{threshold=\"http_req_duration{name:Nobody}\",condition=\"p(95)<100\"} 1\n"));
  CHECK_THAT(text, !Contains("reprise_threshold_value{threshold=\"http_req_duration{name:Nobody}\""));

  // One name, one type and one HELP text with the proxy's page.
  std::vector<reprise::proxy::SlaVerdict> sla(1);
  sla[0].threshold = "http_req_failed";
  sla[0].condition = "rate<0.01";
  sla[0].measured = 0.5;
  const std::string proxy = reprise::proxy::prometheus_text({}, sla, {});
  for (const char* line : {"# HELP reprise_threshold_ok ", "# TYPE reprise_threshold_ok ",
                           "# HELP reprise_threshold_value ", "# TYPE reprise_threshold_value "}) {
    INFO(line);
    CHECK(line_starting(text, line) == line_starting(proxy, line));
    CHECK_FALSE(line_starting(text, line).empty());
  }
}

TEST_CASE("replay metrics: no thresholds, no threshold families", "[replay][prometheus]") {
  CHECK_THAT(reprise::replay::prometheus_text(run_so_far()), !Contains("reprise_threshold"));
}
