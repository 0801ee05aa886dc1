# shellcheck shell=bash
# The parts of `make bench` that measure issue [13]'s proxy goals against haproxy or against
# reprise itself (sourced by run.sh, not run): keepalive, threads2 and recording, each an
# ab_compare of two contenders in front of one nginx, max(5, BENCH_ROUNDS) rounds, the order
# reversed every round. The held streams and WebSocket tunnels are run.sh's `streams` (held_one).
# It uses run.sh's functions and variables; it starts nothing itself and computes no figure
# (report.py and goals.py do, from the files ab_compare leaves in WORK/PART/).

GOAL_ROUNDS=5  # the goals are judged on medians of at least 5 rounds

# keepalive: reprise proxy --threads 1 against haproxy nbthread 1, wrk -t1 -c64 (BENCH_CONNECTIONS)
# against nginx; goals: req/s >= 1.15x haproxy's (ab_compare's "at most -15 % lost"), p99 <= 1.0x.
keepalive() {
  local AB_MIN_ROUNDS=$((AB_MIN_ROUNDS < GOAL_ROUNDS ? GOAL_ROUNDS : AB_MIN_ROUNDS))
  has "$TARGETS" reprise && has "$TARGETS" haproxy || return 0
  ab_compare keepalive -15 "" haproxy -- reprise
}

# threads2: as keepalive with two threads on each side (reprise --threads 2, haproxy nbthread 2)
# and wrk -t2: a load generator on one thread would put a one-core ceiling on the load that the
# second proxy thread is there to lift; both contenders get the same wrk. Goal: req/s >= 1.15x.
threads2() {
  local AB_MIN_ROUNDS=$((AB_MIN_ROUNDS < GOAL_ROUNDS ? GOAL_ROUNDS : AB_MIN_ROUNDS))
  # shellcheck disable=SC2034  # read by ab_compare, start_reprise and start_haproxy (dynamic scope)
  local WRK_THREADS=2 REPRISE_THREADS=2 HAPROXY_THREADS=2
  has "$TARGETS" reprise && has "$TARGETS" haproxy || return 0
  ab_compare threads2 -15 "" haproxy -- reprise
}

# recording: reprise plain against reprise --record WORK/recording/capture.jsonl (both at log level
# info, which logs nothing per request: the recorder logs "N exchanges written, M dropped" at exit).
# Goals: req/s >= 0.95x plain's, 0 records dropped, and written + dropped = the requests the proxy
# answered (report.py adds up wrk's runs, the warm-up's and the check's). Leaves the capture's line
# and gap-line counts in WORK/recording/capture-lines.txt and removes the capture (GBs at full
# length) unless BENCH_KEEP=1.
recording() {
  local AB_MIN_ROUNDS=$((AB_MIN_ROUNDS < GOAL_ROUNDS ? GOAL_ROUNDS : AB_MIN_ROUNDS))
  # shellcheck disable=SC2034  # REPRISE_LOG_LEVEL: read by start_reprise
  local REPRISE_LOG_LEVEL=info capture=$WORK/recording/capture.jsonl status
  has "$TARGETS" reprise || return 0
  mkdir -p "$WORK/recording"
  ab_compare recording 5 "" plain -- recording --record "$capture"
  status=$?
  if [ -f "$capture" ]; then
    { wc -l <"$capture"; grep -c '"dropped_records"' "$capture"; } >"$WORK/recording/capture-lines.txt"  # lines, gap lines
    [ "${BENCH_KEEP:-0}" = 1 ] || rm -f "$capture"
  fi
  return $status
}
