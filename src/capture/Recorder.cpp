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

// Fills req and res from the raw heads the proxy handed over (it parsed them once already, so
// they parse again here).
void parse_raw_heads(Exchange& x, http::MessageParser& request, http::MessageParser& response) {
  if (!x.raw_request_head.empty() && !request.parse_head(x.raw_request_head)) {
    const auto& h = request.head();
    x.req.method = h.method;
    x.req.target = h.target;
    x.req.version = std::to_string(h.version_major) + "." + std::to_string(h.version_minor);
    x.req.headers = header_list(h);
  }
  if (x.res && !x.raw_response_head.empty() && !response.parse_head(x.raw_response_head)) {
    x.res->status = response.head().status;
    x.res->headers = header_list(response.head());
  }
}

// Empties a written record for its worker to fill again: strings and lists keep their memory,
// so a worker in the steady state allocates almost nothing for recording.
void reuse(Exchange& x) {
  x.id = 0;
  x.session.clear();
  x.t_us = 0;
  x.req.method.clear();
  x.req.target.clear();
  x.req.version.clear();
  x.req.headers.clear();
  x.req.body.data.clear();
  x.req.body.size = 0;
  x.res.reset();
  x.stream.reset();
  x.raw_request_head.clear();
  x.raw_response_head.clear();
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
      lines_(config_.redact ? std::optional<Redactor>(config_.rules) : std::nullopt) {
  for (int i = 0; i < producers; ++i) {
    queues_.push_back(std::make_unique<boost::lockfree::spsc_queue<Exchange*>>(config_.queue_capacity));
    returns_.push_back(std::make_unique<boost::lockfree::spsc_queue<Exchange*>>(config_.queue_capacity));
  }
  thread_ = std::thread([this] { run(); });
}

Recorder::~Recorder() {
  stop();
  for (auto& q : returns_) q->consume_all([](Exchange* x) { delete x; });
  for (auto& q : queues_) q->consume_all([](Exchange* x) { delete x; });
}

int64_t Recorder::since_start(std::chrono::steady_clock::time_point t) const {
  return std::chrono::duration_cast<std::chrono::microseconds>(t - start_).count();
}

std::unique_ptr<Exchange> Recorder::take(int producer) {
  Exchange* used = nullptr;
  if (returns_[static_cast<size_t>(producer)]->pop(used)) return std::unique_ptr<Exchange>(used);
  return std::make_unique<Exchange>();
}

void Recorder::submit(int producer, std::unique_ptr<Exchange> exchange) {
  if (!recording()) return;
  if (queues_[static_cast<size_t>(producer)]->push(exchange.get())) exchange.release();
  else dropped_.fetch_add(1, std::memory_order_relaxed);
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
  for (size_t p = 0; p < queues_.size(); ++p) {
    Exchange* raw = nullptr;
    while (queues_[p]->pop(raw)) batch_.push_back({p, std::unique_ptr<Exchange>(raw)});
  }
  size_t n = recording() ? batch_.size() : 0;  // a failed file: nothing more is written
  auto end = [](const Exchange& x) { return x.t_us + (x.res ? x.res->dur_us : 0); };
  std::stable_sort(batch_.begin(), batch_.end(), [&](const auto& a, const auto& b) { return end(*a.x) < end(*b.x); });
  for (auto& [producer, x] : batch_) {
    if (n) {
      parse_raw_heads(*x, request_heads_, response_heads_);
      lines_.append(out, *x);
    }
    reuse(*x);
    if (returns_[producer]->push(x.get())) x.release();
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
