#include "net/Address.hpp"

#include <boost/asio/io_context.hpp>
#include <charconv>

#include "InputError.hpp"

namespace reprise::net {

HostPort parse_host_port(std::string_view text, std::string_view what) {
  auto fail = [&](const char* why) -> HostPort {
    throw InputError("", std::string(what), "'" + std::string(text) + "' " + why);
  };
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return fail("is not host:port");
  HostPort hp;
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  hp.host = host.empty() ? "0.0.0.0" : std::string(host);
  std::string_view port = text.substr(colon + 1);
  unsigned value = 0;
  auto res = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || res.ec != std::errc() || res.ptr != port.data() + port.size() || value > 65535)
    return fail("has no valid port");
  hp.port = static_cast<unsigned short>(value);
  return hp;
}

WebAddress parse_url(std::string_view url, std::string_view what) {
  const bool https = url.substr(0, 8) == "https://";
  if (!https && url.substr(0, 7) != "http://")
    throw InputError("", std::string(what), "'" + std::string(url) + "' must start with http:// or https://");
  std::string_view rest = url.substr(https ? 8 : 7);
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    if (rest.substr(slash) != "/")
      throw InputError("", std::string(what), "'" + std::string(url) + "': a path prefix is not supported");
    rest = rest.substr(0, slash);
  }
  bool has_port = rest.rfind(':') != std::string_view::npos && rest.back() != ']';
  if (rest.empty() || rest.front() == ':')
    throw InputError("", std::string(what), "'" + std::string(url) + "' has no host");
  const char* port = https ? ":443" : ":80";
  return {parse_host_port(has_port ? std::string(rest) : std::string(rest) + port, what), https};
}

WebResource parse_resource_url(std::string_view url, std::string_view what) {
  if (url.substr(0, 7) != "http://" && url.substr(0, 8) != "https://")
    throw InputError("", std::string(what), "'" + std::string(url) + "' must start with http:// or https://");
  const size_t scheme = url.find("://");
  const size_t slash = scheme == std::string_view::npos ? std::string_view::npos : url.find('/', scheme + 3);
  const std::string_view target = slash == std::string_view::npos ? "/" : url.substr(slash);
  if (target.find_first_of(" \t\r\n#") != std::string_view::npos)
    throw InputError("", std::string(what),
                     "'" + std::string(url) + "': the path holds a space, a control character or a #");
  return {parse_url(url.substr(0, slash), what), std::string(target)};
}

tcp::endpoint resolve(const HostPort& hp) {
  boost::asio::io_context ctx;
  tcp::resolver resolver(ctx);
  boost::system::error_code ec;
  auto results = resolver.resolve(hp.host, std::to_string(hp.port), ec);
  if (ec || results.empty()) throw RuntimeFailure("cannot resolve " + hp.host + ": " + ec.message());
  return results.begin()->endpoint();
}

std::string to_string(const tcp::endpoint& ep) {
  return to_string(HostPort{ep.address().to_string(), ep.port()});
}

std::string to_string(const HostPort& hp) {
  bool v6 = hp.host.find(':') != std::string::npos;
  return (v6 ? "[" + hp.host + "]" : hp.host) + ":" + std::to_string(hp.port);
}

}  // namespace reprise::net
