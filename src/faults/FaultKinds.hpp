// The fault kinds by name, and what each kind's parser gets: the kind's JSON object and a
// reader that names the file and field in every error. A kind lives in faults/kinds/, one file
// each, and registers itself there (`register_kind`); adding one touches no other file. (The
// build links every object file, so no registrar is dropped as unreferenced: CMakeLists.txt.)
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "faults/Fault.hpp"

namespace reprise::faults {

// Reads a kind's settings; every failure throws InputError naming the file and field.
struct KindReader {
  const nlohmann::json& j;
  const std::string& file;
  std::string field;  // "faults[2].delay"

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const;
  bool has(const char* key) const { return j.contains(key); }
  Duration duration(const char* key) const;  // "200ms"
  double number(const char* key, double min, double max) const;
  std::string text(const char* key) const;
  // Refuses keys other than `known` (a misspelt setting must not be silently ignored).
  void only(std::initializer_list<const char*> known) const;
};

using KindParser = std::shared_ptr<const FaultKind> (*)(const KindReader& settings);

// Adds a kind under `name` (at static initialisation, from the kind's own file); true.
bool register_kind(const std::string& name, KindParser parse);
// "delay" → its parser, ...
const std::map<std::string, KindParser>& fault_kinds();

}  // namespace reprise::faults
