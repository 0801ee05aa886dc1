// A gather list for one write: a few buffers kept in the connection's own vector, and the write
// that sends all of them. Asio's own async_write copies the buffer sequence into every write
// operation, and for a list of buffers an array of 64 of them (1 KiB); the allocator's cache then
// hands that block to whatever operation comes next, a held stream's waits among them. Here each
// write operation carries a view of the list: a pointer pair and how far the first buffer is
// already written.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <cstddef>
#include <iterator>
#include <vector>

namespace reprise::net {

// The buffers [first, last), the first one `skip` bytes in.
struct BufferView {
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = boost::asio::const_buffer;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = boost::asio::const_buffer;

    const_iterator() = default;
    const_iterator(const boost::asio::const_buffer* at, size_t skip) : at_(at), skip_(skip) {}
    boost::asio::const_buffer operator*() const { return *at_ + skip_; }
    const_iterator& operator++() {
      ++at_;
      skip_ = 0;
      return *this;
    }
    const_iterator operator++(int) {
      auto was = *this;
      ++*this;
      return was;
    }
    bool operator==(const const_iterator& o) const { return at_ == o.at_; }

   private:
    const boost::asio::const_buffer* at_ = nullptr;
    size_t skip_ = 0;
  };
  using value_type = boost::asio::const_buffer;

  const boost::asio::const_buffer* first;
  const boost::asio::const_buffer* last;
  size_t skip = 0;

  const_iterator begin() const { return {first, skip}; }
  const_iterator end() const { return {last, 0}; }
  bool done() const { return first == last; }
  // Past `n` more written bytes.
  void advance(size_t n) {
    for (; first != last && n >= first->size() - skip; ++first) {
      n -= first->size() - skip;
      skip = 0;
    }
    skip += n;
  }
};

inline BufferView view(const std::vector<boost::asio::const_buffer>& buffers) {
  return {buffers.data(), buffers.data() + buffers.size()};
}

// Writes all of `buffers` (which must outlive the write), completing with (error, bytes written)
// as boost::asio::async_write does: write_some until done or failed. The first write_some goes
// out even for an empty list, so the completion never runs inside this call.
template <typename AsyncStream, typename Token>
auto async_write_all(AsyncStream& stream, BufferView buffers, Token&& token) {
  return boost::asio::async_compose<Token, void(boost::system::error_code, size_t)>(
      [&stream, rest = buffers, total = size_t{0}, started = false](
          auto& self, boost::system::error_code ec = {}, size_t n = 0) mutable {
        if (started) {
          total += n;
          rest.advance(n);
          if (ec || rest.done()) return self.complete(ec, total);
        }
        started = true;
        stream.async_write_some(rest, std::move(self));
      },
      token, stream);
}

}  // namespace reprise::net
