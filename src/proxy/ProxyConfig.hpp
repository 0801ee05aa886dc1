// Everything `reprise proxy` is told on its command line, resolved once at start.
#pragma once

#include <spdlog/logger.h>

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "capture/Recorder.hpp"
#include "faults/FaultSet.hpp"
#include "http/HeaderRules.hpp"
#include "net/Tls.hpp"
#include "mirror/Mirror.hpp"
#include "proxy/SlaFile.hpp"

namespace reprise::proxy {

using namespace std::chrono_literals;

struct ProxyConfig {
  boost::asio::ip::tcp::endpoint listen;
  boost::asio::ip::tcp::endpoint upstream;
  std::optional<net::ClientTlsSettings> upstream_tls;  // --upstream https://...: how to trust and name it
  std::string tls_cert, tls_key;                      // --tls-cert/--tls-key: the listener speaks TLS
  std::shared_ptr<boost::asio::ssl::context> listen_tls;  // made from them at start (null: plain)
  int threads = 0;
  bool io_uring = true;  // --io-uring: plain TCP reads and writes through each worker's io_uring
  std::chrono::microseconds header_timeout = 10s;
  std::chrono::microseconds idle_timeout = 60s;
  std::chrono::microseconds connect_timeout = 5s;
  std::chrono::microseconds response_timeout = 60s;
  std::chrono::microseconds drain_timeout = 10s;
  size_t max_header_size = 64 * 1024;
  size_t max_connections = 10000;
  size_t pool_size = 64;
  http::ForwardingHeaders forwarding;
  std::shared_ptr<spdlog::logger> access_log;           // null: off
  capture::Recorder* recorder = nullptr;                // null: not recording
  mirror::Mirror* mirror = nullptr;                     // --mirror (null: none)
  std::optional<SlaFile> mirror_sla;                    // --mirror-sla
  std::optional<boost::asio::ip::tcp::endpoint> admin;  // --admin: /metrics, /healthz, /sla
  std::optional<SlaFile> sla;                           // --sla
  std::map<std::string, std::string> routes;            // name tags: name → "METHOD /path/*"
  faults::FaultSet faults;                              // --faults; changed live through --admin
  std::optional<uint64_t> seed;                         // --seed: which requests faults hit, reproducibly
  std::string admin_token;                              // --admin-token: every admin call needs it
  std::chrono::steady_clock::time_point started;        // fault windows count from here

  // Metrics are kept only for someone to read them.
  bool measuring() const { return admin.has_value() || sla.has_value(); }
  bool judging() const { return sla.has_value() || mirror_sla.has_value(); }
};

}  // namespace reprise::proxy
