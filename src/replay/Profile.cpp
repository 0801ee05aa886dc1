#include "replay/Profile.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>

#include "Duration.hpp"
#include "InputError.hpp"
#include "JsonFile.hpp"
#include "metrics/RouteTags.hpp"
#include "sources/Source.hpp"

namespace reprise::replay {
namespace {

using Json = nlohmann::json;

struct Reader {
  const Json& j;
  const std::string& file;

  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    throw InputError(file, "field " + field, problem);
  }
  bool has(const char* key) const { return j.contains(key); }
  double number(const char* key, double min) const {
    const auto& v = j.at(key);
    if (!v.is_number()) fail(key, "must be a number");
    double d = v.get<double>();
    if (d < min) fail(key, "must be at least " + std::to_string(static_cast<long long>(min)));
    return d;
  }
  int whole(const char* key, int min) const {
    const auto& v = j.at(key);
    if (!v.is_number_integer()) fail(key, "must be a whole number");
    long long n = v.get<long long>();
    if (n < min || n > 10'000'000) fail(key, "must be between " + std::to_string(min) + " and 10000000");
    return static_cast<int>(n);
  }
  std::chrono::microseconds duration(const Json& v, const std::string& field) const {
    if (!v.is_string()) fail(field, "must be a duration string such as \"30s\" or \"2m\"");
    try {
      return parse_duration(v.get<std::string>(), field);
    } catch (const InputError& e) {
      std::string message = e.what();
      size_t colon = message.find(": ");
      fail(field, colon == std::string::npos ? message : message.substr(colon + 2));
    }
  }
  std::chrono::microseconds duration(const char* key) const { return duration(j.at(key), key); }
  void require(const char* key, const char* executor) const {
    if (!has(key)) fail(key, std::string("is required by the ") + executor + " executor");
  }
};

const std::map<std::string, Executor> kExecutors = {
    {"replay-timing", Executor::replay_timing},
    {"constant-vus", Executor::constant_vus},
    {"ramping-vus", Executor::ramping_vus},
    {"per-vu-iterations", Executor::per_vu_iterations},
    {"constant-arrival-rate", Executor::constant_arrival_rate},
    {"ramping-arrival-rate", Executor::ramping_arrival_rate},
};

const std::set<std::string> kKeys = {
    "executor",        "speed",      "vus",        "duration",          "rate",       "timeUnit",
    "preAllocatedVUs", "maxVUs",     "startVUs",   "startRate",         "stages",     "gracefulStop",
    "routes",          "thresholds", "identities", "correlate",         "iterations", "maxDuration",
    "thinkTime",       "capture",    "sse",        "expected_statuses", "compare",    "sources"};

std::vector<Stage> parse_stages(const Reader& r) {
  const Json& list = r.j.at("stages");
  if (!list.is_array() || list.empty()) r.fail("stages", "must be a non-empty list of {duration, target}");
  std::vector<Stage> out;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string field = "stages[" + std::to_string(i) + "]";
    const Json& s = list[i];
    if (!s.is_object() || !s.contains("duration") || !s.contains("target"))
      r.fail(field, "must be {\"duration\": \"1m\", \"target\": N}");
    if (!s["target"].is_number() || s["target"].get<double>() < 0)
      r.fail(field + ".target", "must be a number, 0 or more");
    out.push_back({r.duration(s["duration"], field + ".duration"), s["target"].get<double>()});
  }
  return out;
}

// ${env:NAME} is expanded here, once: a missing variable is the profile's mistake, said at start.
std::string expand_env(const Reader& r, const std::string& field, std::string text) {
  for (size_t at = text.find("${env:"); at != std::string::npos; at = text.find("${env:", at)) {
    size_t end = text.find('}', at);
    if (end == std::string::npos) r.fail(field, "has an unclosed ${env:NAME}");
    std::string name = text.substr(at + 6, end - at - 6);
    const char* value = std::getenv(name.c_str());
    if (!value) r.fail(field, "names the environment variable " + name + ", which is not set");
    text.replace(at, end - at + 1, value);
    at += std::strlen(value);
  }
  return text;
}

std::vector<IdentityField> parse_identities(const Reader& r) {
  const Json& all = r.j.at("identities");
  if (!all.is_object()) r.fail("identities", "must be an object {\"template\": {\"field\": \"user{vu}\"}}");
  std::vector<IdentityField> out;
  auto add = [&](const std::string& field, const Json& v, const std::string& where) {
    if (!v.is_string()) r.fail(where, "must be a string template such as \"user{vu}@test.com\"");
    out.push_back({field, expand_env(r, where, v.get<std::string>())});
  };
  for (auto it = all.begin(); it != all.end(); ++it) {
    if (it.key() == "auto") continue;
    if (it.key() != "template") {
      add(it.key(), it.value(), "identities." + it.key());
      continue;
    }
    if (!it.value().is_object()) r.fail("identities.template", "must be an object {\"field\": \"template\"}");
    for (auto f = it.value().begin(); f != it.value().end(); ++f)
      add(f.key(), f.value(), "identities.template." + f.key());
  }
  return out;
}

// "200-399,404" → {200, 399}, {404, 404}.
std::vector<std::pair<int, int>> parse_statuses(const Reader& r) {
  const Json& v = r.j.at("expected_statuses");
  const char* shape = "must be a string of statuses and ranges such as \"200-399,404\"";
  if (!v.is_string()) r.fail("expected_statuses", shape);
  std::string text = v.get<std::string>();
  std::vector<std::pair<int, int>> out;
  for (size_t start = 0; start <= text.size();) {
    size_t comma = std::min(text.find(',', start), text.size());
    std::string_view part = std::string_view(text).substr(start, comma - start);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    size_t dash = part.find('-');
    int lo = 0, hi = 0;
    auto number = [](std::string_view s, int& n) {
      auto res = std::from_chars(s.data(), s.data() + s.size(), n);
      return !s.empty() && res.ec == std::errc() && res.ptr == s.data() + s.size() && n >= 100 && n <= 599;
    };
    bool ok = dash == std::string_view::npos
                  ? number(part, lo) && number(part, hi)
                  : number(part.substr(0, dash), lo) && number(part.substr(dash + 1), hi);
    if (!ok || lo > hi) r.fail("expected_statuses", std::string(shape) + ", not '" + std::string(part) + "'");
    out.emplace_back(lo, hi);
    start = comma + 1;
  }
  return out;
}

CorrelateRules parse_correlate(const Reader& r) {
  const Json& c = r.j.at("correlate");
  const char* shape =
      "must be {\"auto\": true, \"extract\": [{\"json\": F} | {\"header\": H}], \"ignore\": [F]}";
  if (!c.is_object()) r.fail("correlate", shape);
  CorrelateRules out;
  for (auto it = c.begin(); it != c.end(); ++it) {
    const std::string field = "correlate." + it.key();
    const Json& v = it.value();
    if (it.key() == "auto") {
      if (!v.is_boolean()) r.fail(field, "must be true or false");
      out.automatic = v.get<bool>();
    } else if (it.key() == "extract" && v.is_array()) {
      for (const auto& e : v) {
        if (e.is_object() && e.size() == 1 && e.contains("json") && e["json"].is_string())
          out.json_fields.push_back(e["json"]);
        else if (e.is_object() && e.size() == 1 && e.contains("header") && e["header"].is_string())
          out.headers.push_back(e["header"]);
        else
          r.fail(field, "entries must be {\"json\": \"field\"} or {\"header\": \"Name\"}");
      }
    } else if (it.key() == "ignore" && v.is_array()) {
      for (const auto& e : v) {
        if (!e.is_string()) r.fail(field, "must be a list of JSON field names");
        out.ignore.push_back(e);
      }
    } else {
      r.fail(field, shape);
    }
  }
  return out;
}

void check_executor_options(const Reader& r, Profile& p) {
  switch (p.executor) {
    case Executor::replay_timing:
      return;
    case Executor::constant_vus:
      r.require("vus", "constant-vus");
      r.require("duration", "constant-vus");
      return;
    case Executor::ramping_vus:
      r.require("stages", "ramping-vus");
      return;
    case Executor::per_vu_iterations:
      r.require("vus", "per-vu-iterations");
      r.require("iterations", "per-vu-iterations");
      return;
    case Executor::constant_arrival_rate:
      r.require("rate", "constant-arrival-rate");
      r.require("duration", "constant-arrival-rate");
      r.require("preAllocatedVUs", "constant-arrival-rate");
      break;
    case Executor::ramping_arrival_rate:
      r.require("stages", "ramping-arrival-rate");
      r.require("preAllocatedVUs", "ramping-arrival-rate");
      break;
  }
  if (p.max_vus == 0) p.max_vus = p.pre_allocated_vus;  // k6: maxVUs defaults to preAllocatedVUs
  if (p.max_vus < p.pre_allocated_vus) r.fail("maxVUs", "must be at least preAllocatedVUs");
}

}  // namespace

const std::set<std::string>& replay_metric_names() {
  static const std::set<std::string> names = {"http_reqs",
                                              "http_req_duration",
                                              "http_req_waiting",
                                              "http_req_failed",
                                              "iterations",
                                              "dropped_iterations",
                                              "data_sent",
                                              "data_received",
                                              "vus",
                                              "vus_max",
                                              "sse_connections",
                                              "sse_events",
                                              "sse_time_to_first_event",
                                              "unexpected_status",
                                              "response_diffs"};
  return names;
}

Profile Profile::load(const std::string& path) { return parse(read_json_file(path), path); }

Profile Profile::parse(const Json& j, const std::string& file) {
  if (!j.is_object()) throw InputError(file, "", "must be a JSON object");
  Reader r{j, file};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!kKeys.count(it.key()))
      r.fail(it.key(), "is not a profile option (k6 names: vus, duration, rate, timeUnit, stages, ...)");
  Profile p;
  if (r.has("executor")) {
    if (!j["executor"].is_string() || !kExecutors.count(j["executor"].get<std::string>()))
      r.fail("executor",
             "must be one of replay-timing, constant-vus, ramping-vus, per-vu-iterations, "
             "constant-arrival-rate, "
             "ramping-arrival-rate");
    p.executor = kExecutors.at(j["executor"].get<std::string>());
  }
  if (r.has("speed")) p.speed = r.number("speed", 0);
  if (r.has("speed") && p.speed <= 0) r.fail("speed", "must be more than 0");
  if (r.has("vus")) p.vus = r.whole("vus", 1);
  if (r.has("duration")) p.duration = r.duration("duration");
  if (r.has("rate")) p.rate = r.number("rate", 0);
  if (r.has("timeUnit")) p.time_unit = r.duration("timeUnit");
  if (p.time_unit.count() <= 0) r.fail("timeUnit", "must be longer than 0");
  if (r.has("preAllocatedVUs")) p.pre_allocated_vus = r.whole("preAllocatedVUs", 1);
  if (r.has("maxVUs")) p.max_vus = r.whole("maxVUs", 1);
  if (r.has("startVUs")) p.start_vus = r.whole("startVUs", 0);
  if (r.has("startRate")) p.start_rate = r.number("startRate", 0);
  if (r.has("stages")) p.stages = parse_stages(r);
  if (r.has("gracefulStop")) p.graceful_stop = r.duration("gracefulStop");
  if (r.has("routes")) p.routes = metrics::parse_routes(j["routes"], file);
  if (r.has("sources")) p.sources = sources::parse_sources(j["sources"], replay_metric_names(), file);
  if (r.has("thresholds")) {
    p.thresholds = metrics::parse_thresholds(j.at("thresholds"),
                                             sources::with_sources(replay_metric_names(), p.sources), file);
    sources::check_source_thresholds(p.sources, p.thresholds, file);
  }
  if (r.has("iterations")) p.iterations = r.whole("iterations", 1);
  if (r.has("maxDuration")) p.max_duration = r.duration("maxDuration");
  if (r.has("thinkTime") && !(j["thinkTime"].is_string() && j["thinkTime"] == "recorded"))
    p.think_time = r.duration("thinkTime");
  if (r.has("identities")) {
    p.identities = parse_identities(r);
    if (j["identities"].contains("auto")) {
      if (!j["identities"]["auto"].is_boolean()) r.fail("identities.auto", "must be true or false");
      p.auto_identities = j["identities"]["auto"].get<bool>();
    }
  }
  if (r.has("capture")) {
    if (!j["capture"].is_string() || j["capture"].get<std::string>().empty())
      r.fail("capture", "must be the path of a capture file, relative to the profile's folder");
    std::string named = j["capture"].get<std::string>();
    size_t slash = file.rfind('/');
    p.capture =
        named.front() == '/' || slash == std::string::npos ? named : file.substr(0, slash + 1) + named;
  }
  if (r.has("sse")) {
    const Json& sse = j["sse"];
    if (!sse.is_object()) r.fail("sse", "must be an object {\"hold\": \"10m\"}");
    for (auto it = sse.begin(); it != sse.end(); ++it)
      if (it.key() != "hold") r.fail("sse." + it.key(), "is not an sse option (hold)");
    if (sse.contains("hold")) p.sse_hold = r.duration(sse["hold"], "sse.hold");
  }
  if (r.has("compare")) {
    const Json& c = j["compare"];
    if (!c.is_object())
      r.fail("compare", "must be an object {\"ignore\": [\"$.created_at\", \"X-Request-Id\"]}");
    for (auto it = c.begin(); it != c.end(); ++it)
      if (it.key() != "ignore") r.fail("compare." + it.key(), "is not a compare option (ignore)");
    if (c.contains("ignore")) {
      if (!c["ignore"].is_array() ||
          !std::all_of(c["ignore"].begin(), c["ignore"].end(), [](const Json& e) { return e.is_string(); }))
        r.fail("compare.ignore", "must be a list of JSON paths (\"$.created_at\") and header names");
      p.compare_ignore =
          compare::IgnoreRules(c["ignore"].get<std::vector<std::string>>(), file, "field compare.ignore");
    }
  }
  if (r.has("expected_statuses")) p.expected_statuses = parse_statuses(r);
  if (r.has("correlate")) p.correlate = parse_correlate(r);
  check_executor_options(r, p);
  return p;
}

void Profile::scale_time(double factor) {
  auto scale = [&](std::chrono::microseconds& d) {
    d = std::chrono::microseconds(static_cast<long long>(static_cast<double>(d.count()) * factor));
  };
  scale(duration);
  scale(graceful_stop);
  scale(max_duration);
  if (think_time) scale(*think_time);
  scale(sse_hold);
  for (auto& s : stages) scale(s.duration);
  if (executor != Executor::per_vu_iterations) scale_counts(factor);  // its count is VUs × iterations
}

void Profile::scale_counts(double factor) {
  if (executor == Executor::replay_timing) return;  // it sends the capture once, whatever the scales
  static const std::set<std::string> kCounters = {"http_reqs", "iterations", "data_sent", "data_received",
                                                  "sse_events"};
  for (auto& t : thresholds) {
    if (!kCounters.count(t.metric)) continue;
    for (auto& c : t.conditions) {
      if (c.aggregation != "count" || c.op.front() != '>') continue;  // a minimum shrinks; a maximum stays
      c.bound *= factor;
      char bound[32];
      std::snprintf(bound, sizeof bound, "%g", c.bound);
      c.text = c.aggregation + c.op + bound;
    }
  }
}

void Profile::scale_load(double factor) {
  auto vus = [&](int& n) {
    if (n > 0) n = std::max(1, static_cast<int>(std::lround(n * factor)));
  };
  vus(this->vus);
  vus(pre_allocated_vus);
  vus(max_vus);
  vus(start_vus);
  rate *= factor;
  start_rate *= factor;
  for (auto& s : stages)
    s.target = executor == Executor::ramping_vus && s.target > 0
                   ? std::max(1.0, std::round(s.target * factor))
                   : s.target * factor;
  scale_counts(factor);
}

bool failed_status(const ExpectedStatuses& expected, int status, int recorded) {
  if (status == 0) return true;
  if (expected.empty()) return status >= 400 && status != recorded;
  for (const auto& [lo, hi] : expected)
    if (status >= lo && status <= hi) return false;
  return true;
}

std::string executor_name(Executor e) {
  for (const auto& [name, value] : kExecutors)
    if (value == e) return name;
  return "?";
}

bool is_open_model(Executor e) {
  return e == Executor::constant_arrival_rate || e == Executor::ramping_arrival_rate;
}

std::chrono::microseconds Profile::total_duration() const {
  if (executor == Executor::replay_timing) return std::chrono::microseconds(0);
  if (executor == Executor::per_vu_iterations) return max_duration;
  if (executor == Executor::constant_vus || executor == Executor::constant_arrival_rate) return duration;
  std::chrono::microseconds sum{0};  // the ramping executors
  for (const auto& s : stages) sum += s.duration;
  return sum;
}

}  // namespace reprise::replay
