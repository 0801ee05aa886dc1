// The ring's loop: when queued operations go to the kernel, how completions are reaped, and how
// it ends without the kernel writing into memory that is gone.
#include "net/Ring.hpp"

#include <boost/asio/defer.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>

namespace reprise::net {

thread_local Ring* Ring::current_ = nullptr;

namespace {
// The user_data of a cancellation request: its own completion (if any) is not an operation's.
constexpr __u64 kCancelRequest = 0;
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

void Ring::submit(Op* op, io_uring_sqe* sqe) {
  io_uring_sqe_set_data(sqe, op);
  op->next = first_;
  if (first_) first_->prev = op;
  first_ = op;
  ++pending_;
  ++operations_;
  schedule_flush();
}

void Ring::fail(Op* op, int error) {
  // Never inside the initiating call, as Asio's own operations.
  boost::asio::post(wake_.get_executor(), [op, error] { op->finish(op, -error, true); });
}

void Ring::cancel_op(Op* op) {
  io_uring_sqe* sqe = next_sqe();
  if (!sqe) return;  // it ends by itself, as an uncancelled one
  io_uring_prep_cancel(sqe, op, 0);
  io_uring_sqe_set_data64(sqe, kCancelRequest);
  sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
  schedule_flush();
}

void Ring::cancel(int fd) {
  if (fd < 0 || pending_ == 0) return;
  io_uring_sqe* sqe = next_sqe();
  if (!sqe) return;
  io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
  io_uring_sqe_set_data64(sqe, kCancelRequest);
  sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
  // Now, not with the next batch: the caller may free the buffers when this returns.
  io_uring_submit(&ring_);
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
  io_uring_submit_and_get_events(&ring_);  // a failure is tried again at the next turn
  drain(true);
  if (flush_posted_) return;
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
    if (data == kCancelRequest) continue;
    Op* op = reinterpret_cast<Op*>(data);
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
    if (io_uring_sqe* sqe = next_sqe()) {
      io_uring_prep_cancel(sqe, nullptr, IORING_ASYNC_CANCEL_ANY);
      io_uring_sqe_set_data64(sqe, kCancelRequest);
    }
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
