// Where the proxy's worker threads hand the exchanges they copied (proxy/ExchangeRecording): the
// recorder, which writes them to a capture, and the mirror, which sends them to a second target.
// A worker never waits on a sink: take() and submit() are lock-free, and a sink that cannot keep
// up drops and counts. It knows nothing of what the sink does with a record.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include "capture/Exchange.hpp"

namespace reprise::capture {

class ExchangeSink {
 public:
  virtual ~ExchangeSink() = default;

  // From worker `producer` only (one thread per producer).
  virtual std::unique_ptr<Exchange> take(int producer) = 0;
  virtual void submit(int producer, std::unique_ptr<Exchange> exchange) = 0;
  // An answer turned out to be an event stream: the sink may want the exchange now, its head
  // only, as well as whole when it ends (the mirror opens its own stream at once).
  virtual void stream_started(int /*producer*/, Exchange& /*exchange*/) {}

  virtual uint64_t request_body_limit() const = 0;   // bytes of a request body kept
  virtual uint64_t response_body_limit() const = 0;  // bytes of a response body kept
  // Whether a response body of this Content-Type is kept at all (its size is counted anyway).
  virtual bool keeps_response_body(std::string_view /*content_type*/) const { return true; }
  // Microseconds since the sink started (an exchange's t_us).
  virtual int64_t since_start(std::chrono::steady_clock::time_point t) const = 0;
};

}  // namespace reprise::capture
