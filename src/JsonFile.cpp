#include "JsonFile.hpp"

#include <fstream>

#include "InputError.hpp"
#include "InputFile.hpp"

namespace reprise {
namespace {

// Every error nlohmann's parser throws (parse_error, and out_of_range for a number no double
// holds), with its "[json.exception.parse_error.101] " tag taken off.
template <typename Input>
bool parse(Input&& in, nlohmann::json& out, std::string& why) {
  try {
    out = nlohmann::json::parse(std::forward<Input>(in));
    return true;
  } catch (const nlohmann::json::exception& e) {
    why = e.what();
    if (size_t tag_end = why.find("] "); why.starts_with("[json.exception.") && tag_end != std::string::npos)
      why.erase(0, tag_end + 2);
    return false;
  }
}

}  // namespace

bool parse_json(std::string_view text, nlohmann::json& out, std::string& why) {
  return parse(text, out, why);
}

bool parse_json(std::istream& in, nlohmann::json& out, std::string& why) { return parse(in, out, why); }

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in = open_input_file(path);
  nlohmann::json j;
  std::string why;
  if (!parse_json(in, j, why)) throw InputError(path, "", "is not JSON: " + why);
  return j;
}

}  // namespace reprise
