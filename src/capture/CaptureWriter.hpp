// Appends capture lines to a file with plain POSIX writes: what has been written survives a
// kill -9 of the process (it is in the page cache), and a failed write is reported, never
// retried in a loop. One writer per file; not thread-safe.
#pragma once

#include <string>

#include "capture/Exchange.hpp"

namespace reprise::capture {

class CaptureWriter {
 public:
  // Creates (truncates) the file and writes the header; throws RuntimeFailure when it cannot.
  CaptureWriter(std::string path, const CaptureHeader& header);
  ~CaptureWriter();
  CaptureWriter(const CaptureWriter&) = delete;
  CaptureWriter& operator=(const CaptureWriter&) = delete;

  // Writes whole lines; false (and error() says why) when the file cannot take them.
  bool write(const std::string& lines);
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::string error_;
};

}  // namespace reprise::capture
