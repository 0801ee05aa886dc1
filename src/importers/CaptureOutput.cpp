#include "importers/CaptureOutput.hpp"

#include "InputError.hpp"

namespace reprise::importers {
namespace {

constexpr size_t batch_bytes = 1 << 20;

}  // namespace

CaptureOutput::CaptureOutput(const OutputOptions& options, std::optional<capture::Redactor> redactor)
    : writer_(options.path, capture::new_header(options.source, "", options.redaction, options.body_limit)),
      lines_(std::move(redactor)) {}

void CaptureOutput::add(capture::Exchange&& x) {
  lines_.append(buffer_, x);
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

}  // namespace reprise::importers
