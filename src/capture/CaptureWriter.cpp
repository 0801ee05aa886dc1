#include "capture/CaptureWriter.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "InputError.hpp"
#include "capture/CaptureFormat.hpp"

namespace reprise::capture {

CaptureWriter::CaptureWriter(std::string path, const CaptureHeader& header) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw RuntimeFailure("cannot create capture " + path_ + ": " + std::strerror(errno));
  std::string line;
  append_line(line, header);
  if (!write(line)) throw RuntimeFailure("cannot write capture " + path_ + ": " + error_);
}

CaptureWriter::~CaptureWriter() {
  if (fd_ >= 0) ::close(fd_);
}

bool CaptureWriter::write(const std::string& lines) {
  size_t done = 0;
  while (done < lines.size()) {
    ssize_t n = ::write(fd_, lines.data() + done, lines.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = n < 0 ? std::strerror(errno) : "the file takes no more bytes";
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace reprise::capture
