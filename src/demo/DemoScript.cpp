#include "demo/DemoScript.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "capture/CaptureReader.hpp"
#include "capture/CaptureSummary.hpp"
#include "capture/Recorder.hpp"
#include "capture/SummaryReport.hpp"
#include "demo/DemoClient.hpp"
#include "demo/DemoServer.hpp"
#include "net/Address.hpp"
#include "proxy/ProxyServer.hpp"
#include "replay/RunInfo.hpp"
#include "replay/RunReport.hpp"
#include "replay/RunVerdicts.hpp"
#include "replay/Runner.hpp"
#include "replay/Session.hpp"

namespace reprise::demo {
namespace {

using PlainJson = nlohmann::json;
using namespace std::chrono_literals;

// Prints each step and remembers whether every answer was the promised one.
class Script {
 public:
  explicit Script(const boost::asio::ip::tcp::endpoint& proxy) : proxy_(proxy) {}

  PlainJson step(DemoClient& c, const char* what, const std::string& method, const std::string& target,
                 int expect, const std::string& token = "", const PlainJson& body = nullptr) {
    auto r = c.send(method, target, token, body.is_null() ? "" : body.dump());
    bool good = r.status == expect;
    ok_ = ok_ && good;
    std::printf("  %-26s %-6s %-38s %3d %s %7.2f ms\n", what, method.c_str(), target.c_str(), r.status,
                good ? "ok  " : "FAIL", static_cast<double>(r.took.count()) / 1000.0);
    return PlainJson::parse(r.body, nullptr, false);
  }
  void fail() { ok_ = false; }
  bool ok() const { return ok_; }
  const boost::asio::ip::tcp::endpoint& proxy() const { return proxy_; }

 private:
  boost::asio::ip::tcp::endpoint proxy_;
  bool ok_ = true;
};

// Bob's notification stream, read on its own thread: counts events by name.
struct StreamWatch {
  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::string, int> events;
  int total = 0;
  int status = 0;
  bool done = false;

  void run(const boost::asio::ip::tcp::endpoint& proxy, const std::string& token, int expected) {
    std::string pending;
    DemoClient client(proxy);
    int s = client.stream("/api/notifications/stream", token, 5000ms, [&](std::string_view data) {
      pending.append(data);
      std::lock_guard lock(mutex);
      for (size_t end; (end = pending.find("\n\n")) != std::string::npos; pending.erase(0, end + 2)) {
        std::string block = pending.substr(0, end);
        if (block.rfind("event: ", 0) != 0) continue;  // heartbeat comments
        events[block.substr(7, block.find('\n') - 7)]++;
        ++total;
      }
      changed.notify_all();
      return total < expected;
    });
    std::lock_guard lock(mutex);
    status = s;
    done = true;
    changed.notify_all();
  }
  bool wait_for(int n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, [&] { return total >= n || done; }) && total >= n;
  }
};

void walk(Script& s) {
  DemoClient alice(s.proxy()), bob(s.proxy()), carol(s.proxy());
  std::printf("\nscenario 1: user auth and profile\n");
  s.step(alice, "register alice", "POST", "/api/users/register", 201, "",
         {{"email", "alice@test.com"},
          {"username", "alice"},
          {"password", "Test1234!@#"},
          {"display_name", "Alice"}});
  PlainJson b = s.step(
      bob, "register bob", "POST", "/api/users/register", 201, "",
      {{"email", "bob@test.com"}, {"username", "bob"}, {"password", "Test1234!@#"}, {"display_name", "Bob"}});
  PlainJson c = s.step(carol, "register carol", "POST", "/api/users/register", 201, "",
                       {{"email", "carol@test.com"}, {"username", "carol"}, {"password", "Test1234!@#"}});
  s.step(alice, "register alice again", "POST", "/api/users/register", 400, "",
         {{"email", "alice@test.com"}, {"username", "alice"}, {"password", "x"}});
  std::string ta = s.step(alice, "login alice", "POST", "/api/users/login", 200, "",
                          {{"email", "alice@test.com"}, {"password", "Test1234!@#"}})
                       .value("access_token", "");
  std::string tb = s.step(bob, "login bob", "POST", "/api/users/login", 200, "",
                          {{"email", "bob@test.com"}, {"password", "Test1234!@#"}})
                       .value("access_token", "");
  std::string tc = s.step(carol, "login carol", "POST", "/api/users/login", 200, "",
                          {{"email", "carol@test.com"}, {"password", "Test1234!@#"}})
                       .value("access_token", "");
  s.step(alice, "profile without token", "GET", "/api/users/me", 401);
  s.step(alice, "profile", "GET", "/api/users/me", 200, ta);
  s.step(alice, "search", "GET", "/api/users/search?q=bob", 200, ta);

  std::printf("\nscenario 4: notification stream (bob, SSE, opened now)\n");
  constexpr int kExpected = 1 + 11 + 1;  // connected, 11 messages, 1 friend request
  StreamWatch watch;
  std::thread reader([&] { watch.run(s.proxy(), tb, kExpected); });
  if (!watch.wait_for(1, 3000ms)) s.fail();
  std::printf("  stream open: %d events so far\n", watch.total);

  std::printf("\nscenario 2: messages\n");
  int room = s.step(alice, "create room", "POST", "/api/chat/rooms", 201, ta, {{"name", "demo room"}})
                 .value("id", 0);
  std::string messages = "/api/chat/rooms/" + std::to_string(room) + "/messages";
  s.step(bob, "bob joins by posting", "POST", messages, 200, tb, {{"content", "hi all"}});
  s.step(alice, "list rooms", "GET", "/api/chat/rooms", 200, ta);
  for (int i = 1; i <= 10; ++i)
    s.step(alice, ("send message " + std::to_string(i)).c_str(), "POST", messages, 200, ta,
           {{"content", "message " + std::to_string(i)}, {"message_type", "text"}});
  s.step(alice, "message list", "GET", messages + "?limit=50", 200, ta);

  std::printf("\nscenario 3: friend request\n");
  int request = s.step(alice, "friend request", "POST", "/api/friends/requests", 200, ta,
                       {{"addressee_id", b.value("id", 0)}})
                    .value("id", 0);
  s.step(alice, "accept by the wrong user", "POST",
         "/api/friends/requests/" + std::to_string(request) + "/accept", 403, ta);
  s.step(bob, "accept", "POST", "/api/friends/requests/" + std::to_string(request) + "/accept", 200, tb);
  s.step(carol, "carol searches", "GET", "/api/users/search?q=alice", 200, tc);
  int second =
      s.step(carol, "carol asks alice", "POST", "/api/friends/requests", 200, tc, {{"addressee_id", 1}})
          .value("id", 0);
  s.step(alice, "alice accepts", "POST", "/api/friends/requests/" + std::to_string(second) + "/accept", 200,
         ta);
  (void)c;

  bool all = watch.wait_for(kExpected, 3000ms);
  reader.join();
  std::printf("\n  SSE stream: status %d, %d events:", watch.status, watch.total);
  for (const auto& [name, n] : watch.events) std::printf(" %s=%d", name.c_str(), n);
  std::printf(" %s\n", all ? "(all expected events arrived)" : "(MISSING EVENTS)");
  if (!all) s.fail();
}

// The recorded session replayed against the same service with a spike: 5 sessions a second, up
// to the peak for 2 s and back down, each session's notification stream held 3 s (the seed's
// concurrent connections); each iteration registers users of its own (their unique fields are
// found in the capture). The thresholds are the seed's SLA table, its two load rows at 1/100 of
// the seed's figures (the demo's spike is small), the consumer lag read from the service.
constexpr const char* kSpikeProfile = R"({
  "executor": "ramping-arrival-rate", "startRate": 5, "timeUnit": "1s", "preAllocatedVUs": 20, "maxVUs": 600,
  "stages": [{"duration": "2s", "target": 5}, {"duration": "1s", "target": 60}, {"duration": "2s", "target": 60},
             {"duration": "1s", "target": 5}, {"duration": "1s", "target": 5}],
  "gracefulStop": "5s", "sse": {"hold": "3s"},
  "routes": {"SendMessage": "POST /api/chat/rooms/*/messages", "Login": "POST /api/users/login"},
  "thresholds": {"http_reqs": ["rate>50"],
                 "http_req_duration{name:SendMessage}": ["p(95)<500", "p(99)<1000"],
                 "http_req_failed": ["rate<0.01"],
                 "sse_connections": ["value>=100"],
                 "notification_lag": ["max<100"]}
})";

replay::Profile spike_profile(double peak, const net::tcp::endpoint& service) {
  auto j = nlohmann::json::parse(kSpikeProfile);
  j["stages"][1]["target"] = peak;
  j["stages"][2]["target"] = peak;
  j["sources"]["notification_lag"] = {{"prometheus", "http://" + net::to_string(service) + "/metrics"},
                                      {"metric", "kafka_consumergroup_lag"},
                                      {"every", "250ms"}};
  return replay::Profile::parse(j, "the demo's spike profile");
}

// The seed's SLA table, each row beside the threshold that judged it and what it measured.
void print_seed_table(const std::vector<metrics::Verdict>& verdicts) {
  struct Row {
    const char* what;
    const char* seed;
    const char* threshold;
    const char* condition;
  };
  static const Row kRows[] = {
      {"throughput, all APIs", "5,000 req/s", "http_reqs", "rate>50"},
      {"message send p95", "< 500 ms", "http_req_duration{name:SendMessage}", "p(95)<500"},
      {"message send p99", "< 1,000 ms", "http_req_duration{name:SendMessage}", "p(99)<1000"},
      {"error rate, all APIs", "< 1 %", "http_req_failed", "rate<0.01"},
      {"concurrent SSE connections", "10,000", "sse_connections", "value>=100"},
      {"Kafka consumer lag", "< 100", "notification_lag", "max<100"},
  };
  std::printf("\nthe seed's SLA table (its two load rows judged at 1/100: the demo's spike is small)\n");
  std::printf("  %-27s %-12s %-52s %s\n", "row", "seed", "judged as", "measured");
  for (const auto& row : kRows)
    for (const auto& v : verdicts)
      if (v.threshold == row.threshold && v.condition == row.condition)
        std::printf("  %-27s %-12s %-52s %s %s\n", row.what, row.seed,
                    (std::string(row.threshold) + " " + row.condition).c_str(), v.ok ? "✓" : "✗",
                    metrics::value_text(v).c_str());
}

bool replay_spike(const DemoOptions& options, const net::tcp::endpoint& target) {
  auto profile = spike_profile(options.spike, target);
  auto built = replay::build_sessions(capture::CaptureReader::read_all(options.record), profile,
                                      {true, net::to_string(target)});
  std::printf(
      "\nreplaying %s against the chat service with a spike (5/s, %g/s for 2 s, 5/s; 7 s), reading its "
      "consumer "
      "lag from /metrics:\n\n",
      options.record.c_str(), options.spike);
  std::fflush(stdout);
  replay::RunOptions run;
  run.target = target;
  run.timeline = !options.summary.empty();
  auto result = replay::run_replay(built, profile, run);
  auto info = replay::run_info(options.record, "http://" + net::to_string(target), "(built-in spike)",
                               profile, run, built);
  // the figures, the statuses by route, the thresholds; a breach is the demo's finding, not its failure
  replay::RunOutputs outputs;
  outputs.summary = options.summary;
  if (replay::finish_run(info, result, profile.thresholds, outputs) == 99)
    std::printf("  (the demo itself exits 0: a breached SLA is what it shows, not a failure of the demo)\n");
  print_seed_table(replay::judge_run(profile.thresholds, result));
  std::printf(
      "\n  The 400, 401 and 403 answers are the recording's own (a second register, a request without\n"
      "  its token, an accept of one's own request): expected, not failures. The three users replay\n"
      "  together, each copy registering users of its own, with the tokens and ids the live service\n"
      "  hands out. A larger spike (--spike 240) or a slower consumer (--delivery-rate 300) makes the\n"
      "  notification backlog pass 100: the lag row fails.\n");
  return result.stats.transport_errors == 0 && result.stats.iterations > 0;
}

}  // namespace

int run_demo(const DemoOptions& options) {
  const std::string& record_path = options.record;
  boost::asio::io_context upstream_ctx;
  DemoServer upstream(upstream_ctx, net::resolve({"127.0.0.1", 0}), 1s, {},
                      static_cast<double>(options.delivery_rate));
  upstream.start();
  std::thread upstream_thread([&] { upstream_ctx.run(); });

  proxy::ProxyConfig config;
  config.listen = net::resolve({"127.0.0.1", 0});
  config.upstream = upstream.local_endpoint();
  config.forwarding.host = net::to_string(config.upstream);
  config.threads = 1;
  config.drain_timeout = 2s;
  std::unique_ptr<capture::Recorder> recorder;
  if (!record_path.empty()) {
    capture::RecorderConfig rc;
    rc.path = record_path;
    rc.upstream = "http://" + net::to_string(upstream.local_endpoint());
    recorder = std::make_unique<capture::Recorder>(std::move(rc), 1);
    config.recorder = recorder.get();
  }
  proxy::ProxyServer proxy(config);
  proxy.start();
  std::printf("reprise demo: chat service on http://%s, proxy on http://%s\n",
              net::to_string(upstream.local_endpoint()).c_str(), net::to_string(proxy.endpoint()).c_str());

  Script script(proxy.endpoint());
  try {
    walk(script);
  } catch (const std::exception& e) {
    std::printf("demo stopped: %s\n", e.what());
    script.fail();
  }
  proxy.drain();
  proxy.wait();
  bool replayed = true;
  if (recorder) {
    recorder->stop();
    std::printf("\nrecorded %llu exchanges to %s (redacted); reprise inspect %s:\n\n",
                static_cast<unsigned long long>(recorder->written()), record_path.c_str(),
                record_path.c_str());
    std::fflush(stdout);
    capture::CaptureReader reader(record_path);
    capture::print_summary_table(record_path, capture::summarize(reader));
    replayed = replay_spike(options, upstream.local_endpoint());
  }
  boost::asio::post(upstream_ctx, [&] { upstream.stop(); });
  upstream_thread.join();
  std::printf("\n%s\n",
              script.ok() ? "demo: every step answered as the API promises" : "demo: some steps FAILED");
  if (!replayed) std::printf("demo: the replay FAILED to reach the chat service\n");
  return script.ok() && replayed ? 0 : 2;
}

}  // namespace reprise::demo
