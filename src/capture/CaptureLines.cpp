#include "capture/CaptureLines.hpp"

#include <ctime>

#include "capture/CaptureFormat.hpp"

namespace reprise::capture {

CaptureHeader new_header(std::string source, std::string upstream, std::string redaction, uint64_t body_limit) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char created[32];
  std::strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
  CaptureHeader h;
  h.created = created;
  h.source = std::move(source);
  h.upstream = std::move(upstream);
  h.redaction = std::move(redaction);
  h.body_limit = body_limit;
  return h;
}

void CaptureLines::append(std::string& out, Exchange& x) {
  x.id = ++next_id_;
  if (redactor_) redactor_->redact(x);
  append_line(out, x);
}

std::string CaptureLines::redaction_summary() const {
  std::string out;
  if (redactor_)
    for (const auto& [kind, n] : redactor_->counts()) out += (out.empty() ? "" : ", ") + kind + " " + std::to_string(n);
  return out;
}

}  // namespace reprise::capture
