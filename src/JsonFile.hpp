// Reading JSON a user gave (a profile, an SLA file, a fault file, a HAR, a summary, an admin API
// body) with the one error every such input gets: "<path>: cannot be read: <the OS's reason>"
// (InputFile.hpp) or "<path>: is not JSON: parse error at line L, column C: ...", thrown as
// InputError. A number too large for a double ("1e999") is such an error too, never an escaped
// exception.
#pragma once

#include <istream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace reprise {

nlohmann::json read_json_file(const std::string& path);

// Parses `text` into `out`; false, with nlohmann's reason in `why` ("parse error at line 1,
// column 2: ...", "number overflow parsing '1e999'"), when it is not JSON reprise can hold.
bool parse_json(std::string_view text, nlohmann::json& out, std::string& why);
bool parse_json(std::istream& in, nlohmann::json& out, std::string& why);

}  // namespace reprise
