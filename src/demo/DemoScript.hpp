// `reprise demo`: the built-in chat service and the proxy on free loopback ports, and a
// scripted walk through the seed's four scenarios, printed step by step.
#pragma once

#include <cstdint>
#include <string>

#include "demo/EventTopic.hpp"

namespace reprise::demo {

struct DemoOptions {
  std::string record = "demo-capture.jsonl";  // the capture of the walk; empty: no recording, no replay
  std::string summary;                        // the replay's summary file; empty: none
  double spike = 60;                          // the spike's peak, iterations (sessions) a second
  uint64_t delivery_rate = static_cast<uint64_t>(kDefaultDeliveryRate);  // events a second (0: unbounded)
};

// Walks the scenarios through the proxy, recording them unless `record` is empty, then replays
// the recording with a spike and judges the seed's whole SLA table, the consumer lag read from the
// service's /metrics included. Returns the exit code: 0 when every step got the answer the API
// promises and the replay reached the service (a breached SLA is shown, not an error), 2 otherwise.
int run_demo(const DemoOptions& options);

}  // namespace reprise::demo
