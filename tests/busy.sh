#!/bin/sh
# `make test-busy`: the whole suite RUNS times in a row (5 by default) while stress-ng keeps one
# core busy, as on a CI machine or a laptop doing other things. Stops at the first failing run.
#
#   tests/busy.sh BUILD_DIR [RUNS]
set -eu
build=$1
runs=${2:-5}
stress-ng --cpu 1 --timeout 6h --quiet &
stress=$!
trap 'kill "$stress" 2>/dev/null || true' EXIT INT TERM
i=1
while [ "$i" -le "$runs" ]; do
  echo "test-busy: run $i of $runs (one core kept busy by stress-ng, pid $stress)"
  (cd "$build" && ctest --output-on-failure -j 2)
  i=$((i + 1))
done
echo "test-busy: $runs runs in a row passed"
