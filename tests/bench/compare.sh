#!/usr/bin/env bash
# Before/after: `make bench`'s throughput parts run with two reprise binaries in the same run.
#
#   tests/bench/compare.sh BEFORE [AFTER]     (make bench-compare BEFORE=...)
#   tests/bench/compare.sh --build COMMIT     prints the path of COMMIT's binary, built if need be
#
# BEFORE: a reprise binary, or a git commit of this repository (anything `git rev-parse` takes: a
# sha, a tag, main~3), built first as below. AFTER: a reprise binary (build/reprise by default).
# Runs, each with BENCH_BEFORE=BEFORE, run.sh with BENCH_PARTS "throughput faults" (the proxy and
# the proxy with idle faults, each against haproxy) and replay.sh with BENCH_PARTS throughput (the
# replayer against wrk); each interleaves before and after round by round, the order reversed
# every round, medians of max(5, BENCH_ROUNDS) rounds (see their header comments). Then prints
# the table of both, markdown for the README's Measured section, and writes it to
# BENCH_COMPARE_OUT (./bench-compare.md); run.sh's JSON goes to BENCH_OUT (./bench-compare.json).
#
# Building a commit: a git worktree of it (git worktree add --detach) in DIR/src; cmake Release
# with ccache when present (CCACHE_BASEDIR=DIR/src: the objects of any build of that commit laid
# out as CHECKOUT/build, with ccache's base_dir above CHECKOUT, are reused), `cmake --build -j
# BENCH_BEFORE_JOBS (2) --target reprise`; the binary is copied to DIR/reprise and the worktree
# removed. DIR is BENCH_BEFORE_CACHE (/tmp)/reprise-before-<sha>, kept: a second run with the same
# commit builds nothing. Build output: DIR/build.log.
#
# Environment: what run.sh and replay.sh take (BENCH_DURATION, BENCH_ROUNDS, BENCH_CONNECTIONS,
# BENCH_CONTROL, BENCH_KEEP, BENCH_COMPARE_TOLERANCE (3) ...; not BENCH_PARTS), BENCH_COMPARE_PARTS
# ("proxy replay": proxy = run.sh's parts, replay = replay.sh's), BENCH_COMPARE_OUT,
# BENCH_BEFORE_CACHE, BENCH_BEFORE_JOBS.
# Exit status: 0 when every figure was measured without errors and none of after's is worse than
# before's by more than the tolerance; 1 otherwise.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
PARTS=${BENCH_COMPARE_PARTS:-proxy replay}
OUT=${BENCH_COMPARE_OUT:-./bench-compare.md}
CACHE=${BENCH_BEFORE_CACHE:-/tmp}
JOBS=${BENCH_BEFORE_JOBS:-2}

log() { printf '[compare %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
has() { case " $1 " in *" $2 "*) return 0 ;; *) return 1 ;; esac; }
usage() { die "usage: $0 BEFORE(path/to/reprise|commit) [AFTER(path/to/reprise)] | $0 --build COMMIT"; }

executable() { [ -f "$1" ] && [ -x "$1" ]; }

build_commit() {  # build_commit COMMIT: prints the path of its reprise binary, built if not yet
  local sha dir src rc
  local -a launcher=()
  sha=$(git -C "$ROOT" rev-parse --verify --quiet "$1^{commit}") || die "$1: neither an executable file nor a commit"
  dir=$CACHE/reprise-before-$sha
  src=$dir/src
  if executable "$dir/reprise"; then
    log "before: $dir/reprise, built earlier from $sha"
    echo "$dir/reprise"
    return 0
  fi
  mkdir -p "$dir" || die "cannot create $dir"
  # a worktree left behind by an interrupted build
  [ -e "$src" ] && { git -C "$ROOT" worktree remove --force "$src" 2>/dev/null || rm -rf "$src"; }
  git -C "$ROOT" worktree prune
  git -C "$ROOT" worktree add --detach "$src" "$sha" >"$dir/build.log" 2>&1 \
    || die "git worktree add $src $sha failed: $(tail -n 2 "$dir/build.log")"
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  log "before: building $sha in $src (-j $JOBS${launcher[*]:+, ccache}; output in $dir/build.log)"
  (
    export CCACHE_BASEDIR=$src
    cmake -S "$src" -B "$src/build" -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" \
      && cmake --build "$src/build" -j "$JOBS" --target reprise
  ) >>"$dir/build.log" 2>&1 </dev/null
  rc=$?
  [ $rc -eq 0 ] && { cp "$src/build/reprise" "$dir/reprise.part" && mv "$dir/reprise.part" "$dir/reprise" || rc=1; }
  git -C "$ROOT" worktree remove --force "$src" >>"$dir/build.log" 2>&1 || log "could not remove the worktree $src"
  [ $rc -eq 0 ] || die "the build of $sha failed: $(tail -n 3 "$dir/build.log")"
  log "before: $dir/reprise"
  echo "$dir/reprise"
}

[ $# -ge 1 ] || usage
if [ "$1" = --build ]; then
  [ $# -eq 2 ] || usage
  build_commit "$2"
  exit
fi
[ $# -le 2 ] || usage
if executable "$1"; then
  BEFORE=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
  BEFORE_LABEL="\`$BEFORE\`"
else
  BEFORE=$(build_commit "$1") || exit 1
  BEFORE_LABEL="commit $(git -C "$ROOT" rev-parse --short "$1^{commit}")"
  case $(git -C "$ROOT" rev-parse "$1^{commit}") in "$1"*) ;; *) BEFORE_LABEL+=" (\`$1\`)" ;; esac
fi
AFTER=${2:-$ROOT/build/reprise}
executable "$AFTER" || die "$AFTER: no such executable"
AFTER=$(cd "$(dirname "$AFTER")" && pwd)/$(basename "$AFTER")
AFTER_LABEL="\`$AFTER\`"
# the after binary's commit, when it is a build of this checkout
[ "$AFTER" = "$ROOT/build/reprise" ] \
  && AFTER_LABEL="$AFTER_LABEL ($(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'))"

ROWS=$(mktemp /tmp/reprise-compare-rows.XXXXXX)
trap 'rm -f "$ROWS"' EXIT
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
START=$(date '+%Y-%m-%d %H:%M')
log "before: $BEFORE; after: $AFTER; parts: $PARTS"
status=0
if has "$PARTS" proxy; then
  BENCH_BEFORE=$BEFORE BENCH_COMPARE_ROWS=$ROWS BENCH_PARTS="throughput faults" \
    BENCH_OUT=${BENCH_OUT:-./bench-compare.json} "$HERE/run.sh" "$AFTER" || status=1
fi
if has "$PARTS" replay; then
  BENCH_BEFORE=$BEFORE BENCH_COMPARE_ROWS=$ROWS BENCH_PARTS=throughput "$HERE/replay.sh" "$AFTER" || status=1
fi
{
  echo "Before/after, $START to $(date +%H:%M), $(nproc) CPUs shared by every process (load average" \
    "$LOAD_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end); before: $BEFORE_LABEL," \
    "after: $AFTER_LABEL."
  echo
  "$PY" "$HERE/report.py" table "$ROWS"   # exit status 1: a figure worse, or not measured
} >"$OUT" || status=1
echo "==== before/after (also in $OUT) ===="
cat "$OUT"
exit $status
