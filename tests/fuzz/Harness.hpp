// What every harness of tests/fuzz shares: the fuzz input as a file, for the readers that take a
// path, and the one way a harness reports a broken promise (an abort libFuzzer records as a
// crash, with the input that caused it). Only for the fuzz harnesses.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace reprise::fuzz {

// A promise of the code under test that did not hold: says which, and aborts.
[[noreturn]] inline void broken(std::string_view promise, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz: broken promise: %.*s\n%.*s\n", static_cast<int>(promise.size()), promise.data(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// The input as a file, rewritten for each input: an anonymous file in memory (memfd), reached
// through /proc/self/fd, so no run leaves a file behind or waits for a disk.
inline const std::string& input_file(const uint8_t* data, size_t size) {
  static const int fd = ::memfd_create("reprise-fuzz-input", 0);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (fd < 0 || ::ftruncate(fd, 0) != 0 || ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size))
    broken("the input can be written to its file");
  return path;
}

}  // namespace reprise::fuzz
