#include "capture/Recorder.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>

#include "capture/CaptureFormat.hpp"
#include "capture/CaptureLines.hpp"
#include "http/MessageParser.hpp"

namespace reprise::capture {
namespace {

using namespace std::chrono_literals;

// The writer's copy of a record, in memory it reuses. The record's header lists are empty when it
// has raw heads (parse_raw_heads fills them from those): the copy's lists keep their strings.
void copy_record(const Exchange& from, Exchange& to) {
  HeaderList request = std::move(to.req.headers);
  HeaderList response = to.res ? std::move(to.res->headers) : HeaderList();
  to = from;
  if (!from.raw_request_head.empty()) to.req.headers = std::move(request);
  if (to.res && !from.raw_response_head.empty()) to.res->headers = std::move(response);
}

CaptureHeader header_for(const RecorderConfig& c) {
  CaptureHeader h = new_header(c.source, c.upstream, !c.redact ? "none" : c.custom_rules ? "default+rules" : "default",
                               c.body_limit);
  h.scheme = c.scheme;
  return h;
}

}  // namespace

Recorder::Recorder(RecorderConfig config, int producers)
    : config_(std::move(config)),
      writer_(config_.path, header_for(config_)),
      start_(std::chrono::steady_clock::now()),
      queues_(producers, config_.queue_capacity),
      lines_(config_.redact ? std::optional<Redactor>(config_.rules) : std::nullopt) {
  thread_ = std::thread([this] { run(); });
}

Recorder::~Recorder() { stop(); }

int64_t Recorder::since_start(std::chrono::steady_clock::time_point t) const {
  return std::chrono::duration_cast<std::chrono::microseconds>(t - start_).count();
}

std::unique_ptr<Exchange> Recorder::take(int producer) { return queues_.take(producer); }

void Recorder::submit(int producer, std::unique_ptr<Exchange> exchange) {
  if (!recording()) return;
  if (!queues_.push(producer, std::move(exchange))) dropped_.fetch_add(1, std::memory_order_relaxed);
}

void Recorder::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::string counts = lines_.redaction_summary();
  spdlog::info("recording {}: {} exchanges written, {} dropped{}{}", config_.path, written_, dropped_.load(),
               counts.empty() ? "" : "; redacted: ", counts);
  if (dropped_.load() > 0)
    spdlog::warn("recording {}: {} records dropped because the writer fell behind", config_.path, dropped_.load());
}

size_t Recorder::drain(std::string& out) {
  // Records of one pass are written in the order their exchanges ended, across all workers.
  batch_.clear();
  queues_.drain([this](size_t p, std::unique_ptr<Exchange> x) { batch_.push_back({p, std::move(x)}); });
  size_t n = recording() ? batch_.size() : 0;  // a failed file: nothing more is written
  auto end = [](const Exchange& x) { return x.t_us + (x.res ? x.res->dur_us : 0); };
  std::stable_sort(batch_.begin(), batch_.end(), [&](const auto& a, const auto& b) { return end(*a.x) < end(*b.x); });
  for (auto& [producer, x] : batch_) {
    if (n) {  // the record is only read: the worker that takes it again writes it
      copy_record(*x, scratch_);
      parse_raw_heads(scratch_, request_heads_, response_heads_);
      lines_.append(out, scratch_);
    }
    queues_.give_back(producer, std::move(x));
  }
  batch_.clear();
  return n;
}

void Recorder::fail(const std::string& why) {
  recording_ = false;
  spdlog::error("recording stopped: {}: {}; the proxy keeps serving", config_.path, why);
}

void Recorder::run() {
  std::string buffer;
  uint64_t pending = 0;  // records in `buffer`
  uint64_t reported_drops = 0;
  auto last_write = std::chrono::steady_clock::now();
  for (;;) {
    bool stopping;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, 10ms, [&] { return stopping_; });
      stopping = stopping_;
    }
    pending += drain(buffer);
    uint64_t drops = dropped_.load();
    if (drops > reported_drops && recording()) {
      append_gap_line(buffer, drops - reported_drops, since_start(std::chrono::steady_clock::now()));
      reported_drops = drops;
    }
    auto now = std::chrono::steady_clock::now();
    bool due = stopping || now - last_write >= config_.flush_every || buffer.size() >= (1u << 20);
    if (!buffer.empty() && due && recording()) {
      if (writer_.write(buffer)) written_ += pending;  // only what reached the file counts
      else fail(writer_.error());
      buffer.clear();
      pending = 0;
      last_write = now;
    }
    if (stopping) return;
  }
}

}  // namespace reprise::capture
