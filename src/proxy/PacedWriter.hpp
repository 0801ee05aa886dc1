// Writes a gather list to a socket whole: in one async_write, or, when a fault paces the
// direction (bandwidth, slice), in pieces of `bytes` with a pause after each. The one place that
// choice is made. Its timer is made on the first paced write, so an unpaced session carries none.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <exception>
#include <memory>
#include <tuple>
#include <vector>

#include "faults/Fault.hpp"
#include "net/BufferList.hpp"
#include "net/Stream.hpp"

namespace reprise::proxy {

class PacedWriter {
 public:
  using Result = std::tuple<boost::system::error_code, size_t>;  // what failed, bytes written

  void pace(const faults::Pacing& pacing) { pacing_ = pacing; }
  bool paced() const { return pacing_.bytes > 0; }

  // Asynchronous operations, void(error_code, bytes written), awaited as
  // `co_await writer.write(to, buffers, net::nothrow)`. Unpaced, the write itself: no frame of
  // ours on the hot path. Paced, a coroutine of its own whose end completes the operation; it
  // follows the caller's cancellation (the other side of an `&&` failing stops it). The buffers
  // must stay as they are until it completes.
  template <typename Token>
  auto write(net::Stream& to, const std::vector<boost::asio::const_buffer>& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
        [this, &to, &buffers](auto handler) {
          if (!paced()) return net::async_write_all(to, net::view(buffers), std::move(handler));
          complete_with(to, write_paced(to, buffers.data(), buffers.size()), std::move(handler));
        },
        token);
  }
  template <typename Token>
  auto write(net::Stream&, std::vector<boost::asio::const_buffer>&&, Token&&) = delete;  // would dangle
  template <typename Token>
  auto write(net::Stream& to, boost::asio::const_buffer buffer, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
        [this, &to, buffer](auto handler) {
          if (!paced()) return boost::asio::async_write(to, buffer, std::move(handler));
          complete_with(to, write_paced_one(to, buffer), std::move(handler));
        },
        token);
  }

 private:
  // Runs a paced write as a coroutine of its own on `to`'s executor (the worker's, as the
  // caller's) and completes `handler` with its result. The coroutine throws only when memory
  // runs out: then the write completes with operation_aborted and 0 bytes.
  template <typename Handler>
  static void complete_with(net::Stream& to, boost::asio::awaitable<Result> paced, Handler handler) {
    auto slot = boost::asio::get_associated_cancellation_slot(handler);
    boost::asio::co_spawn(
        to.get_executor(), std::move(paced),
        boost::asio::bind_cancellation_slot(
            slot, [handler = std::move(handler)](std::exception_ptr failed, Result r) mutable {
              if (failed) r = {boost::asio::error::operation_aborted, 0};
              std::move(handler)(std::get<0>(r), std::get<1>(r));
            }));
  }
  boost::asio::awaitable<Result> write_paced(net::Stream& to,
                                             const boost::asio::const_buffer* first, size_t count);
  boost::asio::awaitable<Result> write_paced_one(net::Stream& to,
                                                 boost::asio::const_buffer buffer);

  faults::Pacing pacing_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
};

}  // namespace reprise::proxy
