#!/usr/bin/env bash
# `make bench`: reprise against nginx (direct) and haproxy, on loopback only.
#
#   tests/bench/run.sh path/to/reprise
#
# 1. throughput: nginx (1 worker) serves a ~200-byte JSON at /json; wrk -t1 -c64 --latency
#    against nginx directly, reprise (--threads 1) and haproxy (nbthread 1, keep-alive and
#    server connection reuse), interleaved round by round; medians of req/s and p99.
# 2. long-lived streams: a Python asyncio SSE upstream holds every stream; a Python client
#    holds BENCH_STREAMS of them through reprise and through haproxy, each run with a fresh
#    upstream and proxy, max(5, BENCH_ROUNDS) rounds, reprise first on odd rounds and haproxy
#    first on even ones; the proxy's RSS growth per stream (VmRSS after - before, over the streams
#    held), its median over the rounds, and reprise/haproxy (goal <= 1.0x).
# 3. latency: the SSE upstream sends, on each of 20 streams, an event every 20 ms carrying its
#    send time (time.time_ns()); a client records arrival - send for each event, directly, through
#    reprise (--threads 1 --log-level warn) and through haproxy, interleaved round by round;
#    median and p99 of the pooled delays, and each proxy's added latency (proxy - direct).
#    Runs before the streams part, whose 18,000 closed sockets leave the kernel busy.
# 4. the cost of measuring: the same nginx behind two reprise proxies (--threads 1), one plain and
#    one with --admin and an --sla file (5 thresholds, a 60s window), wrk as in 1, alternating
#    (the order swapped every round) for max(3, BENCH_ROUNDS) rounds; medians of req/s and p99,
#    the ratio measured/plain and the share of throughput lost (goal: at most 3 %); also each
#    proxy's CPU time per request (utime + stime from /proc, over each wrk run), which the other
#    processes sharing the cores disturb less than req/s. The measuring proxy's /metrics is read
#    at the end: its request count must match what wrk sent.
# 5. the cost of faults that match nothing: as 4 (the same function, ab_compare), a plain proxy
#    against one with --faults FILE, twenty faults of every kind on paths, methods, headers and a
#    query that wrk never sends; goal: at most 2 % of throughput lost.
# 6. TLS keep-alive (part `tls`): TLS on both sides. nginx serves HTTPS (make_pki's certificate, an
#    EC P-256 key signed by a CA made for the run); reprise (--tls-cert/--tls-key, --upstream
#    https://... --upstream-ca) and haproxy (`bind ... ssl crt`, `server ... ssl verify required
#    ca-file`, both nbthread 1) terminate and re-encrypt; ab_compare with wrk against https://;
#    goal: reprise's req/s at least haproxy's (ratio >= 1.0) and its p99 at most haproxy's.
# 7. new TLS connections (part `tls-handshakes`): as 6 with wrk sending `Connection: close`, so
#    each request is a new connection and a full handshake (wrk resumes no session); req/s is
#    connections per second; goal: at least 0.9x haproxy's.
# 8. idle TLS connections (part `tls-idle`): as 2 (held_one), with BENCH_TLS_IDLE (5000) TLS
#    connections (tls_idle.py: one keep-alive GET /json each, then idle) instead of SSE streams,
#    TLS on both sides as in 6, one GET through the proxy before the first RSS reading; RSS
#    growth per connection; goal: at most haproxy's.
# 9. mirroring (part `mirror`): one nginx behind three reprise proxies (--threads 1, --admin each):
#    plain (no mirror), mirrored (--mirror a second nginx, --mirror-factor 1) and slow (--mirror a
#    reprise proxy delaying every request 500 ms, --faults, in front of the second nginx); and
#    `reprise replay --threads 1` of a capture of one-request GET /json sessions. Each round:
#    (a) at saturation: wrk as in 1 against plain, mirrored, slow, then the replayer sending
#    GET /json to the second nginx at the mirrored run's req/s (constant-arrival-rate); (b) then,
#    at a fixed rate well below saturation, the replayer against plain, mirrored and slow, each
#    constant-arrival-rate at BENCH_MIRROR_RATE (5000) req/s for BENCH_DURATION, every request's
#    latency measured from its intended start (no coordinated omission); each group's order
#    reversed every round, max(3, BENCH_ROUNDS) rounds. Figures (medians): at saturation,
#    mirrored/plain req/s and p99 (goal: p99 <= 1.10x); CPU per copy = (mirrored proxy's CPU over
#    its run and until no copy waits - plain's CPU per request x the mirrored run's requests) /
#    copies sent (GET /mirror), against the replayer's CPU per request (user + sys) (goal <= 1.0x);
#    slow/plain p99 (goal <= 1.05x) with the copies sent, dropped and failed during the slow runs.
#    At the fixed rate (where the copies' CPU does not starve the proxy's worker, so the p99 says
#    whether the client pays for the mirror): p50 and p99 of plain, mirrored and slow, and the
#    medians of the per-round ratios mirrored/plain p99 (goal <= 1.10x) and slow/plain p99
#    (goal <= 1.05x); failed requests and non-200 are problems; dropped iterations (due with every
#    VU busy: not sent, so not in the p99) and the max are shown beside the p99.
# Issue [13]'s goals (numbered as in README.md, where 10 is replay.sh's; 11-13 in goals.sh, each
# an ab_compare, max(5, BENCH_ROUNDS) rounds, the order reversed every round, medians of req/s, p99
# and CPU per request):
# 11. keepalive: haproxy (nbthread 1) against reprise --threads 1, wrk -t1 -c64 against nginx;
#     goals: reprise/haproxy req/s >= 1.15x, p99 <= 1.0x.
# 12. threads2: the same with nbthread 2, --threads 2 and wrk -t2; goal: req/s >= 1.15x.
# 13. recording: reprise plain against reprise --record (a capture in the work directory), both
#     at log level info; goals: --record/plain req/s >= 0.95x, 0 records dropped (the recorder's
#     exit line), and written + dropped add up to what wrk had answered (+ what was in flight).
# 14. ws-tunnels: as 2 with WebSocket tunnels (ws_tunnels.py: an upstream answering the upgrade
#     with 101 and a text frame, heartbeats every 10 s; a client opening BENCH_STREAMS tunnels,
#     each with the 101, the first frame and one masked frame echoed); goal: <= 1.0x haproxy's.
# The summary ends with a line per goal: "<goal>: <figure> (goal <op> <x>): met|not met".
#
# Before/after (BENCH_BEFORE=path/to/an/older/reprise): parts 1 and 5 compare that binary
# (`before`) with the one given (`after`) instead, both against haproxy, with ab_compare: one
# nginx, before, after and haproxy in alternation (in that order on odd rounds, reversed on even
# ones) for max(5, BENCH_ROUNDS) rounds; part 1 with plain proxies (no direct, no recording
# figures), part 5 with the faults file on both reprise proxies. Each part adds to
# WORK/compare-rows.jsonl its medians of req/s, p99 and CPU µs per request; the summary prints
# them as a markdown table: before, after, after/before, haproxy, each one's ratio to haproxy,
# and whether after is within BENCH_COMPARE_TOLERANCE (3) % of before. BENCH_COMPARE_ROWS=FILE
# also appends the rows to FILE (compare.sh collects run.sh's and replay.sh's there).
#
# Environment: BENCH_DURATION (10s), BENCH_ROUNDS (3), BENCH_STREAMS (9000, also the WebSocket
# tunnels), BENCH_CONNECTIONS (64), BENCH_OUT (./bench-results.json), BENCH_PARTS ("throughput
# keepalive threads2 recording measuring faults mirror tls tls-handshakes tls-idle streams
# ws-tunnels latency"), BENCH_TLS_IDLE (5000), BENCH_MIRROR_DELAY (500ms: the slow
# mirror's delay), BENCH_MIRROR_SESSIONS (512: sessions of the replayer's capture), BENCH_MIRROR_RATE
# (5000: req/s of the mirror part's fixed-rate runs), BENCH_TARGETS
# ("direct reprise haproxy"; without reprise no binary is needed), BENCH_HOLD (2: seconds the
# streams are held before the second RSS reading; > 10 lets a heartbeat through),
# BENCH_STREAM_TIMEOUT (300 s for all streams to open), BENCH_LATENCY_STREAMS (20),
# BENCH_LATENCY_EVENTS (500 recorded events per stream and target, split over the rounds),
# BENCH_LATENCY_PERIOD (20 ms between events), BENCH_HAPROXY_NO_DELAY (1: the latency part's
# haproxy gets `option http-no-delay`), BENCH_KEEP=1 keeps the work directory
# (logs, configs, raw wrk outputs, raw delays), BENCH_BEFORE (unset: no before/after),
# BENCH_COMPARE_TOLERANCE (3), BENCH_COMPARE_ROWS (unset).
# Exit status: 0 when every figure was measured without errors, 1 otherwise.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
DURATION=${BENCH_DURATION:-10s}
ROUNDS=${BENCH_ROUNDS:-3}
STREAMS=${BENCH_STREAMS:-9000}
CONNS=${BENCH_CONNECTIONS:-64}
OUT=${BENCH_OUT:-./bench-results.json}
PARTS=${BENCH_PARTS:-throughput keepalive threads2 recording measuring faults mirror tls tls-handshakes tls-idle streams ws-tunnels latency}
TARGETS=${BENCH_TARGETS:-direct reprise haproxy}
STREAM_TIMEOUT=${BENCH_STREAM_TIMEOUT:-300}   # seconds for all streams to get their first event
HOLD=${BENCH_HOLD:-2}   # seconds the streams are held before the proxy's RSS is read again
HELD_ROUNDS=$((ROUNDS < 5 ? 5 : ROUNDS))   # rounds of the streams and ws-tunnels parts
LAT_STREAMS=${BENCH_LATENCY_STREAMS:-20}
LAT_EVENTS=${BENCH_LATENCY_EVENTS:-500}   # recorded per stream and target, over all rounds
LAT_PERIOD=${BENCH_LATENCY_PERIOD:-20}    # ms between two events of a stream
LAT_SKIP=10                               # events per stream and run not recorded (warm-up)
LAT_PER_ROUND=$(((LAT_EVENTS + ROUNDS - 1) / ROUNDS))
# 1: the latency part's haproxy gets `option http-no-delay` (by default haproxy sends with MSG_MORE
# and the kernel may hold a small event up to 200 ms; see README).
HAPROXY_NO_DELAY=${BENCH_HAPROXY_NO_DELAY:-1}

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
has() { case " $1 " in *" $2 "*) return 0 ;; *) return 1 ;; esac; }

BIN=""
if has "$TARGETS" reprise; then
  [ $# -ge 1 ] || die "usage: $0 path/to/reprise"
  [ -x "$1" ] || die "$1: no such executable"
  BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
fi
for tool in wrk haproxy nginx; do command -v "$tool" >/dev/null || die "$tool not installed"; done
HAPROXY=$(command -v haproxy)
NGINX=$(command -v nginx)

WRK_ARGS=()  # more wrk arguments (a part sets them with `local -a`)
# ab_compare's wrk threads, and the proxies' threads (start_reprise, start_haproxy); a part sets them with `local`
WRK_THREADS=1 REPRISE_THREADS=1 HAPROXY_THREADS=1
TLS_IDLE=${BENCH_TLS_IDLE:-5000}
BEFORE=""   # BENCH_BEFORE: the older binary the throughput and faults parts compare with BIN
AB_MIN_ROUNDS=3   # ab_compare's least number of rounds
if [ -n "${BENCH_BEFORE:-}" ]; then
  [ -n "$BIN" ] || die "BENCH_BEFORE needs reprise in BENCH_TARGETS"
  if ! [ -f "$BENCH_BEFORE" ] || ! [ -x "$BENCH_BEFORE" ]; then die "BENCH_BEFORE=$BENCH_BEFORE: no such executable"; fi
  BEFORE=$(cd "$(dirname "$BENCH_BEFORE")" && pwd)/$(basename "$BENCH_BEFORE")
  AB_MIN_ROUNDS=5
fi
TOLERANCE=${BENCH_COMPARE_TOLERANCE:-3}

# Streams: the proxy holds 2 sockets per stream, client and upstream one each (separate processes).
ulimit -Sn 20000 2>/dev/null || ulimit -Sn "$(ulimit -Hn)" || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((2 * STREAMS + 100)) ] \
  || log "WARNING: fd limit $(ulimit -n) is below the $((2 * STREAMS + 100)) the proxies need for $STREAMS streams"

WORK=$(mktemp -d /tmp/reprise-bench.XXXXXX)
PIDS=()

# ---- processes: started here, stopped by PID only -------------------------------------------

# shellcheck source=processes.sh
. "$HERE/processes.sh"
# shellcheck source=goals.sh
. "$HERE/goals.sh"

rss_kib() {  # VmRSS of PID plus every descendant, in KiB
  local pid=$1 total=0 kids c r
  r=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
  total=$((total + ${r:-0}))
  kids=$(cat /proc/"$pid"/task/*/children 2>/dev/null)
  for c in $kids; do total=$((total + $(rss_kib "$c"))); done
  echo "$total"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime of PID, in clock ticks

fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

# ---- the servers -----------------------------------------------------------------------------

# TLS=1 (set with `local` by a TLS part): the starters below and ab_compare speak TLS on both sides,
# with make_pki's certificates: nginx serves HTTPS, each proxy terminates TLS and verifies the
# upstream's certificate against the CA, curl and wrk use https://.
tls_on() { [ "${TLS:-0}" = 1 ]; }
json_url() { if tls_on; then echo "https://127.0.0.1:$1/json"; else echo "http://127.0.0.1:$1/json"; fi; }
check_get() {  # check_get PORT [OUT]: one GET /json through PORT, which must answer 2xx
  local -a trust=()
  tls_on && trust=(--cacert "$PKI/ca.pem")
  curl -fsS "${trust[@]}" -o "${2:-/dev/null}" "$(json_url "$1")"
}

start_haproxy() {  # start_haproxy NAME UPSTREAM_PORT [DEFAULTS_LINE]; sets PROXY_PORT, PROXY_PID; nbthread HAPROXY_THREADS
  local dir=$WORK/$1 extra=${3:-} bind="" server=""
  mkdir -p "$dir"
  PROXY_PORT=$(free_port)
  if tls_on; then
    bind=" ssl crt $PKI/server.all.pem alpn http/1.1"
    server=" ssl verify required ca-file $PKI/ca.pem"
  fi
  sed -e "s|@PORT@|$PROXY_PORT|g" -e "s|@UPSTREAM@|$2|g" -e "s|@WORK@|$dir|g" \
    -e "s|^\\( *bind .*\\)$|\\1$bind|" -e "s|^\\( *server upstream .*\\)$|\\1$server|" \
    -e "s|^\\( *nbthread\\) 1$|\\1 $HAPROXY_THREADS|" "$HERE/haproxy.cfg.in" >"$dir/haproxy.cfg"
  # DEFAULTS_LINE (e.g. `option http-no-delay`) is added as the first line of the defaults section.
  [ -n "$extra" ] && sed -i "/^defaults/a\\    $extra" "$dir/haproxy.cfg"
  start "$dir/haproxy.log" "$HAPROXY" -db -f "$dir/haproxy.cfg"
  PROXY_PID=$LAST_PID
  wait_port "$PROXY_PORT" "$PROXY_PID" "$dir/haproxy.log"
}

start_reprise() {  # start_reprise NAME UPSTREAM_PORT [extra args]; sets PROXY_PORT, PROXY_PID; --threads REPRISE_THREADS
  # --log-level: $REPRISE_LOG_LEVEL, error by default; the binary: $REPRISE_BIN, $BIN by default
  local dir=$WORK/$1 up=$2
  local -a tls=(--upstream "http://127.0.0.1:$up")
  shift 2
  mkdir -p "$dir"
  PROXY_PORT=$(free_port)
  tls_on && tls=(--upstream "https://127.0.0.1:$up" --upstream-ca "$PKI/ca.pem" --tls-cert "$PKI/server.pem"
                 --tls-key "$PKI/server.key")
  start "$dir/reprise.log" "${REPRISE_BIN:-$BIN}" proxy --listen "127.0.0.1:$PROXY_PORT" "${tls[@]}" \
    --threads "$REPRISE_THREADS" --log-level "${REPRISE_LOG_LEVEL:-error}" "$@"
  PROXY_PID=$LAST_PID
  wait_port "$PROXY_PORT" "$PROXY_PID" "$dir/reprise.log"
}

# ---- benchmark 1: throughput -------------------------------------------------------------------

throughput() {
  local -A port pid
  local t r f line
  start_nginx || { log "nginx did not start"; return 1; }
  port[direct]=$NGINX_PORT
  pid[direct]=$NGINX_PID
  if has "$TARGETS" reprise; then
    if start_reprise tp-reprise "$NGINX_PORT"; then port[reprise]=$PROXY_PORT; pid[reprise]=$PROXY_PID
    else log "reprise did not start: no throughput figures for it"; fi
    # the same proxy recording every exchange (info level: it reports written/dropped at exit)
    if REPRISE_LOG_LEVEL=info start_reprise tp-recording "$NGINX_PORT" --record "$WORK/tp-recording/capture.jsonl"
    then port[recording]=$PROXY_PORT; pid[recording]=$PROXY_PID
    else log "reprise --record did not start: no recording figures"; fi
  fi
  if has "$TARGETS" haproxy; then
    if start_haproxy tp-haproxy "$NGINX_PORT"; then port[haproxy]=$PROXY_PORT; pid[haproxy]=$PROXY_PID
    else log "haproxy did not start: no throughput figures for it"; fi
  fi
  for t in direct reprise recording haproxy; do
    [ -n "${port[$t]:-}" ] || continue
    if ! curl -fsS -o "$WORK/check-$t.json" "http://127.0.0.1:${port[$t]}/json"; then
      log "GET /json through $t failed: no throughput figures for it"
      unset "port[$t]"
      continue
    fi
    wrk -t1 -c"$CONNS" -d1s "http://127.0.0.1:${port[$t]}/json" >/dev/null 2>&1  # warm-up, not counted
  done
  log "throughput: wrk -t1 -c$CONNS -d$DURATION --latency, $ROUNDS round(s): ${!port[*]}"
  for ((r = 1; r <= ROUNDS; r++)); do
    for t in direct reprise recording haproxy; do
      [ -n "${port[$t]:-}" ] || continue
      f=$WORK/wrk-$t-$r.txt
      wrk -t1 -c"$CONNS" -d"$DURATION" --latency "http://127.0.0.1:${port[$t]}/json" >"$f" 2>&1
      line=$("$PY" "$HERE/report.py" wrk "$f")
      log "round $r $t: req/s p99(ms) $line"
      if ! alive "${pid[$t]}"; then log "$t died during round $r"; unset "port[$t]"; fi
    done
  done
  for t in haproxy recording reprise direct; do [ -n "${pid[$t]:-}" ] && forget "${pid[$t]}"; done
  return 0
}

# ---- benchmarks 4 and 5: the same proxy with and without a feature ------------------------------

reqs_of() { awk '/ requests in / {print $1}' "$1"; }  # requests wrk sent, from its output

# ab_compare PART GOAL_PCT COUNTER A [A_ARGS...] -- B [B_ARGS...] [-- C [C_ARGS...]]...
# Contenders in front of one fresh nginx: each a reprise proxy (--threads 1, start_reprise plus
# its ARGS) named A, B...; a name NAME=BINARY runs that reprise binary (instead of the one
# benchmarked) under the name NAME; the name haproxy is haproxy (haproxy.cfg.in; no ARGS). wrk as
# in the throughput part against each after a 1 s warm-up, in the given order on odd rounds and in
# reverse on even ones (A then B, then B then A, for two) for max(AB_MIN_ROUNDS, BENCH_ROUNDS)
# rounds, each contender's CPU ticks read around each of its wrk runs. COUNTER, unless empty, is a
# command printing how many requests B has counted: run after the warm-up and after the rounds,
# the difference is reported next to what wrk sent B. Writes $WORK/PART.txt: one line of medians,
# the ratio B/A, the share of throughput lost against the goal (at most GOAL_PCT %), the median
# CPU µs per request of each, and the errors; and $WORK/PART/medians.json (report.py ab).
ab_compare() {
  local part=$1 goal=$2 counter=$3 dir=$WORK/$1 rounds=$((ROUNDS < AB_MIN_ROUNDS ? AB_MIN_ROUNDS : ROUNDS))
  shift 3
  local -a names=() group=() started=() order=()
  local -A port pid
  local spec name bin t r i f line what="" counted0=none counted1=none c0 c1 status=0
  mkdir -p "$dir"
  start_nginx || { log "$part: nginx did not start: no figures"; return 1; }
  started+=("$NGINX_PID")
  for spec in "$@" --; do  # a contender at each --, its name and arguments gathered in group
    if [ "$spec" != -- ]; then group+=("$spec"); continue; fi
    name=${group[0]%%=*} bin=$BIN
    [ "$name" = "${group[0]}" ] || bin=${group[0]#*=}
    if [ "$name" = haproxy ]; then
      start_haproxy "$part-haproxy" "$NGINX_PORT"
    else
      REPRISE_BIN=$bin start_reprise "$part-$name" "$NGINX_PORT" "${group[@]:1}"
    fi
    status=$?
    started+=("$PROXY_PID")
    [ $status -eq 0 ] || { log "$part: ${group[*]} did not start: no figures"; break; }
    names+=("$name")
    port[$name]=$PROXY_PORT pid[$name]=$PROXY_PID
    what+="${what:+ vs }$name${group[1]:+ (${group[*]:1})}"
    [ "$bin" = "$BIN" ] || what+=" [$bin]"
    group=()
  done
  if [ $status -eq 0 ]; then
    for t in "${names[@]}"; do
      check_get "${port[$t]}" || { log "$part: GET /json through $t failed"; status=1; break; }
      wrk -t"$WRK_THREADS" -c"$CONNS" -d1s "${WRK_ARGS[@]}" "$(json_url "${port[$t]}")" >"$dir/warmup-$t.txt" 2>&1  # not counted
    done
  fi
  if [ $status -eq 0 ]; then
    [ -n "$counter" ] && counted0=$($counter)
    log "$part: wrk -t$WRK_THREADS -c$CONNS -d$DURATION --latency ${WRK_ARGS[*]}, $rounds round(s): $what"
    for ((r = 1; r <= rounds && status == 0; r++)); do
      order=("${names[@]}")
      if [ $((r % 2)) -eq 0 ]; then order=(); for ((i = ${#names[@]} - 1; i >= 0; i--)); do order+=("${names[i]}"); done; fi
      for t in "${order[@]}"; do
        f=$dir/wrk-$t-$r.txt
        c0=$(cpu_ticks "${pid[$t]}")
        wrk -t"$WRK_THREADS" -c"$CONNS" -d"$DURATION" --latency "${WRK_ARGS[@]}" "$(json_url "${port[$t]}")" >"$f" 2>&1
        c1=$(cpu_ticks "${pid[$t]}")
        echo "$c0 $c1" >"$dir/cpu-$t-$r.txt"
        line=$("$PY" "$HERE/report.py" wrk "$f")
        log "round $r $t: req/s p99(ms) $line cpu_us_per_req=$(awk -v a="$c0" -v b="$c1" -v n="$(reqs_of "$f")" \
          -v tck="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", n ? (b - a) / tck * 1e6 / n : 0}')"
        alive "${pid[$t]}" || { log "$part: $t died during round $r"; status=1; break; }
      done
    done
  fi
  if [ $status -eq 0 ]; then
    [ -n "$counter" ] && counted1=$($counter)
    if "$PY" "$HERE/report.py" ab "$dir" "$rounds" "$(getconf CLK_TCK)" "$goal" "$counted0" "$counted1" \
      "${names[@]}" >"$WORK/$part.txt"; then
      log "$part: $(cat "$WORK/$part.txt")"
    else
      log "$part: could not read the runs' figures"
      status=1
    fi
  fi
  for ((r = ${#started[@]} - 1; r >= 0; r--)); do forget "${started[r]}"; done
  return $status
}

# before_after PART LABEL NOTE [ARGS...]: ab_compare of BEFORE and BIN, both with ARGS (NOTE says
# what they are, for the table), and haproxy (when a target); adds the part's rows (req/s, p99,
# CPU per request) to WORK/compare-rows.jsonl.
before_after() {
  local part=$1 label=$2 note=$3 how
  shift 3
  local -a peer=()
  has "$TARGETS" haproxy && peer=(-- haproxy)
  ab_compare "$part" "$TOLERANCE" "" "before=$BEFORE" "$@" -- after "$@" "${peer[@]}" || return 1
  how="reprise proxy --threads 1${note:+ $note} and haproxy (nbthread 1) in front of nginx (1 worker);"
  how+=" wrk -t1 -c$CONNS -d$DURATION; medians of $((ROUNDS < AB_MIN_ROUNDS ? AB_MIN_ROUNDS : ROUNDS)) rounds,"
  how+=" before, after, haproxy in turn, the order reversed every round; CPU: utime + stime (/proc)"
  "$PY" "$HERE/report.py" rows "$WORK/$part/medians.json" "$label" haproxy haproxy "$how" >>"$WORK/compare-rows.jsonl"
}

# ---- benchmark 4: the cost of measuring ----------------------------------------------------------

admin_reqs() {  # admin_reqs PORT: the requests a measuring proxy counted, from its /metrics
  curl -fsS "http://127.0.0.1:$1/metrics" | awk '/^reprise_http_reqs_total/ {n += $2} END {print n + 0}'
}

measuring() {  # writes $WORK/measuring.txt: one line of medians and the ratio
  local dir=$WORK/measuring admin
  has "$TARGETS" reprise || return 0
  mkdir -p "$dir"
  cat >"$dir/sla.json" <<'SLA'
{"window": "60s", "routes": {"Json": "GET /json"},
 "thresholds": {"http_req_duration{name:Json}": ["p(95)<500", "p(99)<1000"], "http_req_failed": ["rate<0.01"],
                "upstream_duration": ["p(95)<100"], "http_reqs": ["rate>100"]}}
SLA
  admin=$(free_port)
  ab_compare measuring 3 "admin_reqs $admin" \
    plain -- measured --admin "127.0.0.1:$admin" --sla "$dir/sla.json"
}

# ---- benchmark 5: the cost of faults that match nothing --------------------------------------------

faults() {  # writes $WORK/faults.txt: one line of medians and the ratio
  local dir=$WORK/faults
  has "$TARGETS" reprise || return 0
  mkdir -p "$dir"
  # Twenty faults of every kind, none matching what wrk sends (GET /json, Host only): most on paths
  # that never come, some on a method or a header wrk never sends, one on GET /json itself but only
  # with a header, so every stage of the match (method, path, header, query) runs for some of them.
  cat >"$dir/faults.json" <<'FAULTS'
{"faults": [
  {"name": "f1", "match": {"method": "PATCH", "path": "/never/1/*", "header": {"X-Chaos": "1"}}, "percent": 50, "delay": {"fixed": "200ms"}},
  {"name": "f2", "match": {"path": "/never/2/*"}, "abort": {"status": 503}},
  {"name": "f3", "match": {"path": "/never/3/*"}, "reset": {}},
  {"name": "f4", "match": {"path": "/never/4/*"}, "bandwidth": {"bytes_per_sec": 1024}},
  {"name": "f5", "match": {"path": "/never/5/*"}, "slice": {"bytes": 16, "pause": "5ms"}},
  {"name": "f6", "match": {"path": "/never/6/*"}, "sse_drop": {"after_events": 1}},
  {"name": "f7", "match": {"path": "/never/7/*"}, "timeout": {"hold": "1s"}},
  {"name": "f8", "match": {"path": "/never/8/*"}, "slow_close": {"delay": "1s"}},
  {"name": "f9", "match": {"path": "/never/9/*"}, "upstream_down": {}},
  {"name": "f10", "match": {"path": "/never/10/*/items"}, "percent": 10, "delay": {"fixed": "50ms", "jitter": "10ms"}},
  {"name": "f11", "match": {"path": "/never/11/*"}, "delay": {"distribution": "normal", "mean": "100ms", "stddev": "20ms"}},
  {"name": "f12", "match": {"path": "/never/12/*"}, "delay": {"distribution": "pareto", "scale": "50ms", "shape": 2}},
  {"name": "f13", "match": {"path": "/never/13/*"}, "abort": {"status": 429, "body": "slow down\n"}},
  {"name": "f14", "match": {"path": "/never/14/*"}, "direction": "upstream", "bandwidth": {"bytes_per_sec": 4096}},
  {"name": "f15", "match": {"path": "/never/15/*"}, "direction": "upstream", "slice": {"bytes": 8, "pause": "1ms"}},
  {"name": "f16", "match": {"method": "PATCH", "header": {"X-Chaos": "16"}}, "reset": {}},
  {"name": "f17", "match": {"method": "DELETE", "path": "/never/17/*"}, "sse_drop": {"after": "2s"}},
  {"name": "f18", "match": {"header": {"X-Chaos": "18"}}, "window": {"start": "0s", "end": "1h"}, "timeout": {"hold": "2s"}},
  {"name": "f19", "match": {"query": {"chaos": "19"}}, "slow_close": {"delay": "500ms"}},
  {"name": "f20", "match": {"method": "GET", "path": "/json", "header": {"X-Chaos": "20"}}, "upstream_down": {}}
]}
FAULTS
  if [ -n "$BEFORE" ]; then
    before_after faults "idle faults" "--faults FILE (20 faults, none matching)" --faults "$dir/faults.json"
  else
    ab_compare faults 2 "" plain -- faults --faults "$dir/faults.json"
  fi
}

# ---- benchmark 9: mirroring (reprise proxy --mirror) ---------------------------------------------

# mirror_snapshot ADMIN_PORT FILE: the proxy's GET /mirror (JSON) into FILE; when that fails, its
# /metrics' reprise_mirror_copies_total and reprise_mirror_dropped_total as
# {"copies": N, "dropped": N, "from": "metrics"}. Status 1 when neither answered.
mirror_snapshot() {
  curl -fsS -m 5 -o "$2" "http://127.0.0.1:$1/mirror" 2>/dev/null && return 0
  curl -fsS -m 5 "http://127.0.0.1:$1/metrics" 2>/dev/null | awk '
    /^reprise_mirror_copies_total[ {]/ {c += $NF; seen = 1}
    /^reprise_mirror_dropped_total[ {]/ {d += $NF}
    END {if (!seen) exit 1; printf "{\"copies\": %d, \"dropped\": %d, \"from\": \"metrics\"}\n", c, d}' >"$2"
}

mirror_pending() { sed -n 's/.*"pending": *\([0-9]*\).*/\1/p' "$1"; }  # of a snapshot; empty when absent

# mirror_drained ADMIN_PORT FILE [TIMEOUT]: snapshots into FILE every 0.1 s until no copy waits
# (pending 0, or no pending figure), at most TIMEOUT (5) s; status 1 when copies still wait, 2 when
# the proxy did not answer.
mirror_drained() {
  local i p
  for ((i = 0; i < ${3:-5} * 10; i++)); do
    mirror_snapshot "$1" "$2" || return 2
    p=$(mirror_pending "$2")
    [ "${p:-0}" = 0 ] && return 0
    sleep 0.1
  done
  return 1
}

# mirror_capture FILE BODYFILE: a capture of BENCH_MIRROR_SESSIONS (512) sessions of one GET /json
# each (Host only, wrk's request; the answer nginx gives), for the replayer.
mirror_capture() {
  "$PY" - "$1" "$2" "${BENCH_MIRROR_SESSIONS:-512}" <<'PYEOF'
import json, sys
path, body_file, sessions = sys.argv[1], sys.argv[2], int(sys.argv[3])
body = open(body_file).read()
with open(path, "w") as f:
    f.write(json.dumps({"reprise_capture": 1, "created": "2026-12-06T00:00:00Z", "source": "proxy",
                        "upstream": "http://127.0.0.1:80", "redaction": "default"}) + "\n")
    for s in range(1, sessions + 1):
        e = {"id": s, "session": f"c0-{s}", "t_us": 1000 * s,
             "req": {"method": "GET", "target": "/json", "version": "1.1", "headers": [["Host", "127.0.0.1"]]},
             "res": {"status": 200, "headers": [["Server", "nginx"], ["Content-Type", "application/json"],
                                                ["Content-Length", str(len(body.encode()))]],
                     "body": body, "ttfb_us": 60, "dur_us": 70}}
        f.write(json.dumps(e, separators=(",", ":")) + "\n")
PYEOF
}

# mirror_replay NAME RATE DURATION [TARGET]: `reprise replay --threads 1` of the /json capture
# against TARGET (by default the mirror's nginx, murl), constant-arrival-rate at RATE iterations
# (= requests) a second for DURATION, BENCH_CONNECTIONS VUs made at start and up to 4 times as many
# (so that it keeps the rate rather than dropping iterations). Each request's latency counts from
# its intended start (its due time), not from when it was sent: no coordinated omission. DIR/NAME.rate
# gets RATE; DIR/NAME.json the summary (--summary), DIR/NAME.out the printed summary, DIR/NAME.log
# its log, DIR/NAME.cpu its user, sys and wall seconds (bash `time`). Uses mirror's dir and murl.
mirror_replay() {
  local name=$1 TIMEFORMAT='%3U %3S %3R'
  echo "$2" >"$dir/$name.rate"
  printf '{"executor": "constant-arrival-rate", "rate": %d, "timeUnit": "1s", "duration": "%s", "preAllocatedVUs": %d, "maxVUs": %d, "thinkTime": "0s"}\n' \
    "$2" "$3" "$CONNS" $((4 * CONNS)) >"$dir/$name.profile.json"
  { time "$BIN" replay "$dir/json.jsonl" --target "${4:-$murl}" --profile "$dir/$name.profile.json" --threads 1 \
      --summary "$dir/$name.json" >"$dir/$name.out" 2>"$dir/$name.log" </dev/null; } 2>"$dir/$name.cpu"
}

# mirror: three reprise proxies (--threads 1, --admin each, log level info) in front of one nginx:
# plain (no mirror), mirrored (--mirror a second nginx, --mirror-factor 1) and slow (--mirror a
# reprise proxy delaying every request BENCH_MIRROR_DELAY, 500ms, in front of that second nginx),
# and `reprise replay` (mirror_replay). Each round:
#   - at saturation: wrk as in the throughput part against plain, mirrored and slow, then the
#     replayer sending GET /json to the second nginx at the mirrored run's req/s (replay);
#   - at a fixed rate, after the wrk runs: the replayer against plain, mirrored and slow
#     (fixed-plain, fixed-mirrored, fixed-slow), constant-arrival-rate at BENCH_MIRROR_RATE (5000)
#     req/s for BENCH_DURATION, each request's latency from its intended start;
# each group in that order on odd rounds and reversed on even ones (the saturation replayer then
# runs first, at the previous round's rate), for max(AB_MIN_ROUNDS, BENCH_ROUNDS) rounds. Around
# every run against a proxy: its CPU ticks and (mirroring ones) GET /mirror. Writes
# DIR/figures.json (report.py mirror).
mirror() {
  local dir=$WORK/mirror rounds=$((ROUNDS < AB_MIN_ROUNDS ? AB_MIN_ROUNDS : ROUNDS)) delay=${BENCH_MIRROR_DELAY:-500ms}
  local frate=${BENCH_MIRROR_RATE:-5000}
  local -A port pid admin
  local -a started=() order=() names=(plain mirrored slow replay) fixed=(fixed-plain fixed-mirrored fixed-slow) extra=()
  local t p r i f c0 c1 mport sport murl rate="" status=0 tck line
  has "$TARGETS" reprise || return 0
  [[ $frate =~ ^[1-9][0-9]*$ ]] || { log "mirror: BENCH_MIRROR_RATE=$frate is not a positive whole number: no figures"; return 1; }
  tck=$(getconf CLK_TCK)
  mkdir -p "$dir"
  # the mirror: a second nginx; the slow mirror: a reprise proxy in front of it delaying every request
  start_nginx nginx-mirror || { log "mirror: the mirror's nginx did not start: no figures"; return 1; }
  started+=("$NGINX_PID")
  mport=$NGINX_PORT murl=http://127.0.0.1:$NGINX_PORT
  printf '{"faults": [{"name": "slow-mirror", "percent": 100, "delay": {"fixed": "%s"}}]}\n' "$delay" >"$dir/delay.json"
  if ! start_reprise mirror-delay "$mport" --faults "$dir/delay.json"; then
    log "mirror: the delaying proxy did not start: no figures"; forget "$NGINX_PID"; return 1
  fi
  started+=("$PROXY_PID")
  sport=$PROXY_PORT
  start_nginx || status=1  # the primary
  started+=("$NGINX_PID")
  [ $status -eq 0 ] || log "mirror: nginx did not start: no figures"
  for t in plain mirrored slow; do
    [ $status -eq 0 ] || break
    case $t in
      plain) extra=() ;;
      mirrored) extra=(--mirror "$murl" --mirror-factor 1) ;;
      slow) extra=(--mirror "http://127.0.0.1:$sport" --mirror-factor 1) ;;
    esac
    admin[$t]=$(free_port)
    REPRISE_LOG_LEVEL=info start_reprise "mirror-$t" "$NGINX_PORT" --admin "127.0.0.1:${admin[$t]}" "${extra[@]}"
    status=$?
    started+=("$PROXY_PID")
    [ $status -eq 0 ] || { log "mirror: the $t proxy (${extra[*]:-no mirror}) did not start: no figures"; break; }
    port[$t]=$PROXY_PORT pid[$t]=$PROXY_PID
  done
  if [ $status -eq 0 ]; then
    curl -fsS -o "$dir/json-body" "$murl/json" && mirror_capture "$dir/json.jsonl" "$dir/json-body" \
      || { log "mirror: could not make the replayer's capture"; status=1; }
    check_get "$sport" || { log "mirror: GET /json through the delaying proxy failed"; status=1; }
  fi
  if [ $status -eq 0 ]; then
    for t in plain mirrored slow; do
      check_get "${port[$t]}" || { log "mirror: GET /json through $t failed"; status=1; break; }
      if [ "$t" != plain ] && ! mirror_snapshot "${admin[$t]}" "$dir/check-$t.json"; then
        log "mirror: the $t proxy answers neither GET /mirror nor reprise_mirror_copies_total on /metrics"; status=1; break
      fi
      wrk -t1 -c"$CONNS" -d1s "$(json_url "${port[$t]}")" >/dev/null 2>&1  # warm-up, not counted
    done
  fi
  if [ $status -eq 0 ]; then
    mirror_replay replay-warmup 2000 1s || log "mirror: the warm-up replay failed (status $?): $(tail -n 2 "$dir/replay-warmup.log")"
    mirror_drained "${admin[mirrored]}" "$dir/warmup-mirrored.json" 10
    case $? in
      1) log "mirror: copies of the warm-up still wait: $(tr -d " \n" <"$dir/warmup-mirrored.json")" ;;
      2) log "mirror: the mirrored proxy did not answer GET /mirror after the warm-up" ;;
    esac
    log "mirror: wrk -t1 -c$CONNS -d$DURATION --latency, $rounds round(s): plain vs mirrored (--mirror $murl" \
      "--mirror-factor 1) vs slow (--mirror through a $delay delay), and reprise replay (constant-arrival-rate at" \
      "the mirrored run's req/s, $CONNS VUs, GET /json to the mirror's nginx); then reprise replay against" \
      "plain, mirrored and slow at a fixed $frate req/s for $DURATION (constant-arrival-rate, latency from the intended start)"
  fi
  for ((r = 1; r <= rounds && status == 0; r++)); do
    # the saturation runs, then the fixed-rate ones; each group reversed on even rounds
    order=("${names[@]}" "${fixed[@]}")
    if [ $((r % 2)) -eq 0 ]; then
      order=()
      for ((i = ${#names[@]} - 1; i >= 0; i--)); do order+=("${names[i]}"); done
      for ((i = ${#fixed[@]} - 1; i >= 0; i--)); do order+=("${fixed[i]}"); done
    fi
    for t in "${order[@]}"; do
      if [ "$t" = replay ]; then
        [ -n "$rate" ] || { log "round $r replay: no mirrored rate measured yet: skipped"; continue; }
        mirror_replay "replay-$r" "$rate" "$DURATION" \
          || log "round $r replay: reprise replay exited with status $?: $(tail -n 2 "$dir/replay-$r.log")"
        log "round $r replay: $("$PY" "$HERE/report.py" mirror-run "$dir" replay "$r" "$tck")"
        continue
      fi
      p=${t#fixed-}  # the proxy: plain, mirrored or slow
      [ "$p" = plain ] || mirror_snapshot "${admin[$p]}" "$dir/mirror-$t-$r-0.json"
      c0=$(cpu_ticks "${pid[$p]}")
      if [ "$t" = "$p" ]; then  # at saturation
        f=$dir/wrk-$t-$r.txt
        wrk -t1 -c"$CONNS" -d"$DURATION" --latency "$(json_url "${port[$p]}")" >"$f" 2>&1
      else  # at a fixed rate
        mirror_replay "$t-$r" "$frate" "$DURATION" "http://127.0.0.1:${port[$p]}" \
          || log "round $r $t: reprise replay exited with status $?: $(tail -n 2 "$dir/$t-$r.log")"
      fi
      # the mirrored proxy's CPU includes sending the copies still waiting when the run stopped
      if [ "$p" = mirrored ]; then
        mirror_drained "${admin[$p]}" "$dir/mirror-$t-$r-1.json" 10
        [ $? = 1 ] && log "round $r $t: copies still wait 10 s after the run: $(tr -d " \n" <"$dir/mirror-$t-$r-1.json")"
      fi
      c1=$(cpu_ticks "${pid[$p]}")
      echo "$c0 $c1" >"$dir/cpu-$t-$r.txt"
      [ "$p" = plain ] || mirror_snapshot "${admin[$p]}" "$dir/mirror-$t-$r-1.json" \
        || log "round $r $t: the proxy did not answer GET /mirror"
      [ "$t" = mirrored ] && rate=$(awk '/^Requests\/sec:/ {printf "%d", $2}' "$f")
      log "round $r $t: $("$PY" "$HERE/report.py" mirror-run "$dir" "$t" "$r" "$tck")"
      alive "${pid[$p]}" || { log "mirror: $p died during round $r ($t)"; status=1; break; }
    done
  done
  for t in mirrored slow; do
    [ -n "${admin[$t]:-}" ] && mirror_snapshot "${admin[$t]}" "$dir/mirror-$t-end.json"
  done
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do forget "${started[i]}"; done
  # the exit log line of each mirroring proxy: "mirror URL: C copies sent, A answered, ..."
  for t in mirrored slow; do
    grep -m1 -E 'mirror http.*copies sent' "$WORK/mirror-$t/reprise.log" >"$dir/exit-$t.txt" 2>/dev/null
  done
  if [ $status -eq 0 ]; then
    if "$PY" "$HERE/report.py" mirror "$dir" "$rounds" "$tck" "$delay" "$CONNS" "$DURATION" "$frate" >"$WORK/mirror.txt" 2>&1; then
      while IFS= read -r line; do log "mirror: $line"; done <"$WORK/mirror.txt"
    else
      log "mirror: could not read the runs' figures: $(tail -n 3 "$WORK/mirror.txt")"
      status=1
    fi
  fi
  return $status
}

# ---- benchmark 2: long-lived streams -----------------------------------------------------------

# held_one KIND reprise|haproxy ROUND: writes $WORK/KIND-NAME-ROUND.env; status 1 when the proxy
# could not hold them (did not start, died, or not all open within BENCH_STREAM_TIMEOUT). KIND:
# streams: BENCH_STREAMS SSE streams held (sse_upstream.py, sse_client.py); ws-tunnels: BENCH_STREAMS
# WebSocket tunnels (ws_tunnels.py upstream and client); tls-idle: BENCH_TLS_IDLE TLS connections idle
# after one GET /json each (TLS on both sides, nginx upstream, tls_idle.py; one GET first, so that
# OpenSSL's start-up is not counted per connection).
held_one() {
  local kind=$1 name=$2 dir=$WORK/$1-$2-$3 env=$WORK/$1-$2-$3.env count=$STREAMS what=streams TLS=0 at="$1 via $2 (round $3)"
  local up_port up_pid proxy_pid rss0 rss1 fds client_pid i status="" ready=0 failed=0 lost="" err="" first=""
  local -a upstream=(sse_upstream.py) client=()
  case $kind in
    tls-idle) TLS=1 count=$TLS_IDLE what="idle TLS connections" ;;
    ws-tunnels) what="WebSocket tunnels" upstream=(ws_tunnels.py upstream) ;;
  esac
  mkdir -p "$dir"
  : >"$env"
  if tls_on; then
    start_nginx || { echo "error=nginx did not start" >>"$env"; return 1; }
    up_port=$NGINX_PORT up_pid=$NGINX_PID
  else
    up_port=$(free_port)
    start "$dir/upstream.log" "$PY" "$HERE/${upstream[0]}" "${upstream[@]:1}" --port "$up_port" --heartbeat 10
    up_pid=$LAST_PID
    if ! wait_port "$up_port" "$up_pid" "$dir/upstream.log"; then echo "error=${upstream[*]} did not start" >>"$env"; return 1; fi
  fi
  if [ "$name" = reprise ]; then
    start_reprise "$kind-$name-$3/proxy" "$up_port" --max-connections 20000
  else
    start_haproxy "$kind-$name-$3/proxy" "$up_port"
  fi || { echo "error=$name did not start" >>"$env"; forget "$up_pid"; return 1; }
  proxy_pid=$PROXY_PID
  tls_on && { check_get "$PROXY_PORT" || { echo "error=GET /json through $name failed" >>"$env"; forget "$proxy_pid"; forget "$up_pid"; return 1; }; }
  sleep 1
  rss0=$(rss_kib "$proxy_pid")
  log "$at: RSS before $rss0 KiB; opening $count $what"
  case $kind in
    tls-idle) client=(tls_idle.py --port "$PROXY_PORT" --cafile "$PKI/ca.pem" --connections "$count") ;;
    ws-tunnels) client=(ws_tunnels.py client --port "$PROXY_PORT" --tunnels "$count") ;;
    *) client=(sse_client.py --port "$PROXY_PORT" --streams "$count") ;;
  esac
  start "$dir/client.log" "$PY" "$HERE/${client[0]}" "${client[@]:1}"
  client_pid=$LAST_PID
  for ((i = 0; i < STREAM_TIMEOUT * 10; i++)); do
    status=$(grep -m1 -E '^(READY|FAILED)' "$dir/client.log" 2>/dev/null)
    [ -n "$status" ] && break
    alive "$client_pid" || { err="client exited: $(tail -n 3 "$dir/client.log" | tr '\n' ' ')"; break; }
    alive "$proxy_pid" || { err="$name exited while the $what were opening"; break; }
    sleep 0.1
  done
  [ -z "$status" ] && [ -z "$err" ] && err="$what not all ready within ${STREAM_TIMEOUT}s"
  if [ -n "$status" ]; then
    log "$at: $status"
    sleep "$HOLD"  # let the proxy settle (buffers, pools) before reading its RSS
    rss1=$(rss_kib "$proxy_pid")
    fds=$(fd_count "$proxy_pid")
    case $status in
      READY*) ready=$count ;;
      FAILED*)
        ready=$(sed -n 's/.*ready=\([0-9]*\).*/\1/p' <<<"$status")
        failed=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<<"$status")
        first=$(sed -n 's/.*first_error=//p' <<<"$status") ;;
    esac
    alive "$proxy_pid" || err="$name exited while holding the $what"
    log "$at: RSS after $rss1 KiB, $fds open fds, $ready held"
    {
      echo "rss_before_kib=$rss0"
      echo "rss_after_kib=$rss1"
      echo "proxy_fds=$fds"
      echo "ready=$ready"
      echo "failed=$failed"
      [ -n "$first" ] && echo "first_error=$first"
    } >>"$env"
  fi
  forget "$client_pid"
  lost=$(sed -n 's/^STOPPED .*lost=\([0-9]*\).*/\1/p' "$dir/client.log")
  echo "lost=${lost:-0}" >>"$env"
  sed -n 's/^STOPPED .*heartbeats=\([0-9]*\).*/heartbeats=\1/p' "$dir/client.log" >>"$env"
  [ -n "$err" ] && { log "$at: $err"; echo "error=$err" >>"$env"; }
  forget "$proxy_pid"
  forget "$up_pid"
  [ -z "$err" ]
}

# streams KIND: held_one for reprise and haproxy in turn, HELD_ROUNDS rounds for streams and
# ws-tunnels (reprise first on odd rounds, haproxy first on even ones), one round for tls-idle.
# A run that could not hold them ends the part (its later rounds would take as long to fail).
streams() {
  local kind=$1 rounds=$HELD_ROUNDS r p
  local -a order=()
  [ "$kind" = tls-idle ] && rounds=1
  for ((r = 1; r <= rounds; r++)); do
    order=(reprise haproxy)
    [ $((r % 2)) -eq 0 ] && order=(haproxy reprise)
    for p in "${order[@]}"; do
      has "$TARGETS" "$p" || continue
      held_one "$kind" "$p" "$r" || { log "$kind: round $r via $p failed: no more rounds"; return 0; }
    done
  done
  return 0
}

# ---- benchmarks 6 and 7: TLS on both sides, keep-alive and a connection per request --------------

tls_parts() {  # tls|tls-handshakes: ab_compare of haproxy and reprise, both terminating and re-encrypting
  local TLS=1
  local -a WRK_ARGS=()
  has "$TARGETS" reprise && has "$TARGETS" haproxy || return 0
  if [ "$1" = tls ]; then
    ab_compare tls 0 "" haproxy -- reprise
  else
    WRK_ARGS=(-H "Connection: close")  # a new connection, so a full handshake, per request
    ab_compare tls-handshakes 10 "" haproxy -- reprise
  fi
}

# ---- benchmark 3: SSE event latency -------------------------------------------------------------

latency() {  # writes $WORK/latency-TARGET-ROUND.txt (delays, ns) and .log (the client's DONE line)
  local -A port pid
  local dir=$WORK/lat up_port up_pid t r f line timeout
  mkdir -p "$dir"
  up_port=$(free_port)
  start "$dir/upstream.log" "$PY" "$HERE/sse_upstream.py" --port "$up_port" --tick "$LAT_PERIOD"
  up_pid=$LAST_PID
  wait_port "$up_port" "$up_pid" "$dir/upstream.log" || { log "SSE upstream did not start: no latency figures"; return 1; }
  if has "$TARGETS" direct; then port[direct]=$up_port; pid[direct]=$up_pid; fi
  if has "$TARGETS" reprise; then
    if REPRISE_LOG_LEVEL=warn start_reprise lat-reprise "$up_port"; then port[reprise]=$PROXY_PORT; pid[reprise]=$PROXY_PID
    else log "reprise did not start: no latency figures for it"; fi
  fi
  if has "$TARGETS" haproxy; then
    if start_haproxy lat-haproxy "$up_port" "$([ "$HAPROXY_NO_DELAY" = 1 ] && echo 'option http-no-delay')"; then port[haproxy]=$PROXY_PORT; pid[haproxy]=$PROXY_PID
    else log "haproxy did not start: no latency figures for it"; fi
  fi
  # A stream takes (skip + events) periods; allow 30 s more for a slow start.
  timeout=$(((LAT_SKIP + LAT_PER_ROUND) * LAT_PERIOD / 1000 + 30))
  log "latency: $LAT_STREAMS SSE streams x $LAT_PER_ROUND events ${LAT_PERIOD} ms apart, $ROUNDS round(s): ${!port[*]}"
  for ((r = 1; r <= ROUNDS; r++)); do
    for t in direct reprise haproxy; do
      [ -n "${port[$t]:-}" ] || continue
      f=$WORK/latency-$t-$r
      "$PY" "$HERE/sse_latency.py" --port "${port[$t]}" --streams "$LAT_STREAMS" --events "$LAT_PER_ROUND" \
        --skip "$LAT_SKIP" --timeout "$timeout" --out "$f.txt" >"$f.log" 2>&1
      line=$(grep -m1 -E '^(DONE|FAILED)' "$f.log" || tail -n 1 "$f.log")
      log "round $r $t: $line"
      if ! alive "${pid[$t]}"; then log "$t died during round $r"; unset "port[$t]"; fi
    done
  done
  for t in haproxy reprise; do [ -n "${pid[$t]:-}" ] && forget "${pid[$t]}"; done
  forget "$up_pid"
  return 0
}

# ---- main ----------------------------------------------------------------------------------------

log "work directory $WORK; reprise: ${BIN:-(not benchmarked)}${BEFORE:+; before: $BEFORE}"
# Anything else busy on the 2 cores skews the figures: say so.
log "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
if has "$PARTS" throughput; then
  if [ -n "$BEFORE" ]; then has "$TARGETS" reprise && before_after throughput proxy ""; else throughput; fi
fi
has "$PARTS" keepalive && keepalive
has "$PARTS" threads2 && threads2
has "$PARTS" recording && recording
has "$PARTS" measuring && measuring
has "$PARTS" faults && faults
has "$PARTS" mirror && mirror
has "$PARTS" latency && latency
case " $PARTS " in *" tls"*) make_pki || die "openssl could not make the certificates: $(tail -n 3 "$WORK/pki.log")" ;; esac
has "$PARTS" tls && tls_parts tls
has "$PARTS" tls-handshakes && tls_parts tls-handshakes
has "$PARTS" tls-idle && streams tls-idle
has "$PARTS" streams && streams streams
has "$PARTS" ws-tunnels && streams ws-tunnels
log "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" "$HERE/report.py" summary --work "$WORK" --out "$OUT" --duration "$DURATION" --rounds "$ROUNDS" \
  --streams "$STREAMS" --held-rounds "$HELD_ROUNDS" --tls-idle "$TLS_IDLE" --connections "$CONNS" --parts "$PARTS" --targets "$TARGETS" \
  --latency-streams "$LAT_STREAMS" --latency-events "$LAT_PER_ROUND" --latency-period "$LAT_PERIOD" \
  $([ "$HAPROXY_NO_DELAY" = 1 ] && echo --haproxy-no-delay) ${BEFORE:+--compare "$BEFORE"}
status=$?
if [ -n "$BEFORE" ] && [ -n "${BENCH_COMPARE_ROWS:-}" ] && [ -f "$WORK/compare-rows.jsonl" ]; then
  cat "$WORK/compare-rows.jsonl" >>"$BENCH_COMPARE_ROWS"
fi
exit $status
