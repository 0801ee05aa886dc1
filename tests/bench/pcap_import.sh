#!/usr/bin/env bash
# pcap import speed: `reprise import pcap` against `tshark -r FILE -Y http` on the same file.
#
#   tests/bench/pcap_import.sh path/to/reprise
#
# Makes the pcap first: `reprise upstream-demo` behind `reprise proxy --threads 1`, a user
# registered and logged in, then `wrk -t1 -c16` for BENCH_PCAP_DURATION on GET
# /api/users/search with the bearer token, while tcpdump writes every packet of the proxy's port
# (`-i lo -U --immediate-mode -B 262144`). Then, BENCH_ROUNDS times in turn, times
# `reprise import pcap FILE -o OUT --port P` and `tshark -r FILE -Y http > /dev/null` (the file is
# in the page cache for both); prints the file size, each tool's median seconds and MB/s, and
# the ratio. Everything on 127.0.0.1, every process started here and stopped by its PID.
#
# Environment: BENCH_PCAP_DURATION (5s), BENCH_ROUNDS (3), BENCH_PCAP (reuse this pcap instead of
# making one; needs BENCH_PCAP_PORT), BENCH_KEEP=1 keeps the work directory.
set -uo pipefail

DURATION=${BENCH_PCAP_DURATION:-5s}
ROUNDS=${BENCH_ROUNDS:-3}
PY=/usr/bin/python3

log() { printf '[pcap-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ $# -ge 1 ] && [ -x "$1" ] || die "usage: $0 path/to/reprise"
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
for tool in wrk tcpdump tshark curl; do command -v "$tool" >/dev/null || die "$tool not installed"; done

WORK=$(mktemp -d /tmp/reprise-pcap-bench-XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  [ "${BENCH_KEEP:-0}" = 1 ] && log "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
seconds() { local start=$EPOCHREALTIME; "$@"; local rc=$?; echo "$start $EPOCHREALTIME" >>"$WORK/times"; return $rc; }
elapsed() { $PY -c "import sys; a,b=sys.argv[1:3]; print(f'{float(b)-float(a):.3f}')" $1 $2; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

make_pcap() {
  local up px token
  up=$(free_port)
  "$BIN" upstream-demo --listen 127.0.0.1:"$up" >"$WORK/upstream.log" 2>&1 &
  PIDS+=($!)
  wait_port "$up" || die "upstream-demo did not start"
  PORT=$(free_port)
  "$BIN" proxy --threads 1 --log-level warn --listen 127.0.0.1:"$PORT" --upstream http://127.0.0.1:"$up" \
    >"$WORK/proxy.log" 2>&1 &
  PIDS+=($!)
  wait_port "$PORT" || die "the proxy did not start"
  curl -sf -XPOST http://127.0.0.1:"$PORT"/api/users/register \
    -d '{"email":"bench@test.com","username":"bench","password":"pw"}' >/dev/null || die "register failed"
  token=$(curl -sf -XPOST http://127.0.0.1:"$PORT"/api/users/login -d '{"email":"bench@test.com","password":"pw"}' |
    $PY -c 'import json,sys; print(json.load(sys.stdin)["access_token"])') || die "login failed"
  PCAP=$WORK/wrk.pcap
  tcpdump -i lo -n -U --immediate-mode -B 262144 -w "$PCAP" "tcp port $PORT" >"$WORK/tcpdump.log" 2>&1 &
  local dump=$!
  PIDS+=($dump)
  for _ in $(seq 200); do grep -q "listening on" "$WORK/tcpdump.log" && break; sleep 0.05; done
  log "wrk -t1 -c16 -d$DURATION through the proxy on :$PORT, tcpdump writing $PCAP"
  wrk -t1 -c16 -d"$DURATION" -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$PORT/api/users/search?q=ben" >"$WORK/wrk.txt" || die "wrk failed"
  sleep 0.5
  kill -INT "$dump"
  wait "$dump"
  grep -E "Requests/sec|requests in" "$WORK/wrk.txt" | sed 's/^ */  /' >&2
  grep -E "captured|dropped" "$WORK/tcpdump.log" | sed 's/^/  tcpdump: /' >&2
}

if [ -n "${BENCH_PCAP:-}" ]; then
  PCAP=$BENCH_PCAP
  PORT=${BENCH_PCAP_PORT:?BENCH_PCAP_PORT is needed with BENCH_PCAP}
else
  make_pcap
fi
BYTES=$(stat -c %s "$PCAP")
MB=$($PY -c "print(f'{$BYTES / 1e6:.1f}')")
log "pcap: $MB MB"
cat "$PCAP" >/dev/null  # in the page cache for both tools

reprise_s=() tshark_s=()
for round in $(seq "$ROUNDS"); do
  : >"$WORK/times"
  seconds "$BIN" import pcap "$PCAP" -o "$WORK/import.jsonl" --port "$PORT" 2>"$WORK/import.log" ||
    die "import failed: $(cat "$WORK/import.log")"
  reprise_s+=("$(elapsed $(tail -1 "$WORK/times"))")
  seconds tshark -r "$PCAP" -Y http >/dev/null 2>"$WORK/tshark.log" || die "tshark failed: $(cat "$WORK/tshark.log")"
  tshark_s+=("$(elapsed $(tail -1 "$WORK/times"))")
  log "round $round: reprise ${reprise_s[-1]} s, tshark ${tshark_s[-1]} s"
done
sed 's/^reprise: /  /' "$WORK/import.log" >&2
R=$(median "${reprise_s[@]}")
T=$(median "${tshark_s[@]}")
$PY - "$BYTES" "$R" "$T" <<'PYEOF'
import sys
size, r, t = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
mb = size / 1e6
print(f"pcap {mb:.1f} MB | reprise import pcap {r:.2f} s = {mb / r:.0f} MB/s | "
      f"tshark -Y http {t:.2f} s = {mb / t:.1f} MB/s | reprise is {t / r:.1f}x faster")
PYEOF
