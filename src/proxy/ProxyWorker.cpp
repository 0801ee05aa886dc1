#include "proxy/ProxyWorker.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <type_traits>
#include <vector>

#include "http/HeaderRules.hpp"
#include "net/Nothrow.hpp"
#include "net/Workers.hpp"
#include "proxy/ClientSession.hpp"

namespace reprise::proxy {

namespace asio = boost::asio;
using asio::ip::tcp;
using net::nothrow;

namespace {

// A new connection's session, a parked one's next (`Start`: net::Stream or ParkedConnection), or
// a held stream's session, its wait over.
template <typename Start>
asio::awaitable<void> serve(ProxyWorker& worker, Start start, std::atomic<size_t>& open) {
  std::unique_ptr<ClientSession> session;
  if constexpr (std::is_same_v<Start, std::unique_ptr<ClientSession>>)
    session = std::move(start);
  else
    session = std::make_unique<ClientSession>(worker, std::move(start));
  co_await session->run();
  if (session->parked() == ClientSession::Parked::held)
    worker.hold(std::move(session));
  else if (session->parked() == ClientSession::Parked::no)
    open.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace

ProxyWorker::ProxyWorker(int index, asio::io_context& ctx, const ProxyConfig& config,
                         std::atomic<size_t>& open_connections)
    : index_(index),
      ctx_(ctx),
      config_(config),
      open_connections_(open_connections),
      acceptor_(
          net::make_listener(ctx, config.listen, index == 0 ? net::Claim::first : net::Claim::beside_first)),
      pool_(ctx.get_executor(), config.upstream, config.pool_size, config.connect_timeout,
            config.upstream_tls ? &*config.upstream_tls : nullptr),
      park_timer_(ctx),
      sweep_timer_(ctx),
      stats_(config.measuring() ? std::make_unique<metrics::TagSeries>(config.routes) : nullptr),
      faults_(std::make_shared<const faults::FaultSet>(config.faults)),
      mirror_rule_(config.mirror ? std::make_shared<const mirror::MirrorRule>(config.mirror->rule())
                                 : nullptr),
      tls_(config.listen_tls),
      random_(config.seed ? *config.seed + static_cast<uint64_t>(index) : std::random_device()()) {}

ProxyWorker::~ProxyWorker() = default;

void ProxyWorker::choose_faults(const http::MessageHead& request, faults::ExchangeFaults& out) {
  if (faults_->faults().empty()) return;
  faults_->choose(
      request,
      [this] {
        return std::chrono::duration_cast<faults::Duration>(std::chrono::steady_clock::now() -
                                                            config_.started);
      },
      random_, out);
  if (out.any()) count_injected(out.names());
}

void ProxyWorker::count_injected(const std::vector<std::string>& names) {
  for (const auto& n : names) ++injected_[n];
}

void ProxyWorker::start() { asio::co_spawn(ctx_, accept_loop(), asio::detached); }

void ProxyWorker::drain() {
  draining_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  std::vector<ClientSession*> now(sessions_.begin(), sessions_.end());
  for (auto* s : now) s->close_if_idle();
  for (auto& p : parked_) {
    if (p.ending) continue;
    p.ending = true;
    p.stream.close();  // its wait ends with an error: wake() lets it go
  }
  park_timer_.cancel();  // else its wait keeps the worker's loop running to the idle timeout
  sweep_timer_.cancel();
  pool_.clear();
}

void ProxyWorker::park(ParkedConnection connection) {
  parked_.push_back(std::move(connection));
  auto it = std::prev(parked_.end());
  // eof (the client left) counts as a failure here: the connection just closes.
  it->stream.async_wait_readable([this, it](const boost::system::error_code& ec, size_t) { wake(it, ec); });
  if (!park_timer_set_) expire_parked();
}

void ProxyWorker::hold(std::unique_ptr<ClientSession> session) {
  auto& held = *session;
  held.wait_held(asio::bind_allocator(
      net::held_wait, [this, session = std::move(session)](const boost::system::error_code& ec) mutable {
        session->woken(ec);
        asio::co_spawn(ctx_, serve(*this, std::move(session), open_connections_), asio::detached);
      }));
}

void ProxyWorker::wake(std::list<ParkedConnection>::iterator it, const boost::system::error_code& ec) {
  ParkedConnection connection = std::move(*it);
  parked_.erase(it);
  if (ec || connection.ending || draining_) {
    connection.stream.close();
    open_connections_.fetch_sub(1, std::memory_order_relaxed);
    return;
  }
  asio::co_spawn(ctx_, serve(*this, std::move(connection), open_connections_), asio::detached);
}

// Closes the parked connections whose idle timeout has passed; the timer then waits for the next.
void ProxyWorker::expire_parked() {
  park_timer_set_ = false;
  auto now = std::chrono::steady_clock::now();
  for (auto& p : parked_) {
    if (p.ending) continue;
    if (p.deadline > now) {
      park_timer_set_ = true;
      park_timer_.expires_at(p.deadline);
      park_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) expire_parked();
      });
      return;
    }
    p.ending = true;
    p.stream.close();
  }
}

void ProxyWorker::sweep_kept_soon() {
  if (sweep_set_ || draining_) return;
  sweep_set_ = true;
  sweep_timer_.expires_after(ClientSession::kKeepUpstream);
  sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: by a drain, or by the timer's end with the worker (then gone)
    sweep_set_ = false;
    sweep_kept();
  });
}

void ProxyWorker::sweep_kept() {
  auto now = std::chrono::steady_clock::now();
  bool kept = false;
  for (auto* s : sessions_) kept |= s->sweep_kept(now);
  if (kept) sweep_kept_soon();
}

asio::awaitable<void> ProxyWorker::accept_loop() {
  asio::steady_timer backoff(ctx_);
  while (!draining_) {
    auto [ec, socket] = co_await acceptor_.async_accept(nothrow);
    if (ec) {
      if (draining_ || ec == asio::error::operation_aborted) co_return;
      spdlog::warn("accept failed: {}", ec.message());  // out of descriptors: wait, do not spin
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(nothrow);
      continue;
    }
    if (open_connections_.fetch_add(1, std::memory_order_relaxed) >= config_.max_connections) {
      open_connections_.fetch_sub(1, std::memory_order_relaxed);
      asio::co_spawn(ctx_, refuse(std::move(socket)), asio::detached);
      continue;
    }
    net::Stream stream = tls_ ? net::Stream(std::move(socket), tls_->native_handle()) : net::Stream(std::move(socket));
    asio::co_spawn(ctx_, serve(*this, std::move(stream), open_connections_), asio::detached);
  }
}

asio::awaitable<void> ProxyWorker::refuse(tcp::socket socket) {
  spdlog::warn("connection refused with 503: {} connections open", config_.max_connections);
  std::string answer;
  http::write_error_response(answer, 503, "too many open connections", true);
  co_await asio::async_write(socket, asio::buffer(answer), nothrow);
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
}

}  // namespace reprise::proxy
