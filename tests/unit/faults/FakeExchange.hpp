// A stand-in for the proxy session at the fault points: records what the faults that hit an
// exchange asked of it, and runs their hooks to the end at once (no sockets, no waiting).
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>
#include <string>
#include <vector>

#include "faults/ExchangeFaults.hpp"
#include "faults/FaultSet.hpp"
#include "http/MessageHead.hpp"

namespace reprise::faults::test {

struct FakeExchange : ExchangeControl {
  std::vector<Duration> pauses, holds;
  bool was_reset = false, refused = false;
  std::optional<int> answered;
  std::string answer_body;
  ExchangeFaults* faults = nullptr;  // an answer runs their later points, as the session does

  boost::asio::awaitable<void> pause(Duration d) override {
    pauses.push_back(d);
    co_return;
  }
  boost::asio::awaitable<void> hold(Duration d) override {
    holds.push_back(d);
    co_return;
  }
  void reset() override { was_reset = true; }
  boost::asio::awaitable<Next> answer(int status, std::string_view body) override {
    answered = status;
    answer_body = body;
    if (faults) co_await faults->before_answer(*this);
    co_return Next::answered;
  }
  boost::asio::awaitable<void> refuse_connect() override {
    refused = true;
    co_return;
  }
};

// Runs a hook to its end.
template <class T>
T run(boost::asio::awaitable<T> hook) {
  boost::asio::io_context ctx;
  std::optional<T> out;
  boost::asio::co_spawn(
      ctx, [&]() -> boost::asio::awaitable<void> { out = co_await std::move(hook); }, boost::asio::detached);
  ctx.run();
  return *out;
}
inline void run(boost::asio::awaitable<void> hook) {
  boost::asio::io_context ctx;
  boost::asio::co_spawn(ctx, std::move(hook), boost::asio::detached);
  ctx.run();
}

inline FaultSet set_of(const std::string& text) {
  return FaultSet::parse(nlohmann::json::parse(text), "faults.json");
}

// One fault of `kind_json` (e.g. R"("delay": {"fixed": "1s"})") hitting a GET of `target`.
inline ExchangeFaults hit(const std::string& kind_json, const std::string& extra = "", uint64_t seed = 1) {
  auto set =
      set_of(R"({"faults": [{"name": "f", )" + (extra.empty() ? "" : extra + ", ") + kind_json + "}]}");
  http::MessageHead request;
  request.method = "GET";
  request.target = "/x";
  Random random(seed);
  return set.choose(request, Duration{0}, random);
}

inline std::string error_of(const std::string& text) {
  try {
    set_of(text);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace reprise::faults::test
