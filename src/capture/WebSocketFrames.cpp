#include "capture/WebSocketFrames.hpp"

#include <algorithm>

namespace reprise::capture {

void WebSocketFrames::feed(std::string_view data, char dir, int64_t t_us, Stream& stream) {
  while (!data.empty()) {
    if (remaining_ > 0) {
      size_t skip = static_cast<size_t>(std::min<uint64_t>(remaining_, data.size()));
      remaining_ -= skip;
      data.remove_prefix(skip);
      continue;
    }
    header_.push_back(data.front());
    data.remove_prefix(1);
    if (header_.size() < 2) continue;
    auto b1 = static_cast<unsigned char>(header_[1]);
    size_t len7 = b1 & 0x7f;
    size_t need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((b1 & 0x80) ? 4 : 0);
    if (header_.size() < need) continue;
    uint64_t length = len7;
    if (len7 >= 126) {
      length = 0;
      for (size_t i = 2; i < 2 + (len7 == 126 ? 2u : 8u); ++i) length = (length << 8) | static_cast<unsigned char>(header_[i]);
    }
    stream.add({t_us, length, dir});
    remaining_ = length;
    header_.clear();
  }
}

}  // namespace reprise::capture
