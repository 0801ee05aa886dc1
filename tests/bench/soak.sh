#!/usr/bin/env bash
# The soak: mixed traffic through one `reprise proxy` (recording and metrics on) for a long run,
# to find what only time shows: memory that grows, events or records lost.
#
#   tests/bench/soak.sh path/to/reprise
#
# Against a fresh `reprise upstream-demo` (heartbeat 15 s), through `reprise proxy --threads 2
# --record FILE --admin ADDR`:
# - chat_soak.py holds SOAK_STREAMS notification streams for the whole run (users in rooms of
#   10) and posts SOAK_MESSAGES messages a second into the rooms; by the API's contract each
#   reaches every member's stream, so events sent = messages x members; it counts what arrived;
# - `reprise replay` of captures/chat-sample.jsonl (the demo's recording: register, login, rooms,
#   messages, friend requests, a short SSE stream), constant-arrival-rate SOAK_REPLAY_RATE
#   sessions a second (31 requests each), each with users of its own;
# - every SOAK_SAMPLE seconds: the proxy's VmRSS (/proc/PID/status) and a scrape of /metrics.
# The clock starts when every stream is open; load runs SOAK_SECONDS. Reported: the proxy's RSS
# after the warm-up (the first sample at SOAK_WARMUP s) and at the end (the last sample, all load
# still on) and the growth in %; events sent / received / missing, and the proxy's own count of
# SSE events; records written and dropped (its exit log line, gap lines in the capture); the
# replay's requests and failures.
#
# A stream is recorded when it ends; until then its record is in memory, bounded by the body
# limit (the body, and the events of those bytes; later events are only counted). The soak
# records with --record-body-limit SOAK_BODY_LIMIT (1024), which each held stream reaches in its
# first minute, the warm-up: after it, nothing grows by design. At the proxy's default (64 KiB)
# each record would fill up to its bound for half an hour at this event rate (about 40 bytes a
# second), and the growth measured would be that filling, not a leak.
#
# PASS when: RSS growth < 5 %, no stream failed, every event arrived (none missing or
# unexpected), no message failed, 0 records dropped, the replay's thresholds passed (failures
# < 1 %: its correlation of the demo capture is not exact against a service this busy, see the
# README).
#
# Environment: SOAK_SECONDS (600), SOAK_WARMUP (60), SOAK_STREAMS (1000), SOAK_MESSAGES (20),
# SOAK_REPLAY_RATE (3; 0: no replay), SOAK_SAMPLE (5), SOAK_BODY_LIMIT (1024), SOAK_PROXY_FLAGS
# (more flags for the proxy, e.g. "--redact none"), BENCH_KEEP=1 keeps the work directory
# (capture, logs, the samples in rss.tsv).
# Exit status: 0 on PASS, 1 otherwise.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
BIN=$(realpath "${1:?usage: soak.sh path/to/reprise}")
SECONDS_LOAD=${SOAK_SECONDS:-600}
WARMUP=${SOAK_WARMUP:-60}
STREAMS=${SOAK_STREAMS:-1000}
MESSAGES=${SOAK_MESSAGES:-20}
REPLAY_RATE=${SOAK_REPLAY_RATE:-3}
SAMPLE=${SOAK_SAMPLE:-5}
BODY_LIMIT=${SOAK_BODY_LIMIT:-1024}
WORK=$(mktemp -d /tmp/reprise-soak-XXXXXX)
PIDS=()
log() { printf '[soak %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# shellcheck source=processes.sh
source "$HERE/processes.sh"

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
scrape() { curl -s --max-time 5 "http://127.0.0.1:$ADMIN_PORT/metrics"; }

UP_PORT=$(free_port)
start "$WORK/upstream.log" "$BIN" upstream-demo --listen "127.0.0.1:$UP_PORT" --log-level warn
UP_PID=$LAST_PID
wait_port "$UP_PORT" "$UP_PID" "$WORK/upstream.log" || exit 1

PX_PORT=$(free_port)
ADMIN_PORT=$(free_port)
# shellcheck disable=SC2086  # SOAK_PROXY_FLAGS is split into flags on purpose
start "$WORK/proxy.log" "$BIN" proxy --listen "127.0.0.1:$PX_PORT" --upstream "http://127.0.0.1:$UP_PORT" \
  --threads 2 --record "$WORK/soak.jsonl" --record-body-limit "$BODY_LIMIT" --admin "127.0.0.1:$ADMIN_PORT" \
  ${SOAK_PROXY_FLAGS:-}
PX_PID=$LAST_PID
wait_port "$PX_PORT" "$PX_PID" "$WORK/proxy.log" || exit 1

log "$STREAMS streams, $MESSAGES messages/s, replay $REPLAY_RATE sessions/s, ${SECONDS_LOAD}s; work in $WORK"
start "$WORK/chat.log" "$PY" "$HERE/chat_soak.py" --port "$PX_PORT" --streams "$STREAMS" --rate "$MESSAGES" \
  --seconds "$SECONDS_LOAD"
CHAT_PID=$LAST_PID
until grep -q '^READY' "$WORK/chat.log"; do
  if ! alive "$CHAT_PID"; then log "the chat client ended before its streams were open:"; cat "$WORK/chat.log" >&2; exit 1; fi
  sleep 0.2
done
log "$(grep '^READY' "$WORK/chat.log")"
START=$(date +%s.%N)

REPLAY_PID=""
if [ "$REPLAY_RATE" != 0 ]; then
  cat >"$WORK/profile.json" <<EOF
{"executor": "constant-arrival-rate", "rate": $REPLAY_RATE, "timeUnit": "1s", "duration": "${SECONDS_LOAD}s",
 "preAllocatedVUs": 20, "maxVUs": 200, "gracefulStop": "10s",
 "thresholds": {"http_req_failed": ["rate<0.01"]}}
EOF
  start "$WORK/replay.log" "$BIN" replay "$ROOT/captures/chat-sample.jsonl" --target "http://127.0.0.1:$PX_PORT" \
    --profile "$WORK/profile.json" --summary "$WORK/replay.json" --log-level warn
  REPLAY_PID=$LAST_PID
fi

: >"$WORK/rss.tsv"
while :; do
  now=$("$PY" -c "import sys; print(f'{float(sys.argv[1]) - float(sys.argv[2]):.1f}')" "$(date +%s.%N)" "$START")
  scrape >"$WORK/metrics.txt" || log "scrape failed"
  printf '%s\t%s\n' "$now" "$(rss_kib "$PX_PID")" >>"$WORK/rss.tsv"
  # the last sample comes before the load ends: 0.5 to 1.5 periods before
  "$PY" -c "import sys; sys.exit(float(sys.argv[1]) + 1.5 * float(sys.argv[2]) <= float(sys.argv[3]))" \
    "$now" "$SAMPLE" "$SECONDS_LOAD" && break
  sleep "$SAMPLE"
done
log "load time over; waiting for the replay and the last events"
REPLAY_RC=0
if [ -n "$REPLAY_PID" ]; then
  wait "$REPLAY_PID"
  REPLAY_RC=$?
  reaped "$REPLAY_PID"
fi
wait "$CHAT_PID"
reaped "$CHAT_PID"
scrape >"$WORK/metrics.txt"
forget "$PX_PID"   # SIGTERM: the proxy drains, then logs what the recording wrote and dropped
forget "$UP_PID"

"$PY" - "$WORK" "$WARMUP" "$REPLAY_RC" <<'PYEOF'
import json, os, re, sys
work, warmup, replay_rc = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
samples = [(float(t), int(r)) for t, r in (line.split() for line in open(f"{work}/rss.tsv")) if r.strip()]
warm = next((s for s in samples if s[0] >= warmup), samples[-1])
end = samples[-1]
growth = (end[1] - warm[1]) * 100 / warm[1]
chat = next((json.loads(l[len("RESULT "):]) for l in open(f"{work}/chat.log") if l.startswith("RESULT ")), None)
proxy_log = open(f"{work}/proxy.log").read()
written = re.search(r"recording \S+: (\d+) exchanges written, (\d+) dropped", proxy_log)
gaps = sum(json.loads(l).get("dropped_records", 0) for l in open(f"{work}/soak.jsonl") if '"dropped_records"' in l)
metrics = open(f"{work}/metrics.txt").read()
def total(family):  # over every label set
    return sum(float(v) for v in re.findall(rf"^{family}(?:{{.*}})? (\S+)$", metrics, re.M))
try:
    replay = json.load(open(f"{work}/replay.json"))["counters"]
except (OSError, ValueError, KeyError):
    replay = None
problems = []
print(f"soak: {end[0]:.0f} s of load; {len(samples)} samples of the proxy's RSS")
print(f"  RSS after warm-up ({warm[0]:.0f} s): {warm[1] / 1024:.1f} MiB; at the end ({end[0]:.0f} s): "
      f"{end[1] / 1024:.1f} MiB; growth {growth:+.2f} % (peak {max(s[1] for s in samples) / 1024:.1f} MiB)")
if growth >= 5:
    problems.append(f"RSS grew {growth:.2f} % (goal < 5 %)")
if chat:
    print(f"  SSE: {chat['streams']} streams held, {chat['streams_failed']} failed; {chat['messages_posted']} messages "
          f"posted ({chat['messages_failed']} failed); events sent {chat['events_sent']}, received "
          f"{chat['events_received']}, missing {chat['events_missing']}, unexpected {chat['events_unexpected']}")
    if chat["streams_failed"] or chat["messages_failed"] or chat["events_missing"] or chat["events_unexpected"]:
        problems.append(f"SSE events not all delivered (first stream failure: {chat['first_failure']})")
else:
    problems.append("the chat client printed no result")
print(f"  proxy /metrics: {total('reprise_http_reqs_total'):.0f} exchanges, {total('reprise_sse_events_total'):.0f} "
      f"SSE events passed to clients (the soak's and the replay's streams, `connected` included)")
if written:
    print(f"  recording: {written.group(1)} records written, {written.group(2)} dropped; {gaps} in gap lines")
    if int(written.group(2)) or gaps:
        problems.append("records dropped")
else:
    problems.append("no recording line in the proxy's log")
if replay:
    print(f"  replay: {replay['http_reqs']} requests, {replay['http_req_failed']} failed, "
          f"{replay.get('unexpected_status', 0)} unexpected statuses, exit {replay_rc}")
if (replay is None and os.path.exists(f"{work}/profile.json")) or replay_rc != 0:
    problems.append(f"the replay exited {replay_rc}")
for p in problems:
    print(f"PROBLEM: {p}")
print("soak: " + ("PASS" if not problems else "FAIL") + " (growth < 5 %, every event delivered, 0 records dropped)")
sys.exit(1 if problems else 0)
PYEOF
