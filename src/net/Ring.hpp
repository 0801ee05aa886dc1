// A worker's io_uring, for the reads and writes of its plain TCP connections. Through Asio's
// reactor (epoll) every read and every write is a system call of its own: four for a proxied
// request. Here they are queued and go to the kernel together, once per turn of the worker's
// loop, in one io_uring_enter; the kernel does the same sends and receives without a system
// call's entry and exit for each, which on this kind of VM (page-table isolation) is a large
// part of a proxy's CPU. Asio's own io_uring backend was tried first and was slower than epoll:
// it lets the kernel interrupt the thread for every completion (no IORING_SETUP_COOP_TASKRUN).
//
// It is a service of the worker's io_context and runs inside it: Asio's reactor waits on the
// ring's descriptor, readable once completions are posted, and the handlers run on the worker's thread like
// Asio's own. Timers, accepts, connects, waits for readability and TLS stay with Asio. Only the thread that
// runs the context uses the ring (Workers starts it there); on any other thread Ring::here() is
// null and Stream uses Asio's reads and writes. Handlers are run in place: the contexts it
// serves have no strands.
#pragma once

#include <liburing.h>
#include <sys/socket.h>

#include <boost/asio/associated_allocator.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/recycling_allocator.hpp>
#include <memory>
#include <type_traits>
#include <vector>

namespace reprise::net {

class Ring : public boost::asio::execution_context::service {
 public:
  static inline boost::asio::execution_context::id id;

  explicit Ring(boost::asio::execution_context& ctx);
  ~Ring() override;

  // Gives `ctx` a ring used from the calling thread, which then runs ctx. False when this
  // kernel or sandbox has no io_uring (a container's default seccomp profile refuses it): the
  // context stays with epoll alone.
  static bool start(boost::asio::io_context& ctx);
  // The calling thread no longer runs the context it started.
  static void leave();
  // The ring of the context this thread runs, when `ctx` is that context; null otherwise.
  static Ring* here(const boost::asio::execution_context& ctx) {
    return current_ && &current_->context() == &ctx ? current_ : nullptr;
  }

  // recv(2) into the first non-empty buffer; completes (error, bytes) as Asio's
  // async_read_some does: eof at the peer's FIN, operation_aborted when cancelled.
  template <typename MutableBuffers, typename Handler>
  void async_receive(int fd, const MutableBuffers& buffers, Handler&& handler);
  // sendmsg(2) of up to kMaxBuffers of `buffers`; completes (error, bytes sent).
  template <typename ConstBuffers, typename Handler>
  void async_send(int fd, const ConstBuffers& buffers, Handler&& handler);
  // Every operation pending on `fd` completes with operation_aborted; the kernel has let go of
  // their buffers when this returns (a synchronous cancel, which also waits for one the kernel
  // handed to a worker thread of its own). Costs nothing when nothing is pending on `fd`.
  void cancel(int fd);

  // Cancels what `socket` has pending, in this thread's ring and with Asio, as socket.cancel()
  // does for Asio's operations alone.
  static void cancel_pending(boost::asio::ip::tcp::socket& socket);
  // The same for the ring's operations only, on a socket about to close or go.
  static void cancel_ring(boost::asio::ip::tcp::socket& socket) {
    if (socket.is_open())
      if (Ring* ring = here(socket.get_executor().context())) ring->cancel(socket.native_handle());
  }

  // Reads and writes given to the kernel through this ring so far.
  size_t operations() const { return operations_; }

  static constexpr size_t kMaxBuffers = 8;

 private:
  // One pending operation; finish() runs or destroys its handler and frees it.
  struct Op {
    void (*finish)(Op*, int result, bool run) = nullptr;
    Op* prev = nullptr;
    Op* next = nullptr;
    Ring* ring = nullptr;
    int fd = -1;
  };
  struct Now;  // an operation completed without the kernel
  // A send's gather list lives in its operation until the kernel has taken it; a receive has none
  // (operations live while pending: thousands at once while connections open, memory that malloc
  // keeps afterwards).
  struct Gather {
    msghdr msg{};
    iovec iov[kMaxBuffers];
  };
  struct NoGather {};
  template <typename Handler, bool Sending>
  struct HandlerOp;

  void shutdown() override;
  io_uring_sqe* next_sqe();
  void submit(Op* op, int fd, io_uring_sqe* sqe);
  // The operation completes with `result` (0, or -errno) from the context's queue: for one that
  // needs no kernel (nothing to read or write) or could not be queued.
  void complete_now(Op* op, int result);
  void cancel_op(Op* op);
  void sync_cancel(io_uring_sync_cancel_reg reg);
  void schedule_flush();
  void flush();
  void drain(bool run);
  void wait_for_completions();

  static thread_local Ring* current_;

  io_uring ring_{};
  bool ready_ = false;
  boost::asio::posix::stream_descriptor wake_;  // the ring's descriptor: completions posted
  bool flush_posted_ = false;
  bool waiting_ = false;
  size_t pending_ = 0;
  size_t operations_ = 0;
  Op* first_ = nullptr;  // the pending operations, for shutdown
  std::vector<uint32_t> pending_on_;  // by descriptor: how many operations are pending on it
};

template <typename Handler, bool Sending>
struct Ring::HandlerOp : Ring::Op {
  using Allocator = typename std::allocator_traits<boost::asio::associated_allocator_t<
      Handler, boost::asio::recycling_allocator<void>>>::template rebind_alloc<HandlerOp>;

  explicit HandlerOp(Handler&& h) : handler(std::move(h)) {}

  struct Cancel {  // the handler's cancellation slot: a cancelled operation ends at once
    Op* op;
    void operator()(boost::asio::cancellation_type type) {
      if ((type & (boost::asio::cancellation_type::terminal | boost::asio::cancellation_type::partial |
                   boost::asio::cancellation_type::total)) != boost::asio::cancellation_type::none)
        op->ring->cancel_op(op);
    }
  };

  static HandlerOp* make(Ring* ring, Handler&& handler) {
    Allocator alloc(boost::asio::get_associated_allocator(handler, boost::asio::recycling_allocator<void>()));
    HandlerOp* op = std::allocator_traits<Allocator>::allocate(alloc, 1);
    new (op) HandlerOp(std::move(handler));
    op->ring = ring;
    op->finish = &HandlerOp::complete;
    auto slot = boost::asio::get_associated_cancellation_slot(op->handler);
    if (slot.is_connected()) slot.template emplace<Cancel>(Cancel{op});
    return op;
  }

  static void complete(Op* base, int result, bool run) {
    auto* op = static_cast<HandlerOp*>(base);
    auto slot = boost::asio::get_associated_cancellation_slot(op->handler);
    if (slot.is_connected()) slot.clear();
    Handler h(std::move(op->handler));
    bool read_eof = !Sending && op->wanted > 0 && result == 0;
    Allocator alloc(boost::asio::get_associated_allocator(h, boost::asio::recycling_allocator<void>()));
    op->~HandlerOp();
    std::allocator_traits<Allocator>::deallocate(alloc, op, 1);
    if (!run) return;
    boost::system::error_code ec;
    // EINTR: cancelled while the kernel ran it on a worker thread of its own.
    if (result == -ECANCELED || result == -EINTR)
      ec = boost::asio::error::operation_aborted;
    else if (result < 0)
      ec.assign(-result, boost::system::system_category());
    else if (read_eof)
      ec = boost::asio::error::eof;
    std::move(h)(ec, result > 0 ? static_cast<size_t>(result) : 0);
  }

  Handler handler;
  size_t wanted = 0;  // a receive's buffer size
  [[no_unique_address]] std::conditional_t<Sending, Gather, NoGather> gather;
};

template <typename MutableBuffers, typename Handler>
void Ring::async_receive(int fd, const MutableBuffers& buffers, Handler&& handler) {
  using Op = HandlerOp<std::decay_t<Handler>, false>;
  Op* op = Op::make(this, std::forward<Handler>(handler));
  boost::asio::mutable_buffer into;
  for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers);
       ++it)
    if (boost::asio::mutable_buffer b(*it); b.size()) {
      into = b;
      break;
    }
  op->wanted = into.size();
  if (into.size() == 0) return complete_now(op, 0);  // as Asio's: done at once, no eof
  io_uring_sqe* sqe = next_sqe();
  if (!sqe) return complete_now(op, -ENOBUFS);
  io_uring_prep_recv(sqe, fd, into.data(), into.size(), 0);
  submit(op, fd, sqe);
}

template <typename ConstBuffers, typename Handler>
void Ring::async_send(int fd, const ConstBuffers& buffers, Handler&& handler) {
  using Op = HandlerOp<std::decay_t<Handler>, true>;
  Op* op = Op::make(this, std::forward<Handler>(handler));
  size_t n = 0;
  for (auto it = boost::asio::buffer_sequence_begin(buffers);
       it != boost::asio::buffer_sequence_end(buffers) && n < kMaxBuffers; ++it) {
    boost::asio::const_buffer b(*it);
    if (b.size() == 0) continue;
    op->gather.iov[n++] = {const_cast<void*>(b.data()), b.size()};
  }
  op->gather.msg.msg_iov = op->gather.iov;
  op->gather.msg.msg_iovlen = n;
  if (n == 0) return complete_now(op, 0);  // nothing to send: done, as Asio's
  io_uring_sqe* sqe = next_sqe();
  if (!sqe) return complete_now(op, -ENOBUFS);
  io_uring_prep_sendmsg(sqe, fd, &op->gather.msg, MSG_NOSIGNAL);
  submit(op, fd, sqe);
}

}  // namespace reprise::net
