#include "importers/CaptureOutput.hpp"

#include <ctime>

#include "InputError.hpp"
#include "capture/CaptureFormat.hpp"

namespace reprise::importers {
namespace {

constexpr size_t batch_bytes = 1 << 20;

capture::CaptureHeader header_for(const OutputOptions& o) {
  capture::CaptureHeader h;
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char created[32];
  std::strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
  h.created = created;
  h.source = o.source;
  h.redaction = o.redaction;
  h.body_limit = o.body_limit;
  return h;
}

}  // namespace

CaptureOutput::CaptureOutput(const OutputOptions& options, std::optional<capture::Redactor> redactor)
    : writer_(options.path, header_for(options)), redactor_(std::move(redactor)) {}

void CaptureOutput::add(capture::Exchange&& x) {
  x.id = ++next_id_;
  if (redactor_) redactor_->redact(x);
  capture::append_line(buffer_, x);
  ++written_;
  if (buffer_.size() >= batch_bytes) flush();
}

void CaptureOutput::flush_if_due(clock::time_point now, clock::duration every) {
  if (now - last_write_ >= every) flush();
}

void CaptureOutput::flush() {
  last_write_ = clock::now();
  if (buffer_.empty()) return;
  if (!writer_.write(buffer_))
    throw RuntimeFailure("cannot write capture " + writer_.path() + ": " + writer_.error());
  buffer_.clear();
}

std::string CaptureOutput::redaction_summary() const {
  std::string out;
  if (redactor_)
    for (const auto& [kind, n] : redactor_->counts())
      out += (out.empty() ? "" : ", ") + kind + " " + std::to_string(n);
  return out;
}

}  // namespace reprise::importers
