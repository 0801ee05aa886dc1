// Parses the addresses users type: "127.0.0.1:8080", "[::1]:8080", ":8080", "localhost:8080",
// and upstream URLs "http://host:port", "https://host". Resolution happens once, at start, never per request.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string>
#include <string_view>

namespace reprise::net {

using boost::asio::ip::tcp;

struct HostPort {
  std::string host;
  unsigned short port = 0;
};

// Throws InputError naming `what` when `text` is not host:port.
HostPort parse_host_port(std::string_view text, std::string_view what);
// An upstream or target: where, and whether it speaks TLS.
struct WebAddress {
  HostPort host_port;
  bool https = false;
};
// Accepts http://host[:port][/] and https://host[:port][/] (ports 80 and 443 by default);
// throws InputError otherwise.
WebAddress parse_url(std::string_view url, std::string_view what);
// A URL with a path, such as a metrics endpoint "http://host:9100/metrics?x=1": where, and the
// request target ("/metrics?x=1"; "/" when the URL has none).
struct WebResource {
  WebAddress address;
  std::string target;
};
WebResource parse_resource_url(std::string_view url, std::string_view what);
// Resolves to the first endpoint; throws RuntimeFailure when the name does not resolve.
tcp::endpoint resolve(const HostPort& hp);

std::string to_string(const tcp::endpoint& ep);
// "host:port", "[::1]:port": as a Host header names it.
std::string to_string(const HostPort& hp);

}  // namespace reprise::net
