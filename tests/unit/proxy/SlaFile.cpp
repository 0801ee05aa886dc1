#include "proxy/SlaFile.hpp"

#include <catch2/catch.hpp>

#include "InputError.hpp"
#include "TempFile.hpp"

using reprise::InputError;
using reprise::proxy::read_routes_file;
using reprise::proxy::read_sla_file;
using reprise::test::TempFile;
using namespace std::chrono_literals;

namespace {

// The one line a bad SLA file gives.
std::string problem(const std::string& contents) {
  TempFile file(contents);
  try {
    read_sla_file(file.path());
  } catch (const InputError& e) {
    std::string what = e.what();
    CHECK(what.starts_with(file.path()));
    CHECK(what.find('\n') == std::string::npos);
    return what.substr(file.path().size());
  }
  FAIL("no error for " << contents);
  return "";
}

}  // namespace

TEST_CASE("sla file: window, routes and k6's thresholds", "[proxy][sla]") {
  TempFile file(R"({"window": "1m30s", "routes": {"SendMessage": "POST /api/chat/rooms/*/messages"},
                    "thresholds": {"http_req_duration{name:SendMessage}": ["p(95)<500", "p(99)<1000"],
                                   "http_req_failed": ["rate<0.01"], "upstream_duration": ["avg<100"],
                                   "proxy_timeouts": ["count<1"], "sse_connections": ["value<10000"]}})");
  auto sla = read_sla_file(file.path());
  CHECK(sla.window == 90s);
  CHECK(sla.window_text == "1m30s");
  CHECK(sla.routes.at("SendMessage") == "POST /api/chat/rooms/*/messages");
  CHECK(sla.thresholds.size() == 5);

  TempFile defaults(R"({"thresholds": {"http_reqs": ["count>0"]}})");
  CHECK(read_sla_file(defaults.path()).window == 60s);
}

TEST_CASE("sla file: each mistake is one line naming the field", "[proxy][sla]") {
  CHECK(problem("{").starts_with(": is not JSON: parse error"));
  CHECK(problem("[]") == ": must be a JSON object");
  CHECK(problem(R"({"window": "soon", "thresholds": {}})")
            .starts_with(":field window: 'soon' is not a duration"));
  CHECK(problem(R"({"window": 60, "thresholds": {}})") ==
        ":field window: must be a duration such as \"60s\"");
  CHECK(problem(R"({"window": "500ms", "thresholds": {}})") ==
        ":field window: '500ms' is shorter than the 1s between snapshots");
  CHECK(problem(R"({"windows": "60s", "thresholds": {}})") ==
        ":field windows: is not window, routes, thresholds or sources");
  CHECK(problem(R"({"window": "60s"})") == ":field thresholds: is missing: nothing to judge");
  CHECK(problem(R"({"routes": {"X": "/no/method"}, "thresholds": {}})") ==
        ":field routes.X: must be \"METHOD /path/*/pattern\"");
  CHECK(problem(R"({"thresholds": {"iterations": ["count>1"]}})")
            .starts_with(":field thresholds.iterations: names no metric reprise measures here"));
  CHECK(problem(R"({"thresholds": {"http_req_duration": ["p95<1"]}})")
            .starts_with(":field thresholds.http_req_duration: 'p95<1'"));
  CHECK(problem(R"({"thresholds": {"http_reqs{vu:1}": ["count>1"]}})")
            .starts_with(":field thresholds.http_reqs{vu:1}: filters by the tag 'vu'"));
}

TEST_CASE("routes file: the routes block of any JSON object", "[proxy][sla]") {
  TempFile profile(R"({"executor": "constant-vus", "routes": {"Login": "POST /api/users/login"}})");
  CHECK(read_routes_file(profile.path()).at("Login") == "POST /api/users/login");
  TempFile none(R"({"executor": "constant-vus"})");
  CHECK_THROWS_WITH(read_routes_file(none.path()), none.path() + ":field routes: is missing");
  CHECK_THROWS_WITH(read_routes_file("/nonexistent/routes.json"),
                    "/nonexistent/routes.json: cannot be read: No such file or directory");
}

// Found by tests/fuzz/sla.cpp (corpus/sla/crash-number-overflow): a number no double holds threw
// nlohmann's out_of_range past every catch, and reprise aborted instead of saying what was wrong.
TEST_CASE("sla file: a number too large for a double is one line, not an abort", "[proxy][sla]") {
  CHECK(problem("2002e22222222222222222222222000do}+\n") ==
        ": is not JSON: number overflow parsing '2002e22222222222222222222222000'");
  CHECK(problem(R"({"window": "60s", "thresholds": {"http_reqs": ["count>1"]}, "limit": 1e400})") ==
        ": is not JSON: number overflow parsing '1e400'");
}
