// Live mirroring: the exchanges the proxy's workers copy (proxy/ExchangeRecording, the mirror
// as its sink) are sent again to a second target, on a thread of the mirror's own, as shadow
// users. A worker never waits: it pushes into its own bounded lock-free queue and, when that is
// full, the copy is dropped and counted. On the mirror's thread, each client session (a
// connection, joined to a user when its first request carries a credential another connection
// was handed, or, carrying none, an identity a user sent: a login)
// becomes `factor` shadow users (a fraction by systematic sampling: a seeded phase, then
// exactly that share of sessions gets one more); each shadow user sends a copy of every request
// of its session, one after another (mirror/CopySender), with its own identities and values
// (mirror/ShadowUser). A request is copied once the primary answered it, since the primary's
// answer says which values to swap; an event stream as soon as the primary's starts, held until
// the client's ends. It must not touch a worker's state or make the client wait.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/lockfree/spsc_queue.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "capture/ExchangeQueues.hpp"
#include "capture/ExchangeSink.hpp"
#include "metrics/TagFigures.hpp"
#include "mirror/CopySender.hpp"
#include "mirror/MirrorCompare.hpp"
#include "mirror/MirrorConfig.hpp"
#include "mirror/ShadowUser.hpp"

namespace reprise::mirror {

class Mirror : public capture::ExchangeSink {
 public:
  static constexpr uint64_t kResponseBodyLimit = 256 * 1024;  // a primary answer read for handouts

  Mirror(MirrorConfig config, int producers);
  ~Mirror() override;
  Mirror(const Mirror&) = delete;
  Mirror& operator=(const Mirror&) = delete;

  // From the workers (producer = the worker's index).
  std::unique_ptr<capture::Exchange> take(int producer) override { return queues_.take(producer); }
  void submit(int producer, std::unique_ptr<capture::Exchange> exchange) override;
  void stream_started(int producer, capture::Exchange& exchange) override;
  uint64_t request_body_limit() const override { return config_.body_limit; }
  uint64_t response_body_limit() const override { return kResponseBodyLimit; }
  // Only JSON answers hand out values (replay/Correlation) or echo identities.
  bool keeps_response_body(std::string_view content_type) const override {
    return content_type.find("json") != std::string_view::npos;
  }
  int64_t since_start(std::chrono::steady_clock::time_point t) const override;
  // At a request's start on worker `producer`, under the rule it holds: whether it is copied. A
  // WebSocket upgrade never is, nor a body the head says is over the limit, nor anything while
  // the mirror is behind (the worker's queue full, or the copies waiting at their bound); all
  // are counted.
  bool wants(int producer, const MirrorRule& rule, const http::MessageHead& request, bool websocket);

  // Warns when the mirror cannot be reached now (the proxy serves anyway), starts the thread.
  void start();
  // Once the proxy drained: nothing new is sent, streams end, copies under way get a moment.
  void stop();

  const MirrorConfig& config() const { return config_; }
  MirrorRule rule() const;
  // A new rule: the factor counts for sessions that start after it; 0 stops every copy.
  void set_rule(MirrorRule rule);
  // GET /mirror: the rule and the counts.
  nlohmann::ordered_json state() const;
  // The copies' figures (target="mirror"), copied on the mirror's thread; nullopt when it did
  // not answer within `wait`.
  std::optional<metrics::FiguresByTag> figures(std::chrono::milliseconds wait);
  // --compare: the answers compared by route (compare::DiffTally::to_json), made on the mirror's
  // thread; nullopt when it did not answer within `wait` or nothing is compared.
  std::optional<nlohmann::ordered_json> comparison(std::chrono::milliseconds wait);

 private:
  struct Primary;
  struct User;
  struct Connection;
  struct Stream;

  uint64_t backlog_bound() const { return static_cast<uint64_t>(config_.queue) * stream_ids_.size(); }
  void wake();
  void drain();
  void arrive(size_t producer, std::unique_ptr<capture::Exchange> x);
  std::shared_ptr<Connection> connection_for(const capture::Exchange& x);
  size_t shadows_for_new_user();
  boost::asio::awaitable<void> run_chain(std::shared_ptr<Connection> c, size_t k);
  // Waits until no copy still on its way hands out a value the copy of `p` carries (bounded).
  boost::asio::awaitable<void> wait_for_values(const ShadowUser& shadow, const Primary& p);
  // Waits for one of --mirror-connections' places on the wire; false when stopping.
  boost::asio::awaitable<bool> take_place();
  void give_place();
  void end_stream(uint64_t id);
  void log_failure(const std::string& why);
  void log_comparison() const;
  void forget_idle();

  MirrorConfig config_;
  capture::ExchangeQueues queues_;
  std::chrono::steady_clock::time_point start_;
  std::vector<uint64_t> stream_ids_;  // by producer: each worker's own count
  // By producer: the ids of streams that ended (a queue of their own, so that a full record
  // queue cannot leave a copy held forever), and how many could not be told.
  std::vector<std::unique_ptr<boost::lockfree::spsc_queue<uint64_t>>> ended_;
  std::atomic<uint64_t> ended_lost_{0};
  std::atomic<bool> asleep_{true};    // the mirror's thread waits for a wake()
  std::atomic<uint64_t> copies_{0}, answered_{0}, failed_{0}, dropped_{0}, skipped_websocket_{0},
      skipped_body_{0}, shadow_users_{0}, pending_{0};
  mutable std::mutex rule_mutex_;  // guards rule_ (the admin thread reads it; the mirror's thread uses its own copy)
  MirrorRule rule_;

  // The mirror's thread only, from here on.
  boost::asio::io_context ctx_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<CopySender> sender_;
  std::unique_ptr<MirrorCompare> compare_;  // --compare
  double factor_;       // for new sessions
  double phase_ = 0;    // systematic sampling of the fraction
  uint64_t next_copy_ = 0;
  uint64_t arrived_ = 0;  // client exchanges taken
  bool stopping_ = false;
  size_t on_wire_ = 0;                   // copies sent and not yet answered (or held)
  boost::asio::steady_timer place_freed_;  // cancelled when a place on the wire frees up
  boost::asio::steady_timer settled_;      // cancelled when a copy is answered (or failed)
  boost::asio::steady_timer poll_;         // the next look at the queues while records keep coming
  http::MessageParser request_heads_{http::MessageParser::Type::request};
  http::MessageParser response_heads_{http::MessageParser::Type::response};
  std::unordered_map<std::string, std::shared_ptr<Connection>> connections_;  // by client session
  std::unordered_map<std::string, std::weak_ptr<User>> by_credential_;       // a long handout → its user
  std::unordered_map<std::string, std::weak_ptr<User>> by_identity_;         // an identity it sent → its user
  std::unordered_map<uint64_t, std::shared_ptr<Stream>> streams_;            // open client streams, by id
  std::unordered_set<uint64_t> ended_early_;  // ended before their head was taken
  std::chrono::steady_clock::time_point last_sweep_;
  std::chrono::steady_clock::time_point last_failure_log_{};
  uint64_t failures_unlogged_ = 0;
  std::thread thread_;
};

}  // namespace reprise::mirror
