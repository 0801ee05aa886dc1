#!/usr/bin/env bash
# `reprise replay` as a load generator: against wrk on the same nginx, and holding SSE streams.
#
#   tests/bench/replay.sh path/to/reprise
#
# 1. throughput: nginx (1 worker, tests/upstreams/nginx.conf.in) serves /json (~200 bytes) and
#    three static files (100 B, 1 KiB, 4 KiB). A generated capture holds BENCH_SESSIONS sessions
#    of 1-6 GETs each over /json, /json?page=N and the files, with varied User-Agent, Accept,
#    Accept-Language and a per-session cookie. In BENCH_ROUNDS interleaved rounds:
#    `wrk -t1 -c64 -dD --latency /json`; wrk with a Lua script sending the capture's requests in
#    turn (requests.tsv, the same varied mix); `reprise replay --threads 1` of the capture with
#    constant-vus (64 VUs, duration D, thinkTime 0s); and (BENCH_CONTROL=1) a replay of the same
#    sessions with wrk's request only (GET /json, Host only); after a 1 s unrecorded warm-up.
#    Per generator: req/s (wrk's Requests/sec; reprise's http_reqs / elapsed_s), p99 (wrk's
#    --latency 99%; reprise's printed p(99) of http_req_duration), and its CPU (user + sys of the
#    process, bash `time`) per 100k requests, and how busy it and the nginx worker were (CPU
#    seconds over wall seconds). Medians over the rounds; the ratios compare like with like:
#    reprise varied / wrk varied (the goal: at least 1.0x) and reprise /json / wrk /json.
#    Before/after (BENCH_BEFORE=path/to/an/older/reprise): each round also replays both captures
#    with that binary (`before`; the one given is `after`), the runs in the order wrk, wrk varied,
#    before varied, after varied, before /json, after /json on odd rounds and reversed on even
#    ones, for max(5, BENCH_ROUNDS) rounds; the summary ends with a markdown table of req/s and
#    CPU per request: before, after, after/before, wrk (varied and /json respectively), each one's
#    ratio to wrk, and whether after is within BENCH_COMPARE_TOLERANCE (3) % of before.
#    BENCH_COMPARE_ROWS=FILE also appends the table's rows to FILE (see compare.sh).
# 2. SSE streams: `reprise upstream-demo --heartbeat 15s`; a capture of one session (register,
#    login, GET /api/notifications/stream recorded as a BENCH_SSE_HOLD s stream, the token
#    correlated from the login's answer); per-vu-iterations with BENCH_SSE_STREAMS VUs, one
#    iteration each, identities u{vu}. While `reprise replay --threads 1` runs, every 0.25 s: its
#    VmRSS / VmHWM, its ESTABLISHED connections to the upstream and how many of them hold a
#    stream (received more bytes than the register and login answers, per `ss -ti`). Reports
#    peak streams, the time until all were open, the summary's sse_connections / sse_events /
#    failures, and RSS per stream: (peak RSS - peak RSS of a 1-VU run of the same capture) over
#    (peak streams - 1).
# 3. the cost of --compare (part `compare`, issue 11): `reprise replay --threads 1` of
#    captures/seed-messages.jsonl (40 users: register, login, create a room, 20 messages, 2 message
#    lists; recorded through the proxy from upstream-demo) against `reprise upstream-demo`,
#    constant-arrival-rate at BENCH_COMPARE_RATE (80) iterations (sessions of 25 requests: ~2,000
#    requests) a second for BENCH_DURATION, thinkTime 0s, with and without --compare, each run
#    against a fresh upstream-demo (its users and rooms grow with every run), after a 1 s
#    unrecorded warm-up of each; plain then --compare on odd rounds, reversed on even ones,
#    BENCH_ROUNDS rounds. Per run: the replayer's CPU (user + sys of the process, bash `time`,
#    start-up included) over its http_reqs = CPU µs per request, how busy it and the upstream were,
#    and (--compare) the summary's answers compared and differing. Figures: per round compare/plain
#    of the CPU per request; the goal (<= 1.15x) is judged on the median of those per-round ratios
#    (the two runs next to each other); the ratio of the medians beside it. A comparison that
#    compared nothing or found a difference (the service is clean: 0 expected), a failed request or
#    an unexpected status is an error (exit 1); a goal not met is not.
#
# Environment: BENCH_DURATION (10s), BENCH_ROUNDS (3), BENCH_CONNECTIONS (64: wrk connections and
# reprise VUs), BENCH_SESSIONS (512), BENCH_SSE_STREAMS (10000), BENCH_SSE_HOLD (20: seconds each
# stream is recorded as lasting), BENCH_PARTS ("throughput sse compare"), BENCH_COMPARE_RATE (80:
# iterations a second of the compare part), BENCH_COMPARE_CAPTURE (captures/seed-messages.jsonl: a
# capture recorded from upstream-demo), BENCH_CONTROL (1: the /json-only
# replay in each round; 0: without), BENCH_KEEP=1 keeps the work directory (captures, profiles,
# summaries, raw outputs, samples), BENCH_BEFORE (unset: no before/after), BENCH_COMPARE_TOLERANCE
# (3), BENCH_COMPARE_ROWS (unset).
# Exit status: 0 when every figure was measured without errors, 1 otherwise.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
DURATION=${BENCH_DURATION:-10s}
ROUNDS=${BENCH_ROUNDS:-3}
CONNS=${BENCH_CONNECTIONS:-64}
SESSIONS=${BENCH_SESSIONS:-512}
STREAMS=${BENCH_SSE_STREAMS:-10000}
HOLD=${BENCH_SSE_HOLD:-20}
PARTS=${BENCH_PARTS:-throughput sse compare}
COMPARE_RATE=${BENCH_COMPARE_RATE:-80}
COMPARE_CAPTURE=${BENCH_COMPARE_CAPTURE:-$HERE/../../captures/seed-messages.jsonl}
CONTROL=${BENCH_CONTROL:-1}   # 1: each round also replays a capture of wrk's request only
SAMPLE_PERIOD=0.25  # seconds between two samples of the replayer during the SSE part

log() { printf '[replay-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
has() { case " $1 " in *" $2 "*) return 0 ;; *) return 1 ;; esac; }

[ $# -ge 1 ] && [ -x "$1" ] || die "usage: $0 path/to/reprise"
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
BEFORE=""   # BENCH_BEFORE: the older binary the throughput part compares with BIN
if [ -n "${BENCH_BEFORE:-}" ]; then
  if ! [ -f "$BENCH_BEFORE" ] || ! [ -x "$BENCH_BEFORE" ]; then die "BENCH_BEFORE=$BENCH_BEFORE: no such executable"; fi
  BEFORE=$(cd "$(dirname "$BENCH_BEFORE")" && pwd)/$(basename "$BENCH_BEFORE")
  [ "$ROUNDS" -ge 5 ] || ROUNDS=5
fi
for tool in wrk nginx curl ss; do command -v "$tool" >/dev/null || die "$tool not installed"; done
NGINX=$(command -v nginx)

# The replayer and the demo upstream each hold one socket per stream (separate processes).
ulimit -Sn 20000 2>/dev/null || ulimit -Sn "$(ulimit -Hn)" || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((STREAMS + 100)) ] \
  || log "WARNING: fd limit $(ulimit -n) is below the $((STREAMS + 100)) $STREAMS streams need"

WORK=$(mktemp -d /tmp/reprise-replay-bench.XXXXXX)
PIDS=()
FAILED=0   # set to 1 when a figure is missing or a run reported errors

# ---- processes: started here, stopped by PID only -------------------------------------------

# shellcheck source=processes.sh
. "$HERE/processes.sh"

now_us() { echo "${EPOCHREALTIME/[.,]/}"; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }  # user + sys
CLK_TCK=$(getconf CLK_TCK)

# CMD in the foreground. CPUFILE gets its user, sys and wall seconds (bash `time`) on line 1, and
# on line 2 the clock ticks WATCHED (another process: the nginx worker) used meanwhile and CLK_TCK.
timed() {  # timed CPUFILE OUT ERR WATCHED CMD...
  local cpuf=$1 out=$2 err=$3 watched=$4 TIMEFORMAT='%3U %3S %3R' t0 rc
  shift 4
  t0=$(cpu_ticks "$watched")
  { time "$@" >"$out" 2>"$err" </dev/null; } 2>"$cpuf"
  rc=$?
  echo "$(($(cpu_ticks "$watched") - t0)) $CLK_TCK" >>"$cpuf"
  return $rc
}

# ---- part 1: throughput against wrk -----------------------------------------------------------


# Writes the static files into ROOT and the capture of SESSIONS sessions to CAPTURE, with bodies
# and response heads as nginx gives them; prints the distinct targets, one a line. SAME gets the
# control: the same sessions and timing, every request wrk's (GET /json, Host only).
make_throughput_capture() {  # make_throughput_capture ROOT CAPTURE SAME JSON_BODY_FILE
  "$PY" - "$1" "$2" "$3" "$4" "$SESSIONS" <<'PYEOF'
import copy, json, os, random, sys

root, capture, same, json_body_file, sessions = sys.argv[1:5] + [int(sys.argv[5])]
rng = random.Random(20261125)
files = {"/small.txt": ("text/plain", 100), "/page.html": ("text/html", 1024),
         "/data.json": ("application/json", 4096)}
bodies = {}
for path, (ctype, size) in files.items():
    text = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789 ") for _ in range(size - 1)) + "\n"
    with open(os.path.join(root, path[1:]), "w") as f:
        f.write(text)
    bodies[path] = (ctype, text)
with open(json_body_file) as f:
    json_body = f.read()

agents = ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) Gecko/20100101 Firefox/121.0",
          "curl/7.88.1", "python-requests/2.31.0", "okhttp/4.12.0"]
accepts = {"application/json": ["application/json", "application/json, text/plain, */*", "*/*"],
           "text/plain": ["text/plain", "*/*"],
           "text/html": ["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "*/*"]}
languages = [None, "en-US,en;q=0.9", "fr-FR,fr;q=0.8,en;q=0.5"]

def target():
    r = rng.random()
    if r < 0.35:
        return "/json"
    if r < 0.6:
        return f"/json?page={rng.randint(1, 500)}"
    return rng.choice(list(files))

lines, used, n, t = [], set(), 0, 0
for s in range(1, sessions + 1):
    agent, lang = rng.choice(agents), rng.choice(languages)
    cookie = f"sid={rng.getrandbits(64):016x}; theme={rng.choice(['dark', 'light'])}"
    t += rng.randint(200, 2000)
    at = t
    for _ in range(rng.randint(1, 6)):
        n += 1
        tgt = target()
        used.add(tgt)
        ctype, body = bodies.get(tgt.split("?")[0], ("application/json", json_body))
        req_headers = [["Host", "127.0.0.1"], ["User-Agent", agent], ["Accept", rng.choice(accepts[ctype])]]
        if lang:
            req_headers.append(["Accept-Language", lang])
        req_headers.append(["Cookie", cookie])
        res_headers = [["Server", "nginx"], ["Date", "Wed, 25 Nov 2026 13:30:02 GMT"],
                       ["Content-Type", ctype], ["Content-Length", str(len(body.encode()))],
                       ["Connection", "keep-alive"]]
        ttfb = rng.randint(40, 200)
        lines.append({"id": n, "session": f"c0-{s}", "t_us": at,
                      "req": {"method": "GET", "target": tgt, "version": "1.1", "headers": req_headers},
                      "res": {"status": 200, "headers": res_headers, "body": body,
                              "ttfb_us": ttfb, "dur_us": ttfb + 15}})
        at += ttfb + 15 + rng.randint(50, 500)
lines.sort(key=lambda e: e["t_us"])
wrk_like = copy.deepcopy(lines)
for e in wrk_like:
    e["req"].update(target="/json", headers=[["Host", "127.0.0.1"]])
    e["res"].update(body=json_body, headers=[["Server", "nginx"], ["Content-Type", "application/json"],
                                             ["Content-Length", str(len(json_body.encode()))]])
with open(os.path.join(os.path.dirname(capture), "requests.tsv"), "w") as f:  # wrk's Lua reads these
    for e in lines:
        f.write("\t".join([e["req"]["target"]] + [f"{k}: {v}" for k, v in e["req"]["headers"]]) + "\n")
for path, exchanges in ((capture, lines), (same, wrk_like)):
    with open(path, "w") as f:
        f.write(json.dumps({"reprise_capture": 1, "created": "2026-11-25T13:30:02Z", "source": "proxy",
                            "upstream": "http://127.0.0.1:80", "redaction": "default"}) + "\n")
        for e in exchanges:
            f.write(json.dumps(e, separators=(",", ":")) + "\n")
print("\n".join(sorted(used)))
print(f"{sessions} sessions, {n} requests", file=sys.stderr)
PYEOF
}

throughput_profile() {  # throughput_profile FILE DURATION
  printf '{"executor": "constant-vus", "vus": %d, "duration": "%s", "thinkTime": "0s"}\n' "$CONNS" "$2" >"$1"
}

# wrk sending the capture's requests in turn (the same varied mix reprise replays), from
# requests.tsv: a target, then "Name: value" headers, tab-separated, one request a line.
write_wrk_script() {  # write_wrk_script FILE
  cat >"$1" <<'LUAEOF'
local requests, next_one = {}, 0
function init(args)
  for line in io.lines(args[1]) do
    local fields = {}
    for field in string.gmatch(line, "[^\t]+") do fields[#fields + 1] = field end
    local headers = {}
    for i = 2, #fields do
      local name, value = string.match(fields[i], "^([^:]+): (.*)$")
      headers[name] = value
    end
    requests[#requests + 1] = wrk.format("GET", fields[1], headers)
  end
end
function request()
  next_one = next_one % #requests + 1
  return requests[next_one]
end
LUAEOF
}

# replay_round NAME CAPTURE [BINARY]: one timed replay, by BINARY ($BIN by default); uses
# throughput's dir, url, profile, worker, r
replay_round() {
  timed "$dir/$1-$r.cpu" "$dir/$1-$r.out" "$dir/$1-$r.log" "$worker" \
    "${3:-$BIN}" replay "$2" --target "$url" --profile "$profile" --threads 1 --summary "$dir/$1-$r.json" \
    || log "round $r: reprise replay of $(basename "$2") exited with status $?: $(tail -n 2 "$dir/$1-$r.log")"
}

throughput() {
  local dir=$WORK/tp url capture profile targets worker r b run bad=0
  local -a runs=(wrk wrkvaried) order=()
  # before/after: each replay by both binaries, next to each other
  runs+=(${BEFORE:+before} reprise)
  [ "$CONTROL" = 1 ] && runs+=(${BEFORE:+before-control} control)
  mkdir -p "$dir"
  start_nginx || { log "nginx did not start: no throughput figures"; FAILED=1; return 1; }
  url=http://127.0.0.1:$NGINX_PORT
  curl -fsS -o "$dir/json-body" "$url/json" || { log "GET /json failed"; FAILED=1; return 1; }
  capture=$dir/varied.jsonl
  targets=$(make_throughput_capture "$WORK/nginx/root" "$capture" "$dir/json-only.jsonl" "$dir/json-body" \
    2>"$dir/capture.log") \
    || { log "could not make the capture: $(cat "$dir/capture.log")"; FAILED=1; return 1; }
  log "capture: $(cat "$dir/capture.log"), $(wc -l <<<"$targets") distinct targets"
  # one curl for all of them (each URL its own -o): a status and a URL a line
  sed "s|.*|-o /dev/null $url&|" <<<"$targets" | xargs curl -s -w '%{http_code} %{url}\n' >"$dir/check.txt"
  [ "$(grep -c '^200 ' "$dir/check.txt")" = "$(wc -l <<<"$targets")" ] || bad=1
  grep -v '^200 ' "$dir/check.txt" | head -n 5 | while read -r rs tgt; do log "GET $tgt answered $rs, not 200"; done
  [ "$bad" = 0 ] || { log "the capture's targets are not all 200: no throughput figures"; FAILED=1; return 1; }
  profile=$dir/profile.json
  throughput_profile "$profile" "$DURATION"
  write_wrk_script "$dir/varied.lua"
  throughput_profile "$dir/warmup.json" 1s
  wrk -t1 -c"$CONNS" -d1s "$url/json" >/dev/null 2>&1  # warm-up, not counted
  for b in "$BIN" ${BEFORE:+"$BEFORE"}; do
    "$b" replay "$capture" --target "$url" --profile "$dir/warmup.json" --threads 1 >/dev/null 2>&1 \
      || log "the warm-up replay by $b failed (status $?)"
  done
  log "throughput: wrk -t1 -c$CONNS -d$DURATION --latency /json, reprise replay --threads 1 ($CONNS VUs)" \
    "of the varied capture$([ "$CONTROL" = 1 ] && echo " and of the /json-only one"), $ROUNDS round(s)${BEFORE:+;}" \
    "${BEFORE:+before/after: $BEFORE and $BIN, the order reversed every round}"
  worker=$(cat /proc/"$NGINX_PID"/task/*/children 2>/dev/null | awk '{print $1}')
  [ -n "$worker" ] || { log "nginx has no worker process"; FAILED=1; forget "$NGINX_PID"; return 1; }
  for ((r = 1; r <= ROUNDS; r++)); do
    order=("${runs[@]}")
    if [ -n "$BEFORE" ] && [ $((r % 2)) -eq 0 ]; then
      order=()
      for ((b = ${#runs[@]} - 1; b >= 0; b--)); do order+=("${runs[b]}"); done
    fi
    for run in "${order[@]}"; do
      case $run in
        wrk) timed "$dir/wrk-$r.cpu" "$dir/wrk-$r.txt" "$dir/wrk-$r.err" "$worker" \
          wrk -t1 -c"$CONNS" -d"$DURATION" --latency "$url/json" || log "round $r: wrk exited with status $?" ;;
        wrkvaried) timed "$dir/wrkvaried-$r.cpu" "$dir/wrkvaried-$r.txt" "$dir/wrkvaried-$r.err" "$worker" \
          wrk -t1 -c"$CONNS" -d"$DURATION" --latency -s "$dir/varied.lua" "$url" -- "$dir/requests.tsv" \
          || log "round $r: wrk (varied) exited with status $?" ;;
        reprise) replay_round reprise "$capture" ;;
        control) replay_round control "$dir/json-only.jsonl" ;;
        before) replay_round before "$capture" "$BEFORE" ;;
        before-control) replay_round before-control "$dir/json-only.jsonl" "$BEFORE" ;;
      esac
    done
    log "round $r: $(report_py round "$dir" "$r" 2>&1)"
    alive "$NGINX_PID" || { log "nginx died during round $r"; break; }
  done
  forget "$NGINX_PID"
  return 0
}

# ---- part 2: SSE streams held by one replayer --------------------------------------------------

make_sse_files() {  # make_sse_files DIR: sse.jsonl, sse.json (STREAMS VUs) and base.json (1 VU)
  "$PY" - "$1" "$STREAMS" "$HOLD" <<'PYEOF'
import json, sys

d, streams, hold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def body(obj):
    return json.dumps(obj, separators=(",", ":"))
def exchange(n, t_us, method, target, req_headers, req_body, status, res_headers, res_body, dur_us, **extra):
    req = {"method": method, "target": target, "version": "1.1",
           "headers": [["Host", "127.0.0.1:8000"]] + req_headers}
    if req_body is not None:
        req["body"] = req_body
        req["headers"] += [["Content-Type", "application/json"], ["Content-Length", str(len(req_body))]]
    res = {"status": status, "headers": res_headers, "body": res_body, "ttfb_us": min(dur_us, 80), "dur_us": dur_us}
    return dict({"id": n, "session": "c0-1", "t_us": t_us, "req": req, "res": res}, **extra)
def json_head(b):
    return [["Content-Type", "application/json"], ["Content-Length", str(len(b))]]

reg_req = body({"email": "alice@t.com", "username": "alice", "password": "{{redacted:2}}"})
reg_res = body({"id": 1, "email": "alice@t.com", "username": "alice", "display_name": None})
login_req = body({"email": "alice@t.com", "password": "{{redacted:2}}"})
login_res = body({"access_token": "{{redacted:1}}", "token_type": "bearer", "user_id": 1})
events = "event: connected\ndata: {\"user_id\":1}\n\n"
beats = [": heartbeat\n\n"] * ((hold - 1) // 15)
stream_res_headers = [["Content-Type", "text/event-stream"], ["Cache-Control", "no-cache"],
                      ["Transfer-Encoding", "chunked"]]
stream = {"kind": "sse", "events": [{"t_us": 60, "bytes": len(events)}] +
          [{"t_us": 15_000_060 * (i + 1), "bytes": len(b)} for i, b in enumerate(beats)]}
lines = [
    exchange(1, 300, "POST", "/api/users/register", [], reg_req, 201, json_head(reg_res), reg_res, 120),
    exchange(2, 700, "POST", "/api/users/login", [], login_req, 200, json_head(login_res), login_res, 90),
    exchange(3, 1000, "GET", "/api/notifications/stream",
             [["Accept", "text/event-stream"], ["Authorization", "Bearer {{redacted:1}}"]], None,
             200, stream_res_headers, events + "".join(beats), hold * 1_000_000, stream=stream),
]
with open(f"{d}/sse.jsonl", "w") as f:
    f.write(json.dumps({"reprise_capture": 1, "created": "2026-11-25T13:30:02Z", "source": "proxy",
                        "upstream": "http://127.0.0.1:8000", "redaction": "default"}) + "\n")
    for e in lines:
        f.write(json.dumps(e, separators=(",", ":")) + "\n")
profile = {"executor": "per-vu-iterations", "vus": streams, "iterations": 1, "maxDuration": "2m",
           "thinkTime": "0s", "identities": {"template": {"email": "u{vu}@t.com", "username": "u{vu}"}}}
with open(f"{d}/sse.json", "w") as f:
    json.dump(profile, f)
# the baseline: the same session once, cut after 1 s; other users, so the main run's names stay free
base = dict(profile, vus=1, maxDuration="1s", gracefulStop="0s",
            identities={"template": {"email": "base{vu}@t.com", "username": "base{vu}"}})
with open(f"{d}/base.json", "w") as f:
    json.dump(base, f)
PYEOF
}

# Bytes the demo's register and login answers take for the longest user name the run uses, plus
# half the stream's head: a replayer socket that received more holds its stream.
stream_threshold() {  # stream_threshold URL
  local url=$1 name=p$STREAMS reg login head token rh rb rs lh lb ls sh ss ct
  reg=$(curl -s -o /dev/null -w '%{size_header} %{size_download} %{http_code}' -XPOST "$url/api/users/register" \
    -d "{\"email\":\"$name@t.com\",\"username\":\"$name\",\"password\":\"pw\"}")
  login=$(curl -s -o "$WORK/sse/login.json" -w '%{size_header} %{size_download} %{http_code}' \
    -XPOST "$url/api/users/login" -d "{\"email\":\"$name@t.com\",\"password\":\"pw\"}")
  token=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["access_token"])' "$WORK/sse/login.json") \
    || return 1
  head=$(curl -s -o /dev/null -m 1 -w '%{size_header} %{http_code} %{content_type}' \
    -H "Authorization: Bearer $token" "$url/api/notifications/stream")
  read -r rh rb rs lh lb ls sh ss ct <<<"$reg $login $head"
  [ "$rs" = 201 ] && [ "$ls" = 200 ] && [ "$ss" = 200 ] && [ "${ct:-}" = text/event-stream ] || return 1
  echo $((rh + rb + lh + lb + sh / 2))
}

sample() {  # sample PID PORT THRESHOLD: "<rss KiB> <hwm KiB> <connections> <streams>"
  local mem
  mem=$(awk '/^VmRSS:/ {r = $2} /^VmHWM:/ {h = $2} END {print r + 0, h + 0}' "/proc/$1/status" 2>/dev/null)
  ss -Htni state established "( dport = :$2 )" 2>/dev/null | awk -v mem="${mem:-0 0}" -v min="$3" '
    /^[0-9]/ {conns++; next}
    { if (match($0, /bytes_received:[0-9]+/) && substr($0, RSTART + 15, RLENGTH - 15) + 0 > min) streams++ }
    END {print mem, conns + 0, streams + 0}'
}

# A line per sample until PID exits: seconds since T0_US, then sample's four figures.
watch_replay() {  # watch_replay PID PORT THRESHOLD SAMPLES T0_US
  local pid=$1 port=$2 min=$3 out=$4 t0=$5 line dt
  while alive "$pid"; do
    line=$(sample "$pid" "$port" "$min")
    dt=$(($(now_us) - t0))
    alive "$pid" && printf '%d.%03d %s\n' $((dt / 1000000)) $((dt % 1000000 / 1000)) "$line" >>"$out"
    sleep "$SAMPLE_PERIOD"
  done
}

sse() {
  local dir=$WORK/sse port up_pid url threshold pid t0 rc last
  mkdir -p "$dir"
  port=$(free_port)
  start "$dir/upstream.log" "$BIN" upstream-demo --listen "127.0.0.1:$port" --heartbeat 15s
  up_pid=$LAST_PID
  wait_port "$port" "$up_pid" "$dir/upstream.log" || { log "upstream-demo did not start: no SSE figures"; FAILED=1; return 1; }
  url=http://127.0.0.1:$port
  make_sse_files "$dir" || { log "could not make the SSE capture"; FAILED=1; forget "$up_pid"; return 1; }
  threshold=$(stream_threshold "$url") || { log "the demo's register/login/stream did not answer as expected"; FAILED=1; forget "$up_pid"; return 1; }
  log "sse: baseline, 1 VU for 1 s"
  start "$dir/base.log" "$BIN" replay "$dir/sse.jsonl" --target "$url" --profile "$dir/base.json" --threads 1 \
    --summary "$dir/base-summary.json"
  pid=$LAST_PID
  watch_replay "$pid" "$port" "$threshold" "$dir/base-samples.txt" "$(now_us)"
  wait "$pid"
  rc=$?
  reaped "$pid"
  [ "$rc" = 0 ] || log "the baseline replay exited with status $rc: $(tail -n 2 "$dir/base.log")"
  log "sse: $STREAMS VUs (register, login, a ${HOLD} s stream), reprise replay --threads 1; a sample every ${SAMPLE_PERIOD} s"
  t0=$(now_us)
  "$BIN" replay "$dir/sse.jsonl" --target "$url" --profile "$dir/sse.json" --threads 1 \
    --summary "$dir/summary.json" >"$dir/replay.out" 2>"$dir/replay.log" </dev/null &
  pid=$!
  PIDS+=("$pid")
  watch_replay "$pid" "$port" "$threshold" "$dir/samples.txt" "$t0"
  wait "$pid"
  rc=$?
  reaped "$pid"
  [ "$rc" = 0 ] || log "the replay exited with status $rc: $(tail -n 2 "$dir/replay.log")"
  last=$(tail -n 1 "$dir/samples.txt" 2>/dev/null)
  log "sse: replay done (status $rc); last sample (t rss hwm conns streams): ${last:-none}"
  alive "$up_pid" || log "upstream-demo died during the SSE part"
  forget "$up_pid"
  return 0
}

# ---- part 3: the cost of --compare -------------------------------------------------------------

# compare_run NAME ROUND: a fresh upstream-demo, one timed replay of the compare part's capture
# against it (NAME plain: without --compare; compare: with it), the upstream stopped. DIR/NAME-ROUND.json is the
# summary, .out the printed one, .log the log, .cpu the replayer's and the upstream's CPU (timed).
# Uses compare's dir, capture and profile.
compare_run() {
  local name=$1 r=$2 port up_pid
  local -a flags=()
  [ "$name" = compare ] && flags=(--compare)
  port=$(free_port)
  start "$dir/$name-$r.upstream.log" "$BIN" upstream-demo --listen "127.0.0.1:$port" --log-level warn
  up_pid=$LAST_PID
  wait_port "$port" "$up_pid" "$dir/$name-$r.upstream.log" \
    || { log "compare: upstream-demo did not start for $name, round $r"; forget "$up_pid"; return 1; }
  timed "$dir/$name-$r.cpu" "$dir/$name-$r.out" "$dir/$name-$r.log" "$up_pid" \
    "$BIN" replay "$capture" --target "http://127.0.0.1:$port" --profile "$profile" --threads 1 \
    --summary "$dir/$name-$r.json" "${flags[@]}" \
    || log "compare: round $r, $name: reprise replay exited with status $?: $(tail -n 2 "$dir/$name-$r.log")"
  alive "$up_pid" || log "compare: upstream-demo died during round $r, $name"
  forget "$up_pid"
}

compare_profile() {  # compare_profile FILE DURATION
  printf '{"executor": "constant-arrival-rate", "rate": %d, "timeUnit": "1s", "duration": "%s", "preAllocatedVUs": %d, "maxVUs": %d, "thinkTime": "0s"}\n' \
    "$COMPARE_RATE" "$2" "$CONNS" $((4 * CONNS)) >"$1"
}

compare() {
  local dir=$WORK/compare capture=$COMPARE_CAPTURE profile r run
  local -a order=()
  mkdir -p "$dir"
  [ -f "$capture" ] || { log "compare: no capture $capture: no figures"; FAILED=1; return 1; }
  [[ $COMPARE_RATE =~ ^[1-9][0-9]*$ ]] \
    || { log "compare: BENCH_COMPARE_RATE=$COMPARE_RATE is not a positive whole number: no figures"; FAILED=1; return 1; }
  compare_profile "$dir/warmup.json" 1s
  compare_profile "$dir/profile.json" "$DURATION"
  log "compare: reprise replay --threads 1 of $(basename "$capture"), constant-arrival-rate $COMPARE_RATE" \
    "iterations/s for $DURATION, without and with --compare, a fresh upstream-demo each, $ROUNDS round(s)"
  profile=$dir/warmup.json
  compare_run plain 0  # warm-ups (round 0), not counted
  compare_run compare 0
  profile=$dir/profile.json
  for ((r = 1; r <= ROUNDS; r++)); do
    order=(plain compare)
    [ $((r % 2)) -eq 0 ] && order=(compare plain)
    for run in "${order[@]}"; do
      compare_run "$run" "$r"
    done
    log "compare: round $r: $(report_py compare-round "$dir" "$r" 2>&1)"
  done
  return 0
}

# ---- the report -----------------------------------------------------------------------------

# report_py round DIR ROUND: one line with both generators' figures of one round (for the log).
# report_py summary: the results on stdout; exit status 1 when a figure is missing or a run had errors.
report_py() {
  "$PY" - "$HERE" "$WORK" "$ROUNDS" "$PARTS" "$CONNS" "$DURATION" "$STREAMS" "$HOLD" "$CONTROL" "$BEFORE" \
    "$COMPARE_RATE" "$(basename "$COMPARE_CAPTURE")" "$@" <<'PYEOF'
import json, os, re, statistics, sys

(here, work, rounds, parts, conns, duration, streams, hold, control, before, compare_rate, compare_capture, mode,
 *args) = sys.argv[1:]
rounds, streams, parts = int(rounds), int(streams), parts.split()
sys.path.insert(0, here)
from report import compare_rows, compare_table, parse_wrk, to_ms  # noqa: E402  shared with run.sh


def fmt(x, spec):
    return "n/a" if x is None else format(x, spec)


def ratio(a, b):
    return None if a is None or not b else a / b


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def cpu(path, out):  # timed's file: "user sys wall" (bash `time`), then "nginx_ticks CLK_TCK"
    try:
        (u, s, wall), (ticks, tck) = [l.split() for l in open(path).read().splitlines()[-2:]]
        cpu_s, wall = float(u) + float(s), float(wall)
    except (OSError, ValueError):
        return None
    if wall > 0:
        out["cpu_share"] = cpu_s / wall
        out["nginx_share"] = int(ticks) / int(tck) / wall
    return cpu_s


def wrk_round(d, r, name="wrk"):
    try:
        w = parse_wrk(open(f"{d}/{name}-{r}.txt").read())
    except OSError:
        return {}
    c = cpu(f"{d}/{name}-{r}.cpu", w)
    if c is not None and w.get("requests"):
        w["cpu_ms_100k"] = c * 1000 / w["requests"] * 100000
        w["cpu_us_per_req"] = c * 1e6 / w["requests"]
    return w


def reprise_round(d, r, name="reprise"):
    out = {}
    try:
        s = json.load(open(f"{d}/{name}-{r}.json"))
    except (OSError, ValueError):
        return out
    c = s["counters"]
    out["requests"] = c["http_reqs"]
    out["errors"] = c["http_req_failed"] + c["transport_errors"]
    out["not_200"] = sum(v for k, v in s["status"].items() if k != "200")
    if s["elapsed_s"] > 0:
        out["rps"] = c["http_reqs"] / s["elapsed_s"]
    m = re.search(r"http_req_duration .*p\(99\)=(\S+)", open(f"{d}/{name}-{r}.out").read())
    if m:
        out["p99_ms"] = to_ms(m.group(1).replace("\u00b5s", "us"))
    k = cpu(f"{d}/{name}-{r}.cpu", out)
    if k is not None and c["http_reqs"]:
        out["cpu_ms_100k"] = k * 1000 / c["http_reqs"] * 100000
        out["cpu_us_per_req"] = k * 1e6 / c["http_reqs"]
    return out


def line(name, f):
    return (f"{name} {fmt(f.get('rps'), ',.0f')} req/s, p99 {fmt(f.get('p99_ms'), '.2f')} ms, "
            f"CPU {fmt(f.get('cpu_ms_100k'), ',.0f')} ms per 100k requests "
            f"({fmt(f.get('cpu_share'), '.2f')} CPU; nginx {fmt(f.get('nginx_share'), '.2f')})")


def throughput_summary():
    d = f"{work}/tp"
    runs = {name: [wrk_round(d, r, name) for r in range(1, rounds + 1)] for name in ("wrk", "wrkvaried")}
    for name in ("before", "reprise", "before-control", "control"):
        if os.path.exists(f"{d}/{name}-1.cpu"):
            runs[name] = [reprise_round(d, r, name) for r in range(1, rounds + 1)]
    fig = {(n, k): med([x.get(k) for x in rs]) for n, rs in runs.items()
           for k in ("rps", "p99_ms", "cpu_ms_100k", "cpu_us_per_req", "cpu_share", "nginx_share")}
    errors = {n: sum(x.get("errors", 0) + x.get("not_200", 0) for x in rs) for n, rs in runs.items()}
    after = " (after)" if before else ""
    labels = {"wrk": (f"wrk -t1 -c{conns}, GET /json", "errors"),
              "wrkvaried": (f"wrk -t1 -c{conns}, varied (Lua)", "errors"),
              "before": (f"reprise replay, {conns} VUs, varied (before)", "failed or not 200"),
              "reprise": (f"reprise replay, {conns} VUs, varied{after}", "failed or not 200"),
              "before-control": (f"reprise replay, {conns} VUs, /json only (before)", "failed or not 200"),
              "control": (f"reprise replay, {conns} VUs, /json only{after}", "failed or not 200")}
    print(f"replay throughput against nginx (1 worker), each generator on 1 thread with {conns} connections, "
          f"medians of {rounds} round(s) of {duration}:")
    width = max(36, *(len(labels[name][0]) for name in runs))
    for name, rs in runs.items():
        label, what = labels[name]
        reqs = sum(x.get("requests", 0) for x in rs)
        print(f"  {label:<{width}} {fmt(fig[name, 'rps'], '>9,.0f')} req/s  p99 {fmt(fig[name, 'p99_ms'], '.2f')} ms  "
              f"CPU {fmt(fig[name, 'cpu_ms_100k'], ',.0f')} ms per 100k requests  "
              f"(busy: generator {fmt(fig[name, 'cpu_share'], '.2f')} CPU, nginx {fmt(fig[name, 'nginx_share'], '.2f')}; "
              f"{errors[name]:,} {what} of {reqs:,})")
    for name, peer, what in (("reprise", "wrkvaried", "varied"), ("control", "wrk", "/json only")):
        if name not in runs:
            continue
        rr = ratio(fig[name, "rps"], fig[peer, "rps"])
        cr = ratio(fig[name, "cpu_ms_100k"], fig[peer, "cpu_ms_100k"])
        goal = "" if name != "reprise" else " (goal 1.0x: " + ("n/a" if rr is None else "met" if rr >= 1.0 else "not met") + ")"
        print(f"  reprise / wrk, both {what}: {fmt(rr, '.2f')}x req/s{goal}, {fmt(cr, '.2f')}x CPU per request")
    if before:  # the before/after table: req/s and CPU per request, wrk the peer
        how = (f"reprise replay --threads 1, {conns} VUs (constant-vus, thinkTime 0s) against nginx (1 worker), and "
               f"wrk -t1 -c{conns} with the same requests; {duration} runs, medians of {rounds} rounds, the order "
               f"reversed every round; CPU: user + sys of the process")
        rows = []
        for label, b, a, peer, peer_label in (("replay varied", "before", "reprise", "wrkvaried", "wrk (Lua)"),
                                              ("replay /json", "before-control", "control", "wrk", "wrk")):
            if a in runs and b in runs:
                figures = {who: {k: fig[n, k] for k in ("rps", "cpu_us_per_req")}
                           for who, n in (("before", b), ("after", a), ("peer", peer))}
                rows += compare_rows(label, figures, peer_label, how, keys=("rps", "cpu_us_per_req"),
                                     errors=errors[a] + errors[b] + errors[peer],
                                     runs={"before": runs[b], "after": runs[a]})
        with open(f"{work}/compare-rows.jsonl", "w") as f:
            f.writelines(json.dumps(row) + "\n" for row in rows)
        table, _ = compare_table(rows)
        print(f"\nbefore/after (before: {before}):\n\n{table}\n")
    return all(v is not None for v in fig.values()) and not any(errors.values())


def samples(path):  # watch_replay's lines: t_s rss_kib hwm_kib connections streams
    try:
        return [[float(v) for v in l.split()] for l in open(path) if len(l.split()) == 5]
    except OSError:
        return []


def sse_summary():
    d = f"{work}/sse"
    run, base = samples(f"{d}/samples.txt"), samples(f"{d}/base-samples.txt")
    try:
        s = json.load(open(f"{d}/summary.json"))
    except (OSError, ValueError):
        s = None
    c = s["counters"] if s else {}
    peak_streams = max((x[4] for x in run), default=None)
    peak_conns = max((x[3] for x in run), default=None)
    all_at = next((x[0] for x in run if x[4] >= streams), None)
    peak_rss = max((x[2] for x in run), default=None)
    base_rss = max((x[2] for x in base), default=None)
    held = c.get("sse_connections")
    per = None  # the 1-VU run held one stream
    if peak_rss is not None and base_rss is not None and peak_streams and peak_streams > 1:
        per = (peak_rss - base_rss) / (peak_streams - 1)
    failed = c.get("http_req_failed", 0) + c.get("transport_errors", 0) if s else None
    not2xx = sum(v for k, v in s["status"].items() if not k.startswith("2")) if s else None
    print(f"{streams:,} concurrent SSE streams through one replayer (reprise replay --threads 1, per-vu-iterations, "
          f"register + login + a {hold} s stream each, against reprise upstream-demo):")
    print(f"  open at once: peak {fmt(peak_streams, ',.0f')} streams ({fmt(peak_conns, ',.0f')} connections); "
          + (f"all {streams:,} open {all_at:.1f} s after the start" if all_at is not None else "never all at once"))
    print(f"  summary: iterations {fmt(c.get('iterations'), ',')} of {streams:,}, sse_connections {fmt(held, ',')}, "
          f"sse_events {fmt(c.get('sse_events'), ',')}, http_reqs {fmt(c.get('http_reqs'), ',')}, failed {fmt(failed, ',')}, not 2xx {fmt(not2xx, ',')}, "
          f"elapsed {fmt(s and s.get('elapsed_s'), '.1f')} s")
    try:
        m = re.search(r"^\s*sse \.+ .*first event (.*)$", open(f"{d}/replay.out").read(), re.M)
    except OSError:
        m = None
    print(f"  time to first event, from each stream's request: {m.group(1) if m else 'n/a'}")
    print(f"  RSS: peak {fmt(peak_rss and peak_rss / 1024, '.1f')} MiB, 1-VU run {fmt(base_rss and base_rss / 1024, '.1f')} MiB: "
          f"{fmt(per, '.1f')} KiB per stream")
    # every stream's first event is `connected`
    return (per is not None and all_at is not None and held == streams and c.get("iterations") == streams
            and c.get("sse_events", 0) >= streams and failed == 0 and not2xx == 0)


def compare_run(d, r, name):  # one run of the compare part: requests, CPU per request, what --compare found
    out = reprise_round(d, r, name)
    try:
        s = json.load(open(f"{d}/{name}-{r}.json"))
    except (OSError, ValueError):
        return out
    out["unexpected"] = s["counters"]["unexpected_status"]
    routes = s.get("response_diffs", {}).get("routes", [])
    out["compared"] = sum(x["compared"] for x in routes)
    out["differing"] = sum(x["differing"] for x in routes)
    return out


def times(x):  # a ratio as "1.23x"
    return "n/a" if x is None else f"{x:.2f}x"


def compare_line(p, c):
    return (f"plain {fmt(p.get('cpu_us_per_req'), '.1f')} us per request ({fmt(p.get('requests'), ',')} requests, "
            f"busy {fmt(p.get('cpu_share'), '.2f')} CPU, upstream {fmt(p.get('nginx_share'), '.2f')}), "
            f"--compare {fmt(c.get('cpu_us_per_req'), '.1f')} ({fmt(c.get('requests'), ',')} requests, "
            f"{fmt(c.get('compared'), ',')} compared, {fmt(c.get('differing'), ',')} differing, "
            f"busy {fmt(c.get('cpu_share'), '.2f')} CPU, upstream {fmt(c.get('nginx_share'), '.2f')}): "
            f"compare/plain {times(ratio(c.get('cpu_us_per_req'), p.get('cpu_us_per_req')))}")


def compare_summary():
    d, goal = f"{work}/compare", 1.15
    runs = [(compare_run(d, r, "plain"), compare_run(d, r, "compare")) for r in range(1, rounds + 1)]
    ratios = [ratio(c.get("cpu_us_per_req"), p.get("cpu_us_per_req")) for p, c in runs]
    plain_med = med([p.get("cpu_us_per_req") for p, _ in runs])
    compare_med = med([c.get("cpu_us_per_req") for _, c in runs])
    ratio_med, measured = med(ratios), [x for x in ratios if x is not None]
    compared = sum(c.get("compared", 0) for _, c in runs)
    differing = sum(c.get("differing", 0) for _, c in runs)
    requests = sum(c.get("requests", 0) for _, c in runs)
    errors = {name: sum(run[i].get("errors", 0) + run[i].get("unexpected", 0) for run in runs)
              for i, name in enumerate(("plain", "compare"))}
    print(f"the cost of --compare: reprise replay --threads 1 of {compare_capture} against a fresh reprise upstream-demo "
          f"per run, constant-arrival-rate {compare_rate} iterations/s for {duration}, thinkTime 0s; "
          f"CPU = user + sys of the replayer (start-up included) over its http_reqs; {rounds} round(s):")
    for r, (p, c) in enumerate(runs, 1):
        print(f"  round {r}: {compare_line(p, c)}")
    verdict = "n/a" if ratio_med is None else "met" if ratio_med <= goal else "NOT met"
    spread = f" ({min(measured):.2f}-{max(measured):.2f})" if measured else ""
    print(f"  median: plain {fmt(plain_med, '.1f')} us per request, --compare {fmt(compare_med, '.1f')}: "
          f"compare/plain {times(ratio_med)}, median of the rounds' ratios{spread} (goal: <= {goal:.2f}x: {verdict}); "
          f"of the medians {times(ratio(compare_med, plain_med))}")
    print(f"  comparison: {compared:,} answers compared of {requests:,} requests sent with --compare, {differing:,} "
          f"differing (0 expected: the service is clean); failed or unexpected status: plain {errors['plain']:,}, "
          f"--compare {errors['compare']:,}")
    return (len(measured) == rounds and compared > 0 and differing == 0 and not any(errors.values()))


if mode == "compare-round":
    d, r = args
    print(compare_line(compare_run(d, r, "plain"), compare_run(d, r, "compare")))
    sys.exit(0)
if mode == "round":
    d, r = args
    parts = [line("wrk", wrk_round(d, r)), line("wrk varied", wrk_round(d, r, "wrkvaried"))]
    for name, label in (("before", "before"), ("reprise", "reprise"), ("before-control", "before /json only"),
                        ("control", "/json only")):
        if os.path.exists(f"{d}/{name}-{r}.cpu"):
            parts.append(line(label, reprise_round(d, r, name)))
    print(" | ".join(parts))
    sys.exit(0)
ok = True
if "throughput" in parts:
    ok &= throughput_summary()
if "sse" in parts:
    ok &= sse_summary()
if "compare" in parts:
    ok &= compare_summary()
sys.exit(0 if ok else 1)
PYEOF
}

# ---- main ----------------------------------------------------------------------------------------

log "work directory $WORK; reprise: $BIN"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "load average at start: $LOAD_START"
has "$PARTS" throughput && throughput
has "$PARTS" sse && sse
has "$PARTS" compare && compare
log "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
# Anything else busy on the machine skews the figures (the "busy" shares show it too): say so.
echo "machine: $(nproc) CPUs; load average $LOAD_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
report_py summary || FAILED=1
if [ -n "$BEFORE" ] && [ -n "${BENCH_COMPARE_ROWS:-}" ] && [ -f "$WORK/compare-rows.jsonl" ]; then
  cat "$WORK/compare-rows.jsonl" >>"$BENCH_COMPARE_ROWS"
fi
exit "$FAILED"
