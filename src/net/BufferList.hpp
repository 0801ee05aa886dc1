// A gather list for one write: a few buffers kept in the connection's own vector and handed
// to Asio as a view, because Asio copies the buffer sequence into every write operation and a
// std::vector copy would allocate per write.
#pragma once

#include <boost/asio/buffer.hpp>
#include <vector>

namespace reprise::net {

struct BufferView {
  using value_type = boost::asio::const_buffer;
  using const_iterator = const boost::asio::const_buffer*;
  const boost::asio::const_buffer* first;
  const boost::asio::const_buffer* last;
  const_iterator begin() const { return first; }
  const_iterator end() const { return last; }
};

inline BufferView view(const std::vector<boost::asio::const_buffer>& buffers) {
  return {buffers.data(), buffers.data() + buffers.size()};
}

}  // namespace reprise::net
