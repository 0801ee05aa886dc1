// A growable read buffer reused for the life of a connection: bytes are appended at the end
// and consumed from the front; it compacts only when it needs room, so views into readable()
// stay valid until the next prepare(). Memory is taken on first use, never zero-filled, and
// handed back by release() while a connection waits, so an idle stream costs no buffer.
#pragma once

#include <boost/asio/buffer.hpp>
#include <cstring>
#include <memory>
#include <string_view>

namespace reprise::net {

// How much the next read asks a ByteBuffer for room for: 4 KiB at first, doubled after each read
// that filled what it asked (a big body, a file through a tunnel) up to 64 KiB, so a stream of
// bytes takes fewer reads and a small answer no large buffer.
class ReadSize {
 public:
  static constexpr size_t kFirst = 4096;
  static constexpr size_t kMost = 65536;

  size_t next() const { return size_; }
  // A read got `n` bytes into room for `asked`.
  void got(size_t n, size_t asked) {
    if (n == asked && size_ < kMost) size_ *= 2;
  }
  void restart() { size_ = kFirst; }

 private:
  size_t size_ = kFirst;
};

class ByteBuffer {
 public:
  std::string_view readable() const { return {data_.get() + begin_, end_ - begin_}; }
  size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }

  boost::asio::mutable_buffer prepare(size_t at_least) {
    if (capacity_ - end_ < at_least) {
      if (begin_ > 0) {
        std::memmove(data_.get(), data_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
      }
      if (capacity_ - end_ < at_least) grow(end_ + at_least);
    }
    return boost::asio::buffer(data_.get() + end_, capacity_ - end_);
  }
  void commit(size_t n) { end_ += n; }
  void consume(size_t n) {
    begin_ += n;
    if (begin_ >= end_) begin_ = end_ = 0;
  }
  void clear() { begin_ = end_ = 0; }
  // Frees the memory when nothing is buffered.
  void release() {
    if (!empty()) return;
    data_.reset();
    capacity_ = 0;
  }

 private:
  void grow(size_t capacity) {
    auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
    if (end_ > 0) std::memcpy(bigger.get(), data_.get(), end_);
    data_ = std::move(bigger);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace reprise::net
