#include "JsonFile.hpp"

#include <fstream>

#include "InputError.hpp"
#include "InputFile.hpp"

namespace reprise {

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in = open_input_file(path);
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    std::string why = e.what();
    size_t at = why.find("parse error");
    throw InputError(path, "", "is not JSON: " + (at == std::string::npos ? why : why.substr(at)));
  }
}

}  // namespace reprise
