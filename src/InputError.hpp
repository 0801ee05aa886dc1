// The one exception type for bad user input (a flag, a file, a profile): it carries the file,
// the place in it and the problem, so that main can print one line and exit 1.
// It must not be used for runtime failures (cannot bind, unreachable target): those exit 2.
#pragma once

#include <stdexcept>
#include <string>

namespace reprise {

class InputError : public std::runtime_error {
 public:
  InputError(std::string file, std::string place, const std::string& problem)
      : std::runtime_error(format(file, place, problem)), file_(std::move(file)), place_(std::move(place)) {}

  const std::string& file() const { return file_; }
  const std::string& place() const { return place_; }

 private:
  static std::string format(const std::string& file, const std::string& place, const std::string& problem) {
    std::string out = file;
    if (!place.empty()) out += (out.empty() ? "" : ":") + place;
    return out.empty() ? problem : out + ": " + problem;
  }

  std::string file_;
  std::string place_;
};

// A runtime failure that stops a command (exit 2): cannot bind, target unreachable at start.
class RuntimeFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace reprise
