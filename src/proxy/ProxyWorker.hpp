// One worker thread's share of the proxy: its own listener (SO_REUSEPORT), its own upstream
// pool, the sessions it runs and, when measuring, its own figures. Only the open-connection
// count is shared between workers.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <list>
#include <map>
#include <memory>
#include <unordered_set>

#include "net/UpstreamPool.hpp"
#include "proxy/ProxyConfig.hpp"
#include "metrics/TagSeries.hpp"

namespace reprise::proxy {

class ClientSession;
struct ParkedConnection;

class ProxyWorker {
 public:
  ProxyWorker(int index, boost::asio::io_context& ctx, const ProxyConfig& config,
              std::atomic<size_t>& open_connections);
  ~ProxyWorker();

  void start();
  // Stops accepting, closes idle keep-alive connections and lets in-flight exchanges finish.
  void drain();
  bool draining() const { return draining_; }

  const ProxyConfig& config() const { return config_; }
  int index() const { return index_; }
  // A capture's name for a new client connection: "c<worker>-<n>".
  std::string next_session_name() {
    return "c" + std::to_string(index_) + "-" + std::to_string(++connections_);
  }
  boost::asio::ip::tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }
  net::UpstreamPool& pool() { return pool_; }
  metrics::TagSeries* stats() { return stats_.get(); }  // null when not measuring
  // The faults that hit this request, added to `out` (empty). The set is the config's at
  // start, then whichever the admin API last published to this worker (set_faults, posted).
  void choose_faults(const http::MessageHead& request, faults::ExchangeFaults& out);
  void set_faults(std::shared_ptr<const faults::FaultSet> set) { faults_ = std::move(set); }
  // Whether the mirror gets a copy of this request, under the rule this worker holds (the
  // config's at start, then whichever the admin API last published to it).
  bool mirrors(const http::MessageHead& request, bool websocket) {
    return mirror_rule_ && config_.mirror->wants(index_, *mirror_rule_, request, websocket);
  }
  void set_mirror_rule(std::shared_ptr<const mirror::MirrorRule> rule) { mirror_rule_ = std::move(rule); }
  // The listener's TLS settings for the next connection (null: plain); one already open keeps its own.
  boost::asio::ssl::context* tls() const { return tls_.get(); }
  void set_tls(std::shared_ptr<boost::asio::ssl::context> tls) { tls_ = std::move(tls); }
  void count_injected(const std::vector<std::string>& names);
  const std::map<std::string, uint64_t>& faults_injected() const { return injected_; }
  void add(ClientSession* s) { sessions_.insert(s); }
  void remove(ClientSession* s) { sessions_.erase(s); }
  // Holds an idle keep-alive connection without its session until its next request comes (a
  // new session takes it), the client leaves, its idle timeout passes or the proxy drains.
  void park(ParkedConnection connection);
  // Holds a session whose stream waits for its upstream, or whose tunnel runs (its coroutines
  // have ended), until the upstream is readable, its deadline cancels the wait, the client
  // leaves or the tunnel is over; then runs it again.
  void hold(std::unique_ptr<ClientSession> session);
  // A session keeps its last upstream connection for its next request; every
  // ClientSession::kKeepUpstream, while any session keeps one, a sweep gives back to the pool
  // those kept that long. A session that keeps one calls this, to start the sweep if none is due.
  void sweep_kept_soon();

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> refuse(boost::asio::ip::tcp::socket socket);
  void wake(std::list<ParkedConnection>::iterator it, const boost::system::error_code& ec);
  void expire_parked();
  void sweep_kept();

  int index_;
  uint64_t connections_ = 0;
  boost::asio::io_context& ctx_;
  const ProxyConfig& config_;
  std::atomic<size_t>& open_connections_;
  boost::asio::ip::tcp::acceptor acceptor_;
  net::UpstreamPool pool_;
  std::unordered_set<ClientSession*> sessions_;
  std::list<ParkedConnection> parked_;  // in the order parked: their deadlines in order too
  boost::asio::steady_timer park_timer_;
  bool park_timer_set_ = false;
  boost::asio::steady_timer sweep_timer_;
  bool sweep_set_ = false;
  std::unique_ptr<metrics::TagSeries> stats_;
  std::shared_ptr<const faults::FaultSet> faults_;
  std::shared_ptr<const mirror::MirrorRule> mirror_rule_;  // null: no mirror
  std::shared_ptr<boost::asio::ssl::context> tls_;
  faults::Random random_;
  std::map<std::string, uint64_t> injected_;  // by fault name
  bool draining_ = false;
};

}  // namespace reprise::proxy
