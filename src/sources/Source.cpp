#include "sources/Source.hpp"

#include <algorithm>

#include "Duration.hpp"
#include "InputError.hpp"
#include "http/PercentEncoding.hpp"
#include "sources/PrometheusAnswer.hpp"

namespace reprise::sources {
namespace {

using Json = nlohmann::json;

bool metric_name(const std::string& s) {
  auto first = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; };
  return !s.empty() && first(s[0]) && std::all_of(s.begin() + 1, s.end(), [&](char c) {
    return first(c) || std::isdigit(static_cast<unsigned char>(c));
  });
}

class Reader {
 public:
  Reader(const Json& j, std::string field, std::string file)
      : j_(j), field_(std::move(field)), file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    throw InputError(file_, "field " + field_ + (key.empty() ? "" : "." + key), problem);
  }
  std::string text(const std::string& key) const {
    if (!j_[key].is_string() || j_[key].get<std::string>().empty()) fail(key, "must be a non-empty string");
    return j_[key].get<std::string>();
  }
  net::WebResource url(const std::string& key) const {
    try {
      return net::parse_resource_url(text(key), "field " + field_ + "." + key);
    } catch (const InputError& e) {  // it names the field; the file is ours to add
      const std::string said = e.what(), place = e.place();
      throw InputError(file_, place, said.substr(said.find(place) + place.size() + 2));
    }
  }

 private:
  const Json& j_;
  std::string field_, file_;
};

void read_exposition_source(const Json& j, const Reader& r, Source& s) {
  s.kind = Source::Kind::exposition;
  s.url = r.text("prometheus");
  s.where = r.url("prometheus");
  if (!j.contains("metric")) r.fail("metric", "is missing: the name of the sample to read");
  s.metric = r.text("metric");
  if (!metric_name(s.metric)) r.fail("metric", "'" + s.metric + "' is not a Prometheus metric name");
  if (!j.contains("labels")) return;
  if (!j["labels"].is_object()) r.fail("labels", "must be an object {\"topic\": \"message.events\"}");
  for (auto it = j["labels"].begin(); it != j["labels"].end(); ++it) {
    if (!it.value().is_string()) r.fail("labels." + it.key(), "must be a string");
    s.labels[it.key()] = it.value().get<std::string>();
  }
}

void read_promql(const Reader& r, const Json& j, Source& s) {
  s.kind = Source::Kind::promql;
  s.query = r.text("promql");
  if (!j.contains("server")) r.fail("server", "is missing: the Prometheus server to ask, http://host:9090");
  s.url = r.text("server");
  s.where = r.url("server");
  if (s.where.target != "/") r.fail("server", "'" + s.url + "' must be the server's address without a path");
  s.where.target = "/api/v1/query?query=";
  http::append_url_encoded(s.where.target, s.query, http::UrlPart::query);
}

Source read_source(const std::string& name, const Json& j, const std::set<std::string>& taken,
                   const std::string& file) {
  Reader r(j, "sources." + name, file);
  if (!metric_name(name) || name.find(':') != std::string::npos)
    r.fail("", "'" + name + "' is not a metric name (letters, digits and _)");
  if (taken.count(name))
    r.fail("", "'" + name + "' is a metric reprise measures itself; name the source otherwise");
  if (!j.is_object())
    r.fail("", "must be an object with \"prometheus\" (a /metrics URL) or \"promql\" (a query)");
  const bool exposition = j.contains("prometheus"), promql = j.contains("promql");
  if (exposition == promql)
    r.fail("", "must name exactly one of \"prometheus\" (a /metrics URL) and \"promql\" (a query)");
  static const std::set<std::string> kExposition = {"prometheus", "metric", "labels", "aggregate", "every"};
  static const std::set<std::string> kPromql = {"promql", "server", "aggregate", "every"};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!(exposition ? kExposition : kPromql).count(it.key()))
      r.fail(it.key(),
             exposition ? "is not a key of a /metrics source (prometheus, metric, labels, aggregate, every)"
                        : "is not a key of a query source (promql, server, aggregate, every)");
  Source s;
  s.name = name;
  if (exposition)
    read_exposition_source(j, r, s);
  else
    read_promql(r, j, s);
  if (j.contains("aggregate")) {
    s.aggregate = r.text("aggregate");
    if (s.aggregate != "sum" && s.aggregate != "max" && s.aggregate != "min" && s.aggregate != "avg")
      r.fail("aggregate", "'" + s.aggregate + "' must be sum, max, min or avg");
  }
  if (j.contains("every")) {
    s.every = parse_duration(r.text("every"), file + ":field sources." + name + ".every");
    if (s.every < std::chrono::milliseconds(100)) r.fail("every", "must be 100ms or longer");
  }
  return s;
}

}  // namespace

std::string Source::description() const {
  if (kind == Kind::promql) return "promql " + query + " at " + url;
  return labelled(metric, labels) + " at " + url + " (" + aggregate + ")";
}

std::vector<Source> parse_sources(const Json& block, const std::set<std::string>& taken,
                                  const std::string& file) {
  if (!block.is_object())
    throw InputError(file, "field sources",
                     "must be an object {\"name\": {\"prometheus\": URL, \"metric\": ...}}");
  std::vector<Source> out;
  for (auto it = block.begin(); it != block.end(); ++it)
    out.push_back(read_source(it.key(), it.value(), taken, file));
  return out;
}

std::set<std::string> with_sources(std::set<std::string> known, const std::vector<Source>& sources) {
  for (const auto& s : sources) known.insert(s.name);
  return known;
}

void check_source_thresholds(const std::vector<Source>& sources,
                             const std::vector<metrics::Threshold>& thresholds, const std::string& file) {
  static const std::set<std::string> kGauge = {"value", "last", "min", "max", "avg"};
  for (const auto& t : thresholds) {
    if (std::none_of(sources.begin(), sources.end(), [&](auto& s) { return s.name == t.metric; })) continue;
    if (!t.tags.empty())
      throw InputError(file, "field thresholds." + t.text,
                       "a source's gauge has no tags: write \"" + t.metric + "\" and filter in the source");
    for (const auto& c : t.conditions)
      if (!kGauge.count(c.aggregation))
        throw InputError(file, "field thresholds." + t.text,
                         "'" + c.text + "': a source is a gauge; use value, last, min, max or avg");
  }
}

}  // namespace reprise::sources
