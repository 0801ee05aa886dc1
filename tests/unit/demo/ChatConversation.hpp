// The chat service's unit tests' side of the conversation: a service with the calls a client
// makes, and checks of the answers and of the SSE frames a stream would have written. For the
// tests of tests/unit/demo only.
#pragma once

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "demo/ChatService.hpp"

namespace reprise::test {

using reprise::demo::ChatOptions;
using reprise::demo::ChatResponse;
using reprise::demo::ChatService;
using Json = nlohmann::json;

// A service plus the calls a client makes, so each test reads as the API conversation it is.
// Unless told otherwise, every event a call publishes is delivered before the call returns, as
// an unbounded consumer would: the tests of what reaches a stream need no clock.
struct Chat {
  ChatService service;
  bool deliver_at_once = true;

  Chat() = default;
  explicit Chat(ChatOptions options) : service(std::move(options)) {}

  ChatResponse call(std::string_view method, std::string_view target, const std::string& token = "",
                    std::string_view body = "") {
    auto r = service.handle(method, target, token.empty() ? "" : "Bearer " + token, body);
    if (deliver_at_once) service.deliver(SIZE_MAX);
    return r;
  }
  ChatResponse post(std::string_view target, const std::string& token, const Json& body) {
    return call("POST", target, token, body.dump());
  }
  ChatResponse get(std::string_view target, const std::string& token) { return call("GET", target, token); }

  // Registers and logs in; returns the token.
  std::string user(const std::string& name, const Json& display_name = nullptr) {
    Json body = {{"email", name + "@example.org"}, {"username", name}, {"password", "pw-" + name}};
    if (!display_name.is_null()) body["display_name"] = display_name;
    auto r = post("/api/users/register", "", body);
    REQUIRE(r.status == 201);
    auto login = post("/api/users/login", "", {{"email", name + "@example.org"}, {"password", "pw-" + name}});
    REQUIRE(login.status == 200);
    return Json::parse(login.body).at("access_token").get<std::string>();
  }
};

inline Json parse(const ChatResponse& r) {
  INFO(r.body);
  REQUIRE(Json::accept(r.body));
  CHECK(r.body == nlohmann::ordered_json::parse(r.body).dump());  // compact JSON
  return Json::parse(r.body);
}

// The status and the exact detail of an error answer.
inline void check_error(const ChatResponse& r, int status, const std::string& detail = "") {
  INFO(r.body);
  CHECK(r.status == status);
  Json j = parse(r);
  REQUIRE(j.is_object());
  REQUIRE(j.contains("detail"));
  CHECK(j.size() == 1);
  if (!detail.empty()) CHECK(j["detail"] == detail);
}

inline std::vector<std::string> keys(const Json& j) {
  std::vector<std::string> out;
  for (auto it = j.begin(); it != j.end(); ++it) out.push_back(it.key());
  std::sort(out.begin(), out.end());
  return out;
}

inline std::vector<int> ids(const Json& list, const char* field = "id") {
  std::vector<int> out;
  for (const auto& x : list) out.push_back(x.at(field).get<int>());
  return out;
}

// Collects the SSE frames one stream would have written.
struct Stream {
  std::vector<std::string> frames;
  ChatService::Listener listener() {
    return [this](const std::string& e) { frames.push_back(e); };
  }
};

inline std::string frame(const std::string& name, const std::string& json) {
  return "event: " + name + "\ndata: " + json + "\n\n";
}

}  // namespace reprise::test
