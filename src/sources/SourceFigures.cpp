#include "sources/SourceFigures.hpp"

#include "InputError.hpp"

namespace reprise::sources {

nlohmann::ordered_json SourceFigures::to_json() const {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& [name, tally] : tallies) {
    auto& one = out[name];
    one["source"] = tally.description;
    one["reads"] = tally.reads;
    one["failed"] = tally.failed;
    if (!tally.last_problem.empty()) one["last_problem"] = tally.last_problem;
    auto it = series.find(name);
    one["samples"] = nlohmann::ordered_json::parse(
        (it == series.end() ? metrics::GaugeSeries() : it->second).to_json().dump());
  }
  return out;
}

void SourceFigures::add_json(const nlohmann::json& j, const std::string& file) {
  if (!j.is_object()) throw InputError(file, "field sources", "must be an object by source name");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string field = "sources." + it.key();
    const auto& one = it.value();
    auto count = [&](const char* key) {
      if (!one.contains(key) || !one[key].is_number_unsigned())
        throw InputError(file, "field " + field + "." + key, "must be a count");
      return one[key].get<uint64_t>();
    };
    if (!one.is_object() || !one.contains("samples"))
      throw InputError(file, "field " + field, "must be {source, reads, failed, samples}");
    SourceTally& tally = tallies[it.key()];
    tally.reads += count("reads");
    tally.failed += count("failed");
    if (one.contains("source") && one["source"].is_string()) tally.description = one["source"];
    if (one.contains("last_problem") && one["last_problem"].is_string())
      tally.last_problem = one["last_problem"];
    series[it.key()].merge(metrics::GaugeSeries::from_json(one["samples"], file, field + ".samples"));
  }
}

}  // namespace reprise::sources
