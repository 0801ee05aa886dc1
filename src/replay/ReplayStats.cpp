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
  need("histograms", j.contains("histograms") && j["histograms"].is_object());
  for (auto [name, m] : kHistograms) {
    need(name, j["histograms"].contains(name));
    (this->*m).merge(
        metrics::Histogram::from_json(j["histograms"][name], file, std::string("histograms.") + name));
  }
}

}  // namespace reprise::replay
