#include "faults/FaultKinds.hpp"

#include <fmt/format.h>

#include "Duration.hpp"
#include "InputError.hpp"

namespace reprise::faults {

namespace {

std::map<std::string, KindParser>& registry() {
  static std::map<std::string, KindParser> kinds;  // made on first use: kinds register before main
  return kinds;
}

}  // namespace

bool register_kind(const std::string& name, KindParser parse) {
  registry()[name] = parse;
  return true;
}

const std::map<std::string, KindParser>& fault_kinds() { return registry(); }

void KindReader::fail(const std::string& key, const std::string& problem) const {
  throw InputError(file, "field " + field + (key.empty() ? "" : "." + key), problem);
}

Duration KindReader::duration(const char* key) const {
  const auto& v = j.at(key);
  if (!v.is_string()) fail(key, "must be a duration such as \"200ms\"");
  try {
    return parse_duration(v.get<std::string>(), key);
  } catch (const InputError& e) {
    std::string message = e.what();
    fail(key, message.substr(message.find(": ") + 2));
  }
}

double KindReader::number(const char* key, double min, double max) const {
  const auto& v = j.at(key);
  if (!v.is_number() || v.get<double>() < min || v.get<double>() > max)
    fail(key, fmt::format("must be a number from {} to {}", min, max));
  return v.get<double>();
}

std::string KindReader::text(const char* key) const {
  const auto& v = j.at(key);
  if (!v.is_string()) fail(key, "must be a string");
  return v.get<std::string>();
}

void KindReader::only(std::initializer_list<const char*> known) const {
  if (!j.is_object()) fail("", "must be an object of the kind's settings");
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool ok = false;
    for (const char* k : known) ok |= it.key() == k;
    if (!ok) {
      std::string list;
      for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      fail(it.key(), "is not a setting of this kind" +
                         (list.empty() ? std::string(" (it has none)") : " (" + list + ")"));
    }
  }
}

}  // namespace reprise::faults
