// A small blocking HTTP/1.1 client over one keep-alive connection, for the scripted demo
// session and nothing else (replay has its own asynchronous client). Responses are parsed by
// the shared llhttp parser; bodies are read whole, or piece by piece for streams.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <string>

#include "http/MessageParser.hpp"
#include "net/ByteBuffer.hpp"

namespace reprise::demo {

struct DemoResponse {
  int status = 0;
  std::string body;
  std::chrono::microseconds took{0};
};

class DemoClient {
 public:
  explicit DemoClient(const boost::asio::ip::tcp::endpoint& target);

  DemoResponse send(const std::string& method, const std::string& target, const std::string& token = "",
                    const std::string& json_body = "");
  // Opens a stream and hands each body piece to `on_data` until it returns false or the
  // connection ends; `timeout` bounds every read. Returns the status.
  int stream(const std::string& target, const std::string& token, std::chrono::milliseconds timeout,
             const std::function<bool(std::string_view)>& on_data);

 private:
  void write_request(const std::string& method, const std::string& target, const std::string& token,
                     const std::string& body);
  size_t read_head();
  bool read_more();

  boost::asio::io_context ctx_;
  boost::asio::ip::tcp::socket socket_;
  net::ByteBuffer in_;
  http::MessageParser parser_{http::MessageParser::Type::response};
};

}  // namespace reprise::demo
