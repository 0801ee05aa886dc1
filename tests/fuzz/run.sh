#!/bin/sh
# Runs the libFuzzer harnesses built in BUILD, each for SECONDS, from its seed corpus
# (tests/fuzz/corpus/TARGET, never written) and the corpus earlier runs grew (BUILD/fuzz/TARGET,
# kept between runs). Prints one line per harness (time, runs, corpus); on a crash, leak, timeout
# or sanitizer report prints the report and the input saved, and fails once all have run.
# usage: run.sh BUILD SECONDS [TARGET...]
set -u
build=$1 seconds=$2
shift 2
# Every harness built (tests/fuzz/CMakeLists.txt names them), unless some are named.
targets=${*:-$(cd "$build/tests/fuzz" && ls fuzz_* | sed 's/^fuzz_//')}
seeds=$(cd "$(dirname "$0")" && pwd)/corpus
# A sanitizer report stops the run with its stack (UBSan's too), symbolised when llvm-symbolizer
# is there (the llvm package).
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
failed=""
for t in $targets; do
  work=$build/fuzz/$t
  rm -rf "$work/crashes"
  mkdir -p "$work/corpus" "$work/crashes"
  # -timeout: one input taking this long is a hang (generous: the machine may be busy).
  if "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2560 \
    -print_final_stats=1 -artifact_prefix="$work/crashes/" "$work/corpus" "$seeds/$t" >"$work/log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
    units=$(find "$work/corpus" -type f | wc -l)
    echo "fuzz $t: ${seconds}s, $runs runs, nothing found; its corpus: $units inputs in $work/corpus"
  else
    failed="$failed $t"
    echo "fuzz $t: FAILED; the report (all of it in $work/log):"
    # From the first line of the report (a sanitizer's, an escaped exception's, a broken promise
    # of the harness, a leak or a timeout), 30 lines: what went wrong and where.
    awk '/ERROR: |runtime error: |terminate called|broken promise|ALARM: |out-of-memory/ { on = 1 }
         on && shown++ < 30 { print "  " $0 }' "$work/log"
    for input in "$work"/crashes/*; do
      [ -e "$input" ] && echo "  input: $input (reproduce: $build/tests/fuzz/fuzz_$t $input)"
    done
  fi
done
[ -z "$failed" ] || { echo "fuzz: failed:$failed"; exit 1; }
