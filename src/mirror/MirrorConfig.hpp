// What `proxy --mirror` is told, resolved once at start: where the mirror is, how much of the
// traffic it gets (the rule, which the admin API may change), the shadow users' settings and
// the bounds that keep the client from ever paying for it.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "compare/Noise.hpp"
#include "capture/Recorder.hpp"
#include "faults/Fault.hpp"
#include "mirror/ShadowUser.hpp"
#include "net/Tls.hpp"
#include "replay/Profile.hpp"

namespace reprise::mirror {

// Which requests are copied, and how many shadow users a new session gets on average.
struct MirrorRule {
  double factor = 1;
  std::optional<faults::Match> match;  // none: every request
  nlohmann::json match_source;         // as written (null: none)

  bool wants(const http::MessageHead& request) const { return factor > 0 && (!match || match->matches(request)); }
  // {"factor": F, "match": {...}|null} for the admin API and the log.
  nlohmann::ordered_json to_json() const;
  // `--mirror-match`'s text or a PUT's "match"; throws InputError naming `where`.
  static std::optional<faults::Match> parse_match(const nlohmann::json& j, const std::string& where);
};

struct MirrorConfig {
  std::string url;  // as given, for messages
  boost::asio::ip::tcp::endpoint endpoint;
  std::optional<net::ClientTlsSettings> tls;  // an https:// mirror
  MirrorRule rule;
  uint64_t body_limit = 1 << 20;  // a request with a larger body is not copied
  size_t queue = 4096;            // copies waiting, per worker, before new ones are dropped
  size_t connections = 1024;      // copies on the wire at once (each holds a connection to the mirror)
  size_t pool_size = 64;          // idle connections to the mirror kept (--pool-size)
  std::chrono::microseconds connect_timeout{5'000'000};
  std::chrono::microseconds timeout{10'000'000};  // a copy's whole answer (a stream's head)
  std::optional<uint64_t> seed;                    // the draw of fractional factors
  ShadowSettings shadow;
  replay::ExpectedStatuses expected_statuses;   // --mirror-profile's; which answers fail
  std::map<std::string, std::string> routes;    // name tags: --mirror-profile's, else the proxy's
  bool compare = false;                         // --compare: each answer against the primary's
  compare::IgnoreRules compare_ignore;          // --mirror-profile's compare.ignore
  capture::Recorder* recorder = nullptr;        // --mirror-record
};

}  // namespace reprise::mirror
