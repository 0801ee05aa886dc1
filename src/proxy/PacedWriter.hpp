// Writes a gather list to a socket whole: in one async_write, or, when a fault paces the
// direction (bandwidth, slice), in pieces of `bytes` with a pause after each. The one place that
// choice is made. Its timer is made on the first paced write, so an unpaced session carries none.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <tuple>
#include <vector>

#include "faults/Fault.hpp"
#include "net/Stream.hpp"

namespace reprise::proxy {

class PacedWriter {
 public:
  using Result = std::tuple<boost::system::error_code, size_t>;  // what failed, bytes written

  void pace(const faults::Pacing& pacing) { pacing_ = pacing; }
  bool paced() const { return pacing_.bytes > 0; }
  // Not coroutines themselves: unpaced, the caller awaits the async_write directly (no frame of
  // ours on the hot path).
  boost::asio::awaitable<Result> write(net::Stream& to,
                                       const std::vector<boost::asio::const_buffer>& buffers);
  boost::asio::awaitable<Result> write(net::Stream& to, boost::asio::const_buffer buffer);

 private:
  boost::asio::awaitable<Result> write_paced(net::Stream& to,
                                             const boost::asio::const_buffer* first, size_t count);
  boost::asio::awaitable<Result> write_paced_one(net::Stream& to,
                                                 boost::asio::const_buffer buffer);

  faults::Pacing pacing_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
};

}  // namespace reprise::proxy
