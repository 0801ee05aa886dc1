// One copy on the wire: a pooled keep-alive connection to the mirror (a fresh one when a reused
// connection turns out closed), the rendered request written, the answer read whole within
// --mirror-timeout, or for an event stream held (its events counted) until the client's stream
// ends. It counts the copy into the mirror's figures (k6's per-tag figures, as the proxy keeps
// them) and hands the exchange to --mirror-record. What to send, and what the answer teaches
// the shadow user, are its callers'.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "http/MessageParser.hpp"
#include "metrics/TagSeries.hpp"
#include "mirror/MirrorConfig.hpp"
#include "net/ByteBuffer.hpp"
#include "net/UpstreamPool.hpp"
#include "net/Watchdog.hpp"

namespace reprise::mirror {

// A copied event stream, held until the client's ends (end()) or the mirror's does.
class StreamHold {
 public:
  void end();
  bool ended() const { return ended_; }

 private:
  friend class CopySender;
  net::Watchdog* dog_ = nullptr;  // the held copy's, while one is held
  bool ended_ = false;
};

struct CopyRequest {
  const std::string* bytes;     // the whole request, rendered
  std::string_view method, target;  // the client's, for the name tag
  int recorded_status = 0;      // the primary's answer (0: none): which statuses fail
  std::string session;          // for --mirror-record: "<client session>/m<k>"
  StreamHold* hold = nullptr;   // the primary answered with an event stream
  bool read_body = false;       // a JSON body is wanted (for handouts)
  std::string_view primary_body;  // the primary's answer to the same request: the same body needs no reading
};

// Called once with the answer's status, headers and JSON body (discarded when not read or not
// JSON; null when it is the primary's body byte for byte).
using AnswerHandler =
    std::function<void(int status, const std::vector<http::Header>& headers, const nlohmann::json* body)>;

class CopySender {
 public:
  CopySender(const boost::asio::any_io_executor& executor, const MirrorConfig& config);
  ~CopySender();

  // True when an answer came whose status does not count as failed.
  boost::asio::awaitable<bool> send(const CopyRequest& copy, const AnswerHandler& on_answer);
  metrics::FiguresByTag figures() const { return stats_.copy(); }
  // Why the last copy sent got no answer ("" when it got one).
  const std::string& failure() const { return failure_; }
  // The pooled connections and spare links go (their timers with them): the mirror stops.
  void close_idle();

 private:
  struct Link;
  enum class Head { read, failed, retry };
  boost::asio::awaitable<Head> read_head(Link& link, bool head_request, bool reused);
  boost::asio::awaitable<bool> read_body(Link& link, bool keep);
  boost::asio::awaitable<void> hold(Link& link, StreamHold& hold, metrics::TagFigures& tag);
  boost::asio::awaitable<size_t> read_some(Link& link);
  void record(const CopyRequest& copy, const Link& link, std::chrono::steady_clock::time_point start);

  const MirrorConfig& config_;
  net::UpstreamPool pool_;
  metrics::TagSeries stats_;
  capture::Recorder* recorder_;
  std::vector<std::unique_ptr<Link>> spare_;  // links of finished copies, for the next ones
  std::string failure_;
};

}  // namespace reprise::mirror
