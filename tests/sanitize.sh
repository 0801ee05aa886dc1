#!/bin/sh
# Runs the whole suite (ctest in BUILD: the unit tests and every integration test) against a
# build made with AddressSanitizer and UndefinedBehaviorSanitizer (`make sanitize` makes it), and
# fails when a test failed or when any sanitizer wrote a report. The reprise processes that the
# integration tests start write their stderr to logs nobody reads once the test passed, so every
# report goes to a file of its own in BUILD/sanitizer-reports/ instead, and a file there is a
# failure whatever the tests said. It must not filter reports: a finding is fixed, not hidden.
# Usage: tests/sanitize.sh BUILD
set -u
build=$(cd "${1:?usage: tests/sanitize.sh BUILD}" && pwd)
reports="$build/sanitizer-reports"
rm -rf "$reports"
mkdir -p "$reports"

# log_path: one file per process (name.PID). abort_on_error: a finding kills the process with
# SIGABRT, so no test can take it for an ordinary exit 1. detect_leaks: LeakSanitizer checks
# every process that exits (SIGTERM included; only SIGKILL escapes it).
export ASAN_OPTIONS="log_path=$reports/asan:halt_on_error=1:abort_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="log_path=$reports/ubsan:halt_on_error=1:abort_on_error=1:print_stacktrace=1"

start=$(date +%s)
(cd "$build" && ctest --output-on-failure -j 2)
status=$?
echo "sanitize: ctest exited $status after $(($(date +%s) - start)) s"

found=$(find "$reports" -type f | sort)
if [ -n "$found" ]; then
  for f in $found; do
    echo "==== $f"
    cat "$f"
  done
  echo "sanitize: FAILED: $(echo "$found" | wc -l) sanitizer report(s) in $reports"
  exit 1
fi
[ "$status" -eq 0 ] || { echo "sanitize: FAILED: tests failed"; exit "$status"; }
echo "sanitize: passed, no sanitizer report"
