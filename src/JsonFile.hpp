// Reading a whole JSON file (a profile, an SLA file, a fault file, a HAR, a summary) with the
// one error every such file gets: "<path>: cannot be read: <the OS's reason>" (InputFile.hpp) or
// "<path>: is not JSON: parse error at line L, column C: ...", thrown as InputError.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace reprise {

nlohmann::json read_json_file(const std::string& path);

}  // namespace reprise
