#!/bin/sh
# Installs every Debian 12 package that building, testing and benchmarking reprise needs.
# Idempotent: when every package is already present it changes nothing and touches no network.
# Used by the Makefile, .ci/run (through make) and docker/Dockerfile alike: the one list.
set -eu

# build: compiler, CMake, Boost.Asio, llhttp sources, and the libraries reprise uses (OpenSSL for
# TLS, through Asio's ssl::stream; ccache makes rebuilds cheap; the Makefile uses it when present)
BUILD="g++ make cmake pkg-config ccache libboost1.81-dev node-llhttp libpcap-dev nlohmann-json3-dev
  libspdlog-dev libcli11-dev catch2 libssl-dev"
# tests: Catch2 v2, the real servers reprise is tried against, and the tools tests drive (chromium
# renders the HTML report headless; stress-ng keeps a core busy for `make test-busy`)
TEST="nginx openssl python3 python3-fastapi python3-uvicorn python3-websockets python3-prometheus-client curl procps tcpdump stress-ng
  chromium"
# benchmarks: the peers reprise is compared with
BENCH="wrk haproxy tshark"
# fuzzing (make fuzz): clang, libFuzzer and the sanitizer runtimes (clang does not pull them in:
# libclang-rt-dev), and llvm-symbolizer (llvm) so that a crash report names files and lines
FUZZ="clang libclang-rt-dev llvm"

case "${1:-all}" in
  build) WANT="$BUILD" ;;
  *) WANT="$BUILD $TEST $BENCH $FUZZ" ;;
esac

missing=""
for p in $WANT; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
