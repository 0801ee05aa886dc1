#include "proxy/PacedWriter.hpp"

#include <algorithm>
#include <boost/asio/write.hpp>

#include "net/Nothrow.hpp"

namespace reprise::proxy {

namespace asio = boost::asio;
using asio::awaitable;
using net::nothrow;

// `buffer` is copied into this coroutine's frame, which outlives the caller's argument.
awaitable<PacedWriter::Result> PacedWriter::write_paced_one(net::Stream& to,
                                                            asio::const_buffer buffer) {
  co_return co_await write_paced(to, &buffer, 1);
}

awaitable<PacedWriter::Result> PacedWriter::write_paced(net::Stream& to,
                                                        const asio::const_buffer* first, size_t count) {
  if (!timer_) timer_ = std::make_unique<asio::steady_timer>(to.get_executor());
  size_t total = 0;
  for (const auto* b = first; b != first + count; ++b) {
    for (size_t at = 0; at < b->size();) {
      const size_t n = std::min(pacing_.bytes, b->size() - at);
      auto [ec, wrote] =
          co_await asio::async_write(to, asio::buffer(static_cast<const char*>(b->data()) + at, n), nothrow);
      total += wrote;
      if (ec) co_return Result{ec, total};
      at += n;
      timer_->expires_after(pacing_.pause);
      co_await timer_->async_wait(nothrow);
    }
  }
  co_return Result{boost::system::error_code(), total};
}

}  // namespace reprise::proxy
