// Examples for --help, by command ("" for `reprise` itself, "import har" for a nested one). Each
// is a line a user can run from the repository's root (captures/ and profiles/ are shipped);
// a "#" line above says what it does.
#include "cli/HelpExamples.hpp"

#include <map>
#include <string>

namespace reprise::cli {
namespace {

const std::map<std::string, std::string>& examples() {
  static const std::map<std::string, std::string> by_command = {
      {"",
       R"(  # The chat service, a recording proxy in front of it, then the recording replayed
  reprise upstream-demo --listen 127.0.0.1:8080
  reprise proxy --listen 127.0.0.1:9000 --upstream http://127.0.0.1:8080 --record chat.jsonl
  reprise replay captures/chat-sample.jsonl --profile profiles/smoke.json --target http://127.0.0.1:8080

Run 'reprise COMMAND --help' for a command's flags and examples.)"},
      {"proxy",
       R"(  # Forward 127.0.0.1:9000 to the service on 8080, recording every exchange
  reprise proxy --listen 127.0.0.1:9000 --upstream http://127.0.0.1:8080 --record chat.jsonl
  # Inject the faults of faults.json (docs/faults.md); change them live on the admin API
  reprise proxy --listen 127.0.0.1:9000 --upstream http://127.0.0.1:8080 --faults faults.json --admin 127.0.0.1:9100
  # Judge the thresholds of sla.json (docs/metrics.md) while proxying: GET /sla on the admin address
  reprise proxy --listen 127.0.0.1:9000 --upstream http://127.0.0.1:8080 --sla sla.json --admin 127.0.0.1:9100)"},
      {"upstream-demo",
       R"(  # The chat service the examples and tests use, on port 8080
  reprise upstream-demo --listen 127.0.0.1:8080
  # With an SSE heartbeat every second instead of every 15
  reprise upstream-demo --listen 127.0.0.1:8080 --heartbeat 1s)"},
      {"demo",
       R"(  # The scripted walk, recorded to demo-capture.jsonl, then what was recorded
  reprise demo
  reprise inspect demo-capture.jsonl
  # The walk only, nothing recorded
  reprise demo --record '')"},
      {"import",
       R"(  # A HAR saved from the browser's network tab (secrets redacted by default)
  reprise import har session.har -o session.jsonl
  # The HTTP exchanges of a tcpdump capture of the server on port 8080
  reprise import pcap traffic.pcap -o traffic.jsonl --port 8080)"},
      {"import pcap",
       R"(  # Every connection that speaks HTTP
  reprise import pcap traffic.pcap -o traffic.jsonl
  # Only the server on port 8080, bodies kept whole up to 1 MiB
  reprise import pcap traffic.pcap -o traffic.jsonl --port 8080 --body-limit 1048576)"},
      {"import har",
       R"(  # Secrets (Authorization, cookies, passwords, tokens) become placeholders
  reprise import har session.har -o session.jsonl
  # Redact more: header names, field names and JSON paths from rules.json
  reprise import har session.har -o session.jsonl --redact-rules rules.json)"},
      {"export",
       R"(  # The shipped sample as HAR, for a browser's network tab or a HAR viewer
  reprise export har captures/chat-sample.jsonl -o chat-sample.har
  # A proxy's recording
  reprise export har chat.jsonl -o chat.har)"},
      {"export har",
       R"(  # The shipped sample as HAR, for a browser's network tab or a HAR viewer
  reprise export har captures/chat-sample.jsonl -o chat-sample.har
  # A proxy's recording
  reprise export har chat.jsonl -o chat.har)"},
      {"inspect",
       R"(  # Routes, statuses, latencies, sessions and streams of the shipped sample
  reprise inspect captures/chat-sample.jsonl
  # The same as JSON: each route's p95 of recorded latency
  reprise inspect captures/chat-sample.jsonl --json | jq '.routes[] | {path, p95: .latency_ms.p95}'
  # What replay will correlate, with a profile's rules and identities
  reprise inspect captures/chat-sample.jsonl --correlations --profile profiles/02-message-send.json)"},
      {"record",
       R"(  # Thirty seconds of the server on port 8080 over loopback (needs root or CAP_NET_RAW)
  reprise record --interface lo --port 8080 -o live.jsonl --duration 30s
  # Until Ctrl-C, on every interface
  reprise record --interface any --port 8080 -o live.jsonl)"},
      {"replay",
       R"(  # The shipped sample at the smoke profile's rate (50 iterations/s for 5 s)
  reprise replay captures/chat-sample.jsonl --profile profiles/smoke.json --target http://127.0.0.1:8080
  # The message-send scenario (the profile names its capture) at a hundredth of its durations
  # and a twentieth of its VUs, with an HTML report
  reprise replay --profile profiles/02-message-send.json --target http://127.0.0.1:8080 --time-scale 0.01 --load-scale 0.05 --report run.html
  # Half of the run from this machine; 'reprise merge' adds the halves up
  reprise replay captures/chat-sample.jsonl --profile profiles/smoke.json --target http://127.0.0.1:8080 --shard 1/2 --summary shard1.json)"},
      {"merge",
       R"(  # Two shards' summaries (replay --shard 1/2 --summary shard1.json, and 2/2) into one
  reprise merge shard1.json shard2.json -o run.json
  # The same with JUnit XML for CI and an HTML report; exit 99 when a threshold fails
  reprise merge shard1.json shard2.json -o run.json --junit run.xml --report run.html)"},
      {"drill",
       R"(  # The sample through a proxy that injects the faults of faults.json (docs/faults.md)
  reprise drill captures/chat-sample.jsonl --upstream http://127.0.0.1:8080 --profile profiles/smoke.json --faults faults.json
  # A profile that names its capture, a hundred times faster, fault windows too
  reprise drill --profile profiles/02-message-send.json --upstream http://127.0.0.1:8080 --faults faults.json --time-scale 0.01 --load-scale 0.05 --report drill.html)"},
  };
  return by_command;
}

void add_to(CLI::App& app, const std::string& path) {
  auto found = examples().find(path);
  app.footer(found == examples().end() ? std::string{} : "Examples:\n" + found->second);
  for (auto* sub : app.get_subcommands([](CLI::App*) { return true; }))
    add_to(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name());
}

}  // namespace

void add_help_examples(CLI::App& root) { add_to(root, ""); }

}  // namespace reprise::cli
