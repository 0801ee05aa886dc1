// Takes finished exchanges from the proxy's worker threads and writes them to a capture on a
// writer thread of its own. A worker never waits: it pushes into its own bounded lock-free
// queue, and when that is full the record is dropped and counted (never the request). The
// writer redacts, serialises and writes at least every 200 ms; a write failure stops the
// recording with one error line while the proxy keeps serving.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "capture/CaptureLines.hpp"
#include "capture/CaptureWriter.hpp"
#include "capture/Exchange.hpp"
#include "capture/ExchangeQueues.hpp"
#include "capture/ExchangeSink.hpp"
#include "capture/Redactor.hpp"
#include "http/MessageParser.hpp"

namespace reprise::capture {

struct RecorderConfig {
  std::string path;
  uint64_t body_limit = 64 * 1024;
  bool redact = true;
  RedactionRules rules = RedactionRules::defaults();
  bool custom_rules = false;  // a rules file added to the defaults
  std::string source = "proxy";
  std::string upstream;
  std::string scheme;  // "https" behind a TLS listener
  size_t queue_capacity = 4096;  // per producer
  std::chrono::milliseconds flush_every{150};  // plus up to 10 ms in a queue: on disk within 200 ms
};

class Recorder : public ExchangeSink {
 public:
  // Creates the capture file; throws RuntimeFailure when it cannot.
  Recorder(RecorderConfig config, int producers);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  bool recording() const { return recording_.load(std::memory_order_relaxed); }
  uint64_t request_body_limit() const override { return config_.body_limit; }
  uint64_t response_body_limit() const override { return config_.body_limit; }
  // Microseconds since the capture started.
  int64_t since_start(std::chrono::steady_clock::time_point t) const override;

  // From worker `producer` only (one thread per producer). Never blocks. take() hands out a
  // record to fill: one the writer is done with (emptied here), or a new one.
  std::unique_ptr<Exchange> take(int producer) override;
  void submit(int producer, std::unique_ptr<Exchange> exchange) override;

  // Writes what is queued and closes the file; logs what was written, dropped and redacted.
  void stop();
  uint64_t written() const { return written_; }
  uint64_t dropped() const { return dropped_.load(); }

 private:
  void run();
  size_t drain(std::string& out);
  void fail(const std::string& why);

  RecorderConfig config_;
  CaptureWriter writer_;
  std::chrono::steady_clock::time_point start_;
  ExchangeQueues queues_;  // worker → writer, and the emptied records back
  CaptureLines lines_;  // the writer thread's
  std::atomic<bool> recording_{true};
  std::atomic<uint64_t> dropped_{0};
  uint64_t written_ = 0;
  struct Written {
    size_t producer;
    std::unique_ptr<Exchange> x;
  };
  std::vector<Written> batch_;  // the writer thread's, reused
  Exchange scratch_;            // the writer's copy of the record it writes (copy_record)
  http::MessageParser request_heads_{http::MessageParser::Type::request};
  http::MessageParser response_heads_{http::MessageParser::Type::response};
  std::mutex mutex_;  // the writer's sleep and stop(), never the workers
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace reprise::capture
