#include "capture/CaptureLines.hpp"

#include <spdlog/spdlog.h>

#include <ctime>

#include "capture/CaptureFormat.hpp"
#include "capture/JsonText.hpp"

namespace reprise::capture {

CaptureHeader new_header(std::string source, std::string upstream, std::string redaction,
                         uint64_t body_limit) {
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
  warn_not_utf8(x, x.req.headers);
  if (x.res) warn_not_utf8(x, x.res->headers);
  append_line(out, x);
}

void CaptureLines::warn_not_utf8(const Exchange& x, const HeaderList& headers) {
  for (const auto& [name, value] : headers) {
    if (is_utf8(value) && is_utf8(name)) continue;
    std::string lower = name;
    for (char& c : lower)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (!not_utf8_.insert(lower).second) continue;
    spdlog::warn(
        "exchange {}: header {} is not UTF-8; its bad bytes are written as U+FFFD (said once per "
        "header name)",
        x.id, name);
  }
}

std::string CaptureLines::redaction_summary() const {
  std::string out;
  if (redactor_)
    for (const auto& [kind, n] : redactor_->counts())
      out += (out.empty() ? "" : ", ") + kind + " " + std::to_string(n);
  return out;
}

}  // namespace reprise::capture
