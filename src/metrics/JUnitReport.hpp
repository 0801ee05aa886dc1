// The verdicts as JUnit XML, for CI systems: one test suite, one test case per threshold
// condition ("http_req_duration{name:SendMessage} p(95)<500"), a <failure> for each breach
// with what was measured. Writing only; the verdicts are metrics/Threshold's.
#pragma once

#include <string>
#include <vector>

#include "metrics/Threshold.hpp"

namespace reprise::metrics {

std::string junit_xml(const std::vector<Verdict>& verdicts, const std::string& suite, double elapsed_s);

}  // namespace reprise::metrics
