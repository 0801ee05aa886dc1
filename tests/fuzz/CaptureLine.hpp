// The promise every writer of captures keeps: a line reprise wrote, reprise reads back. For the
// capture and HAR harnesses only.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "Harness.hpp"
#include "InputError.hpp"
#include "capture/CaptureFormat.hpp"

namespace reprise::fuzz {

inline capture::Exchange read_back(const std::string& line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded()) broken("a written capture line is JSON", line);
  try {
    return capture::exchange_from_json(j, "written", 2);
  } catch (const InputError& e) {
    broken("a written capture line reads back", std::string(e.what()) + "\n" + line);
  }
}

}  // namespace reprise::fuzz
