// Lowers this process's file size limit (RLIMIT_FSIZE) for one scope, so that a test can make
// a file stop taking writes at a byte it chooses. SIGXFSZ is ignored meanwhile, so a write past
// the limit fails with EFBIG instead of killing the test run; both are put back at the end.
// It must not outlive the test that made it: every file write of the process is limited.
#pragma once

#include <signal.h>
#include <sys/resource.h>

namespace reprise::test {

class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    rlimit lower = saved_;
    lower.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &lower);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    ::signal(SIGXFSZ, old_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  void (*old_handler_)(int) = SIG_DFL;
};

}  // namespace reprise::test
