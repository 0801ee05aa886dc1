#include "capture/Exchange.hpp"

namespace reprise::capture {

HeaderList header_list(const http::MessageHead& head) {
  HeaderList out;
  out.reserve(head.headers.size());
  for (const auto& h : head.headers) out.emplace_back(h.name, h.value);
  return out;
}

}  // namespace reprise::capture
