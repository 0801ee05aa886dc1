#include "replay/ReplayStats.hpp"

#include <algorithm>

#include "InputError.hpp"

namespace reprise::replay {
namespace {

// The counters and histograms by name, so that writing, reading and merging name each once.
constexpr std::pair<const char*, uint64_t ReplayStats::*> kCounters[] = {
    {"iterations", &ReplayStats::iterations},
    {"dropped_iterations", &ReplayStats::dropped_iterations},
    {"http_reqs", &ReplayStats::http_reqs},
    {"http_req_failed", &ReplayStats::http_req_failed},
    {"transport_errors", &ReplayStats::transport_errors},
    {"data_sent", &ReplayStats::data_sent},
    {"data_received", &ReplayStats::data_received},
    {"sse_connections", &ReplayStats::sse_connections},
    {"sse_events", &ReplayStats::sse_events},
    {"interrupted", &ReplayStats::interrupted},
    {"bodies_too_big", &ReplayStats::bodies_too_big},
    {"interrupted_iterations", &ReplayStats::interrupted_iterations},
};
constexpr std::pair<const char*, metrics::Histogram ReplayStats::*> kHistograms[] = {
    {"http_req_duration", &ReplayStats::http_req_duration},
    {"http_req_waiting", &ReplayStats::http_req_waiting},
    {"sse_time_to_first_event", &ReplayStats::sse_time_to_first_event},
};

void add_series(std::vector<uint64_t>& into, const std::vector<uint64_t>& from) {
  if (into.size() < from.size()) into.resize(from.size());
  for (size_t i = 0; i < from.size(); ++i) into[i] += from[i];
}

}  // namespace

void ReplayStats::set_tags(const std::vector<std::string>& names) {
  tag_names = names;
  tags = std::vector<TagStats>(names.size());
}

TagStats& ReplayStats::tag(const std::string& name) {
  for (size_t i = 0; i < tag_names.size(); ++i)
    if (tag_names[i] == name) return tags[i];
  tag_names.push_back(name);
  tags.emplace_back();
  return tags.back();
}

void ReplayStats::count_at(std::vector<uint64_t>& per_second, int64_t us) {
  size_t second = us <= 0 ? 0 : static_cast<size_t>(us / 1'000'000);
  if (second >= per_second.size()) per_second.resize(second + 1);
  ++per_second[second];
}

void ReplayStats::merge(const ReplayStats& o) {
  for (auto [name, m] : kCounters) this->*m += o.*m;
  vus_max += o.vus_max;
  for (size_t i = 0; i < status.size(); ++i) status[i] += o.status[i];
  add_series(iterations_per_second, o.iterations_per_second);
  add_series(reqs_per_second, o.reqs_per_second);
  for (auto [name, m] : kHistograms) (this->*m).merge(o.*m);
  sse_open_peak += o.sse_open_peak;
  for (size_t i = 0; i < o.tags.size(); ++i) {
    TagStats& t = tag(o.tag_names[i]);
    t.http_reqs += o.tags[i].http_reqs;
    t.http_req_failed += o.tags[i].http_req_failed;
    t.http_req_duration.merge(o.tags[i].http_req_duration);
    t.http_req_waiting.merge(o.tags[i].http_req_waiting);
  }
}

void ReplayStats::write(nlohmann::ordered_json& j) const {
  auto& counters = j["counters"] = nlohmann::ordered_json::object();
  for (auto [name, m] : kCounters) counters[name] = this->*m;
  j["vus_max"] = vus_max;
  auto& by_status = j["status"] = nlohmann::ordered_json::object();
  for (size_t code = 0; code < status.size(); ++code)
    if (status[code]) by_status[code == 0 ? "none" : std::to_string(code)] = status[code];
  j["per_second"] = {{"iterations", iterations_per_second}, {"http_reqs", reqs_per_second}};
  auto& histograms = j["histograms"] = nlohmann::ordered_json::object();
  for (auto [name, m] : kHistograms)
    histograms[name] = nlohmann::ordered_json::parse((this->*m).to_json().dump());
  j["sse_open_peak"] = sse_open_peak;
  auto& by_tag = j["tags"] = nlohmann::ordered_json::object();
  for (size_t i = 0; i < tags.size(); ++i) {
    if (tags[i].http_reqs == 0) continue;
    by_tag[tag_names[i]] = {
        {"http_reqs", tags[i].http_reqs},
        {"http_req_failed", tags[i].http_req_failed},
        {"http_req_duration", nlohmann::ordered_json::parse(tags[i].http_req_duration.to_json().dump())},
        {"http_req_waiting", nlohmann::ordered_json::parse(tags[i].http_req_waiting.to_json().dump())}};
  }
}

void ReplayStats::add_summary(const nlohmann::json& j, const std::string& file) {
  auto need = [&](const char* key, bool ok) {
    if (!ok) throw InputError(file, std::string("field ") + key, "is missing or has the wrong type");
  };
  need("counters", j.contains("counters") && j["counters"].is_object());
  for (auto [name, m] : kCounters) {
    const auto& c = j["counters"];
    need(name, c.contains(name) && c[name].is_number_unsigned());
    this->*m += c[name].get<uint64_t>();
  }
  need("vus_max", j.contains("vus_max") && j["vus_max"].is_number_unsigned());
  vus_max += j["vus_max"].get<uint64_t>();
  need("status", j.contains("status") && j["status"].is_object());
  for (auto it = j["status"].begin(); it != j["status"].end(); ++it) {
    int code = -1;
    const std::string& key = it.key();
    if (key == "none")
      code = 0;
    else if (key.size() == 3 &&
             std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; }))
      code = std::stoi(key);
    need("status", code >= 0 && code < static_cast<int>(status.size()) && it.value().is_number_unsigned());
    status[static_cast<size_t>(code)] += it.value().get<uint64_t>();
  }
  need("per_second", j.contains("per_second") && j["per_second"].is_object());
  for (auto [key, series] :
       {std::pair{"iterations", &iterations_per_second}, std::pair{"http_reqs", &reqs_per_second}}) {
    const auto& s = j["per_second"];
    need(key, s.contains(key) && s[key].is_array());
    std::vector<uint64_t> values;
    for (const auto& v : s[key]) {
      need(key, v.is_number_unsigned());
      values.push_back(v.get<uint64_t>());
    }
    add_series(*series, values);
  }
  need("sse_open_peak", j.contains("sse_open_peak") && j["sse_open_peak"].is_number_unsigned());
  sse_open_peak += j["sse_open_peak"].get<uint64_t>();
  need("tags", j.contains("tags") && j["tags"].is_object());
  for (auto it = j["tags"].begin(); it != j["tags"].end(); ++it) {
    const auto& t = it.value();
    std::string field = "tags." + it.key();
    need("tags", t.is_object() && t.contains("http_reqs") && t["http_reqs"].is_number_unsigned() &&
                     t.contains("http_req_failed") && t["http_req_failed"].is_number_unsigned() &&
                     t.contains("http_req_duration") && t.contains("http_req_waiting"));
    TagStats& into = tag(it.key());
    into.http_reqs += t["http_reqs"].get<uint64_t>();
    into.http_req_failed += t["http_req_failed"].get<uint64_t>();
    into.http_req_duration.merge(
        metrics::Histogram::from_json(t["http_req_duration"], file, field + ".http_req_duration"));
    into.http_req_waiting.merge(
        metrics::Histogram::from_json(t["http_req_waiting"], file, field + ".http_req_waiting"));
  }
  need("histograms", j.contains("histograms") && j["histograms"].is_object());
  for (auto [name, m] : kHistograms) {
    need(name, j["histograms"].contains(name));
    (this->*m).merge(
        metrics::Histogram::from_json(j["histograms"][name], file, std::string("histograms.") + name));
  }
}

}  // namespace reprise::replay
