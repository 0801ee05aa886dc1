// A growable read buffer reused for the life of a connection: bytes are appended at the end
// and consumed from the front; it compacts only when it needs room, so views into readable()
// stay valid until the next prepare().
#pragma once

#include <boost/asio/buffer.hpp>
#include <cstring>
#include <string_view>
#include <vector>

namespace reprise::net {

class ByteBuffer {
 public:
  explicit ByteBuffer(size_t initial = 16384) : data_(initial) {}

  std::string_view readable() const { return {data_.data() + begin_, end_ - begin_}; }
  size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }

  boost::asio::mutable_buffer prepare(size_t at_least) {
    if (data_.size() - end_ < at_least) {
      if (begin_ > 0) {
        std::memmove(data_.data(), data_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
      }
      if (data_.size() - end_ < at_least) data_.resize(end_ + at_least);
    }
    return boost::asio::buffer(data_.data() + end_, data_.size() - end_);
  }
  void commit(size_t n) { end_ += n; }
  void consume(size_t n) {
    begin_ += n;
    if (begin_ >= end_) begin_ = end_ = 0;
  }
  void clear() { begin_ = end_ = 0; }

 private:
  std::vector<char> data_;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace reprise::net
