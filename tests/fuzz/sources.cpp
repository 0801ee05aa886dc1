// libFuzzer harness: what a source's endpoint answers, read as a Prometheus /metrics page (one
// metric, a label filter, every aggregation) and as a query API's JSON. Both take bytes from the
// network: any input may only give a reading or a reason, never an exception or a crash.
#include <string>
#include <string_view>

#include "sources/PrometheusAnswer.hpp"

using namespace reprise::sources;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  for (const char* how : {"sum", "max", "min", "avg"}) {
    (void)read_exposition(body, "lag", {}, how);
    (void)read_exposition(body, "lag", {{"topic", "message.events"}}, how);
    (void)read_query_answer(body, how);
  }
  return 0;
}
