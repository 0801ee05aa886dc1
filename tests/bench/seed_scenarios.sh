#!/usr/bin/env bash
# The shipped scenarios 2 (message send) and 4 (SSE connections) at their full scale, each
# against a fresh `reprise upstream-demo` in a process of its own (each process here may hold at
# most 20,000 open files: 10,000 streams cost 10,000 on each side):
#
#   tests/bench/seed_scenarios.sh path/to/reprise
#
# 1. `reprise replay --profile profiles/02-message-send.json` (ramping-vus to 200 VUs in 1 min, to
#    1,000 over 10 min, down in 1 min; 12 min): the SendMessage rate over the whole run and on
#    the plateau (the last 2 minutes of the ramp up, from the summary's timeline), its p95/p99,
#    and the thresholds' verdict.
# 2. `reprise replay --profile profiles/04-sse-connections.json` (to 5,000 VUs in 5 min, to
#    10,000 over 10 min, down in 5 min; streams held 10 min; 20 min): the peak of open streams,
#    how long at least 9,900 were open (from the timeline), events received, failures, and the
#    replayer's peak RSS.
#
# Environment: BENCH_TIME_SCALE (1: full length; 0.1 for a quick look), BENCH_THREADS (2:
# the replayer's threads), BENCH_SEED_PARTS ("messages sse"), BENCH_KEEP=1 keeps the summaries.
# Exit status: 0 when both ran and exited 0 (thresholds passed), 1 otherwise.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
BIN=$(realpath "${1:?usage: seed_scenarios.sh path/to/reprise}")
SCALE=${BENCH_TIME_SCALE:-1}
THREADS=${BENCH_THREADS:-2}
PARTS=${BENCH_SEED_PARTS:-messages sse}
WORK=$(mktemp -d /tmp/reprise-bench-seed-XXXXXX)
PIDS=()
FAILED=0
log() { echo "seed_scenarios: $*" >&2; }
# shellcheck source=processes.sh
source "$HERE/processes.sh"

# run_scenario NAME PROFILE: a fresh chat service, the replay to its end, its summary in $WORK/NAME.json
run_scenario() {
  local name=$1 profile=$2 port up_pid rc
  port=$(free_port)
  start "$WORK/$name-upstream.log" "$BIN" upstream-demo --listen "127.0.0.1:$port" --log-level warn
  up_pid=$LAST_PID
  wait_port "$port" "$up_pid" "$WORK/$name-upstream.log" || { FAILED=1; return 1; }
  log "$name: $(basename "$profile") at --time-scale $SCALE, $THREADS replayer thread(s), started $(date +%T)"
  /usr/bin/time -f "%M" -o "$WORK/$name.rss" "$BIN" replay --profile "$profile" --target "http://127.0.0.1:$port" \
    --time-scale "$SCALE" --threads "$THREADS" --summary "$WORK/$name.json" --log-level warn >"$WORK/$name.out" 2>&1
  rc=$?
  alive "$up_pid" || log "$name: the chat service died during the run"
  forget "$up_pid"
  [ "$rc" = 0 ] || { log "$name: replay exited $rc"; FAILED=1; }
  sed -n '/^statuses by route/,$p' "$WORK/$name.out" >&2
  return 0
}

for part in $PARTS; do
  case $part in
    messages) run_scenario messages "$ROOT/profiles/02-message-send.json" ;;
    sse) run_scenario sse "$ROOT/profiles/04-sse-connections.json" ;;
    *) log "unknown part $part"; FAILED=1 ;;
  esac
done

"$PY" - "$WORK" "$SCALE" <<'PYEOF'
import json, os, sys
work, scale = sys.argv[1], float(sys.argv[2])

def load(name):
    path = os.path.join(work, name + ".json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)

def rss_mib(name):
    try:
        return int(open(os.path.join(work, name + ".rss")).read().split()[-1]) / 1024
    except Exception:
        return float("nan")

def pct(h, p):  # nearest-rank percentile of a summary histogram in ms (buckets: value → count)
    import bisect
    counts = sorted((float(k), v) for k, v in h.get("buckets", {}).items())
    total = sum(v for _, v in counts)
    if not total:
        return float("nan")
    rank, seen = max(1, -(-p * total // 100)), 0
    for value, n in counts:
        seen += n
        if seen >= rank:
            return value / 1000
    return counts[-1][0] / 1000

m = load("messages")
if m:
    verdicts = {v["threshold"] + " " + v["condition"]: v for v in m["verdicts"]}
    send = m["tags"]["SendMessage"]
    plateau_from, plateau_to = 9 * 60 * scale, 11 * 60 * scale
    plateau = [p for p in m["timeline"] if plateau_from <= p["t"] <= plateau_to]
    plateau_sent = sum(p["tags"].get("SendMessage", {}).get("http_reqs", 0) for p in plateau)
    span = (plateau[-1]["t"] - plateau[0]["t"] + 1) if plateau else float("nan")
    p95 = verdicts.get("http_req_duration{name:SendMessage} p(95)<500", {}).get("actual")
    p99 = verdicts.get("http_req_duration{name:SendMessage} p(99)<1000", {}).get("actual")
    print(f"scenario 2, message send ({m['elapsed_s']:.0f} s, {m['vus_max']} VUs at most):")
    print(f"  SendMessage: {send['http_reqs']} sent, {send['http_reqs'] / m['elapsed_s']:.0f}/s over the run, "
          f"{plateau_sent / span:.0f}/s on the plateau (minutes 9-11); p95 {p95:.1f} ms, p99 {p99:.1f} ms")
    c = m["counters"]
    print(f"  all requests: {c['http_reqs']} ({c['http_reqs'] / m['elapsed_s']:.0f}/s), {c['http_req_failed']} failed, "
          f"{c['unexpected_status']} unexpected statuses; thresholds {'passed' if all(v['ok'] for v in m['verdicts']) else 'FAILED'}")
    print(f"  replayer peak RSS {rss_mib('messages'):.0f} MiB")
s = load("sse")
if s:
    c = s["counters"]
    held = [p["t"] for p in s["timeline"] if p["sse_open"] >= 9900 * min(1.0, 1.0)]
    held_s = (held[-1] - held[0]) if held else 0
    print(f"scenario 4, SSE connections ({s['elapsed_s']:.0f} s):")
    print(f"  peak {s['sse_open_peak']} streams open at once; >= 9,900 open for {held_s:.0f} s; "
          f"{c['sse_connections']} streams opened, {c['sse_events']} events, {c['http_req_failed']} failed of {c['http_reqs']}")
    print(f"  thresholds {'passed' if all(v['ok'] for v in s['verdicts']) else 'FAILED'}; replayer peak RSS "
          f"{rss_mib('sse'):.0f} MiB ({rss_mib('sse') * 1024 / max(1, s['sse_open_peak']):.1f} KiB per stream, all in)")
PYEOF
[ "${BENCH_KEEP:-0}" = 1 ] && log "summaries kept in $WORK"
exit $FAILED
