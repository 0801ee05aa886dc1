// check_readable and open_input_file: stat and access for the reason, then the stream.
#include "InputFile.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "InputError.hpp"

namespace reprise {
namespace {

[[noreturn]] void cannot_read(const std::string& path, int error) {
  throw InputError(path, "", std::string("cannot be read: ") + std::strerror(error));
}

}  // namespace

void check_readable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) cannot_read(path, errno);
  if (S_ISDIR(st.st_mode)) cannot_read(path, EISDIR);
  if (::access(path.c_str(), R_OK) != 0) cannot_read(path, errno);
}

std::ifstream open_input_file(const std::string& path) {
  check_readable(path);
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) cannot_read(path, errno ? errno : EIO);
  return in;
}

}  // namespace reprise
