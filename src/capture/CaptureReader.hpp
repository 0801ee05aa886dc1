// Reads a capture line by line. A last line cut off by a crash is skipped and reported
// (tail_cut); any other malformed line is an InputError naming the file and line. A HAR, pcap or
// pcapng file is refused with the `reprise import` it needs (ImportHint.hpp).
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include "capture/Exchange.hpp"

namespace reprise::capture {

class CaptureReader {
 public:
  // Opens the file and reads the header; throws InputError.
  explicit CaptureReader(std::string path);

  // The next exchange, or false at the end.
  bool next(Exchange& out);

  const CaptureHeader& header() const { return header_; }
  uint64_t dropped() const { return dropped_; }  // records the recorder reported dropping
  bool tail_cut() const { return tail_cut_; }
  const std::string& path() const { return path_; }

  // Every exchange of the file, in file order; a cut last line is warned about and skipped.
  static std::vector<Exchange> read_all(const std::string& path);

 private:
  std::string path_;
  std::ifstream in_;
  CaptureHeader header_;
  size_t line_ = 0;
  uint64_t dropped_ = 0;
  bool tail_cut_ = false;
};

}  // namespace reprise::capture
