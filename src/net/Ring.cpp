// The ring's loop: when queued operations go to the kernel, how completions are reaped, and how
// it ends without the kernel writing into memory that is gone.
#include "net/Ring.hpp"

#include <boost/asio/defer.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <utility>

namespace reprise::net {

thread_local Ring* Ring::current_ = nullptr;

namespace {
constexpr unsigned kEntries = 4096;
}  // namespace

Ring::Ring(boost::asio::execution_context& ctx)
    : service(ctx), wake_(static_cast<boost::asio::io_context&>(ctx)) {}

Ring::~Ring() {
  if (!ready_) return;
  wake_.release();
  io_uring_queue_exit(&ring_);
}

bool Ring::start(boost::asio::io_context& ctx) {
  Ring& ring = boost::asio::use_service<Ring>(ctx);
  if (!ring.ready_) {
    io_uring_params params{};
    // Completions are posted when the thread next enters the kernel (its io_uring_enter or
    // epoll_wait), not by interrupting it for each: the default costs more than epoll.
    params.flags = IORING_SETUP_COOP_TASKRUN;
    if (io_uring_queue_init_params(kEntries, &ring.ring_, &params) < 0) return false;
    // Cancels are synchronous (Linux 6.0): where the kernel cannot, the worker stays with epoll.
    io_uring_sync_cancel_reg probe{};
    probe.addr = 1;
    probe.timeout = {-1, -1};
    if (io_uring_register_sync_cancel(&ring.ring_, &probe) != -ENOENT) {
      io_uring_queue_exit(&ring.ring_);
      return false;
    }
    // Asio's reactor waits on the ring's own descriptor, readable while completions are posted
    // and not yet reaped; shutdown() takes it back from Asio before the ring closes it.
    boost::system::error_code ec;
    ring.wake_.assign(ring.ring_.ring_fd, ec);
    if (ec) {
      io_uring_queue_exit(&ring.ring_);
      return false;
    }
    ring.ready_ = true;
  }
  current_ = &ring;
  return true;
}

void Ring::leave() { current_ = nullptr; }

io_uring_sqe* Ring::next_sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (!sqe) {  // a full queue goes to the kernel now
    io_uring_submit(&ring_);
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

void Ring::submit(Op* op, int fd, io_uring_sqe* sqe) {
  io_uring_sqe_set_data(sqe, op);
  op->fd = fd;
  if (fd >= 0) {  // a closed socket's -1 gets EBADF, as with Asio
    if (static_cast<size_t>(fd) >= pending_on_.size()) pending_on_.resize(static_cast<size_t>(fd) + 1);
    ++pending_on_[static_cast<size_t>(fd)];
  }
  op->next = first_;
  if (first_) first_->prev = op;
  first_ = op;
  ++pending_;
  ++operations_;
  schedule_flush();
}

// Owns an operation that completes without the kernel until it runs; destroyed unrun (the
// context shut down first), it destroys the operation and its handler.
struct Ring::Now {
  Op* op;
  int result;
  Now(Op* o, int r) : op(o), result(r) {}
  Now(Now&& other) noexcept : op(std::exchange(other.op, nullptr)), result(other.result) {}
  Now& operator=(Now&&) = delete;
  ~Now() {
    if (op) op->finish(op, result, false);
  }
  void operator()() {
    Op* o = std::exchange(op, nullptr);
    o->finish(o, result, true);
  }
};

void Ring::complete_now(Op* op, int result) {
  // Never inside the initiating call, as Asio's own operations.
  boost::asio::post(wake_.get_executor(), Now(op, result));
}

void Ring::cancel_op(Op* op) {
  io_uring_sync_cancel_reg reg{};
  reg.addr = reinterpret_cast<__u64>(op);
  sync_cancel(reg);
}

void Ring::cancel(int fd) {
  if (fd < 0 || static_cast<size_t>(fd) >= pending_on_.size() || pending_on_[static_cast<size_t>(fd)] == 0)
    return;
  io_uring_sync_cancel_reg reg{};
  reg.fd = fd;
  reg.flags = IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_ALL;
  sync_cancel(reg);
}

// Needs no submission queue entry, and returns once the kernel is done with what it cancelled
// (an operation a worker thread of the kernel's runs is interrupted and waited for). Their
// completions are reaped at the next turn.
void Ring::sync_cancel(io_uring_sync_cancel_reg reg) {
  io_uring_submit(&ring_);  // an operation the kernel has not seen yet cannot be cancelled
  reg.timeout = {-1, -1};   // no time limit: the buffers must be let go of
  io_uring_register_sync_cancel(&ring_, &reg);  // ENOENT: it had completed already
  schedule_flush();
}

void Ring::cancel_pending(boost::asio::ip::tcp::socket& socket) {
  cancel_ring(socket);
  boost::system::error_code ignored;
  socket.cancel(ignored);
}

void Ring::schedule_flush() {
  if (flush_posted_) return;
  flush_posted_ = true;
  // defer, not post: queued on this thread's own list, where post would lock the context's
  // queue and wake its reactor with an epoll_ctl each time.
  boost::asio::defer(wake_.get_executor(), [this] { flush(); });
}

// One turn: what was queued goes to the kernel, what completed is reaped, and the ring waits for
// completions only while operations are pending and nothing more is queued.
void Ring::flush() {
  flush_posted_ = false;
  int submitted = io_uring_submit_and_get_events(&ring_);
  drain(true);
  if (flush_posted_) return;
  // What the kernel did not take (EINTR, EBUSY while completions overflow) goes at the next
  // turn: waiting for completions of operations it never saw would never end.
  if (submitted < 0 || io_uring_sq_ready(&ring_) > 0) return schedule_flush();
  if (pending_ == 0) {
    if (waiting_) wake_.cancel();  // so that a context with nothing else to do returns from run()
    return;
  }
  if (waiting_) return;
  waiting_ = true;
  // Asio re-arms the descriptor for the wait (EPOLL_CTL_MOD), so completions posted before it
  // wake it at once.
  wake_.async_wait(boost::asio::posix::stream_descriptor::wait_read, [this](boost::system::error_code ec) {
    waiting_ = false;
    // A wait cancelled when nothing was pending may end after new operations came: they wait on
    // this turn.
    if (!ec || pending_ > 0) flush();
  });
}

void Ring::drain(bool run) {
  io_uring_cqe* cqe = nullptr;
  while (io_uring_peek_cqe(&ring_, &cqe) == 0) {
    __u64 data = cqe->user_data;
    int result = cqe->res;
    io_uring_cqe_seen(&ring_, cqe);
    Op* op = reinterpret_cast<Op*>(data);
    if (op->fd >= 0) --pending_on_[static_cast<size_t>(op->fd)];
    if (op->prev) op->prev->next = op->next;
    if (op->next) op->next->prev = op->prev;
    if (first_ == op) first_ = op->next;
    --pending_;
    op->finish(op, result, run);
  }
}

// At the context's shutdown: the kernel gives back every buffer (each operation cancelled and
// reaped) before the handlers, and the coroutine frames that own the buffers, are destroyed.
void Ring::shutdown() {
  if (!ready_) return;
  if (current_ == this) current_ = nullptr;
  if (pending_ > 0) {
    io_uring_submit(&ring_);
    io_uring_sync_cancel_reg all{};
    all.flags = IORING_ASYNC_CANCEL_ANY;
    all.timeout = {-1, -1};
    io_uring_register_sync_cancel(&ring_, &all);
    wait_for_completions();
  }
  wake_.release();
  io_uring_queue_exit(&ring_);
  ready_ = false;
}

void Ring::wait_for_completions() {
  for (int tries = 0; pending_ > 0 && tries < 100; ++tries) {
    __kernel_timespec tick{0, 10'000'000};
    io_uring_cqe* cqe = nullptr;
    io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &tick, nullptr);
    drain(false);
  }
}

}  // namespace reprise::net
