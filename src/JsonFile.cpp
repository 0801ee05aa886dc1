#include "JsonFile.hpp"

#include <fstream>

#include "InputError.hpp"

namespace reprise {

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path, "", "cannot be read");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    std::string why = e.what();
    size_t at = why.find("parse error");
    throw InputError(path, "", "is not JSON: " + (at == std::string::npos ? why : why.substr(at)));
  }
}

}  // namespace reprise
