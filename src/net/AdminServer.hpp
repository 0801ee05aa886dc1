// A small HTTP/1.1 admin endpoint on a thread of its own: a table of routes (method and path to a
// handler that returns status, content type and body), one request per connection, parsed by
// http::MessageParser, a request body read whole up to 1 MiB (by Content-Length, or chunked) and
// taken only as JSON (else 415), so that a web page cannot post to it behind its user's back.
// Handlers run on the admin thread, one at a time: they take their own locks and must not wait
// long. It knows nothing of what the routes mean (metrics, faults, health are its callers'),
// and it is not for the data path: the proxy's listeners are net/Workers'.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "http/MessageHead.hpp"

namespace reprise::net {

struct AdminRequest {
  std::string_view method;
  std::string_view path;   // the target without its query
  std::string_view query;  // after '?', empty when none
  std::string_view param;  // what the route's last "{...}" segment matched, e.g. a fault's name
  const http::MessageHead& head;
  std::string_view body;
};

struct AdminResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type and -Length
};

using AdminHandler = std::function<AdminResponse(const AdminRequest&)>;

class AdminServer {
 public:
  // Binds now (throws RuntimeFailure when it cannot); serves once start() is called.
  explicit AdminServer(const boost::asio::ip::tcp::endpoint& listen);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Before start(). `path` is exact ("/metrics"), or ends in one "{name}" segment matching any
  // one non-empty segment ("/faults/{name}"). A path known under another method answers 405.
  void route(std::string method, std::string path, AdminHandler handler);
  // Before start(): every call must then carry "Authorization: Bearer <token>" (else 401).
  void require_token(std::string token) { token_ = std::move(token); }
  void start();

  boost::asio::ip::tcp::endpoint endpoint() const;

 private:
  struct Route {
    std::string method;
    std::string path;  // without the "{...}" segment when `has_param`
    bool has_param = false;
    AdminHandler handler;
  };
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);
  // The answer to one parsed request: a route's, or 404 / 405.
  AdminResponse dispatch(const http::MessageHead& head, std::string_view body) const;

  boost::asio::io_context ctx_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<Route> routes_;
  std::string token_;  // empty: none asked
  std::thread thread_;
};

}  // namespace reprise::net
