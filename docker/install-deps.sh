#!/bin/sh
# Installs every Debian 12 package that building, testing and benchmarking reprise needs.
# Idempotent: when every package is already present it changes nothing and touches no network.
# Besides Debian's packages: the npm packages of tests/browser and tests/k6-export (pinned by lock files).
# Used by the Makefile, .ci/run (through make) and docker/Dockerfile alike: the one list.
set -eu

# build: compiler, CMake, Boost.Asio, llhttp sources, and the libraries reprise uses (OpenSSL for
# TLS; liburing for the workers' io_uring; ccache makes rebuilds cheap; the Makefile uses it when
# present)
BUILD="g++ make cmake pkg-config ccache libboost1.81-dev node-llhttp libpcap-dev nlohmann-json3-dev
  libspdlog-dev libcli11-dev catch2 libssl-dev liburing-dev"
# tests: Catch2 v2, the real servers reprise is tried against, and the tools tests drive (chromium
# renders the HTML report headless; stress-ng keeps a core busy for `make test-busy`; prometheus
# scrapes reprise and answers PromQL for the sources and dashboard tests; docker-compose checks
# docker/compose.yaml without an engine; python3-yaml reads the k8s manifests in their test and
# python3-kubernetes, the API's models, checks their fields)
TEST="nginx openssl python3 python3-fastapi python3-uvicorn python3-websockets python3-prometheus-client curl procps tcpdump stress-ng
  chromium prometheus docker-compose python3-yaml python3-kubernetes"
# benchmarks: the peers reprise is compared with
BENCH="wrk haproxy tshark"
# fuzzing (make fuzz): clang, libFuzzer and the sanitizer runtimes (clang does not pull them in:
# libclang-rt-dev), and llvm-symbolizer (llvm) so that a crash report names files and lines
FUZZ="clang libclang-rt-dev llvm"

case "${1:-all}" in
  build) WANT="$BUILD" ;;
  *) WANT="$BUILD $TEST $BENCH $FUZZ" ;;
esac

# browser tests (test_browser_sessions) drive the chromium above from Node, and test_summary_export
# runs a k6 reporter on it: Debian's nodejs and npm,
# but only where no node is installed at all (Debian's npm would replace a node installed otherwise,
# which brings its own npm)
if [ "${1:-all}" != build ] && ! command -v node >/dev/null 2>&1; then
  WANT="$WANT nodejs npm"
fi

missing=""
for p in $WANT; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ -n "$missing" ]; then
  echo "install-deps: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
[ "${1:-all}" = build ] && exit 0

# The npm packages of the tests that drive Node: tests/browser (puppeteer-core, chrome-har) and
# tests/k6-export (k6-html-reporter, a reader of k6's --summary-export JSON), each at the exact
# versions of its package-lock.json, with `npm ci`; a folder is skipped while its node_modules was
# installed from this very lock file (a stamp beside it holds the lock file's checksum).
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
for dir in "$ROOT/tests/browser" "$ROOT/tests/k6-export"; do
  [ -f "$dir/package-lock.json" ] || continue
  if ! command -v npm >/dev/null 2>&1; then
    echo "install-deps: node is installed without npm; install npm with that node to run the tests that use Node" >&2
    exit 0
  fi
  STAMP="$dir/node_modules/.installed-from-lock"
  LOCK_SUM="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$STAMP" 2>/dev/null)" != "$LOCK_SUM" ]; then
    echo "install-deps: npm ci in ${dir#"$ROOT"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$LOCK_SUM" > "$STAMP"
  fi
done
