// The verdicts as JUnit XML, for CI systems: one test suite, one test case per threshold
// condition ("http_req_duration{name:SendMessage} p(95)<500"), a <failure> for each breach
// with what was measured; with --compare a second suite, one test case per route compared. Writing only; the verdicts are metrics/Threshold's.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "metrics/Threshold.hpp"

namespace reprise::metrics {

// `response_diffs` (a summary's block, or null): a second suite, "response comparison", with one
// test case per route compared, failed when answers differed, listing the fields.
std::string junit_xml(const std::vector<Verdict>& verdicts, const std::string& suite, double elapsed_s,
                      const nlohmann::json& response_diffs = nullptr);

}  // namespace reprise::metrics
