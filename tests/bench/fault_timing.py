#!/usr/bin/python3
"""How closely the proxy's timed faults keep their time: the figures the tests no longer assert
(a test asserts only what holds on a busy machine: never early, never ahead of the rate).

    tests/bench/fault_timing.py path/to/reprise

One proxy (--threads 1) in front of the integration tests' counting upstream, on loopback:
  delay      BENCH_DELAY_REQUESTS (200) keep-alive GETs with a 100 ms delay, interleaved with as
             many without; the median and p99 of (delayed - median plain), less the 100 ms: the
             time the proxy adds to a delay (Toxiproxy's latency toxic is the usual peer; it is
             no Debian package, so the figure stands alone). Goal: median within 5 ms.
  bandwidth  50 KiB at 10 KiB/s, BENCH_ROUNDS (3) times: the seconds taken (5 s is exact) and the
             share of the body received by half-time (0.5 is an even trickle).
  hold       a 600 ms timeout fault, BENCH_ROUNDS times: the seconds to the close.
Medians over the rounds. Prints one line per figure and writes them to BENCH_OUT
(./bench-fault-timing.json)."""
import json
import os
import socket
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
os.environ.setdefault("REPRISE_BIN", os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/reprise")
os.environ.setdefault("REPRISE_SOURCE", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

import http.client  # noqa: E402

from harness import CountingUpstream, ProbeUpstream, keepalive_handler, proxy  # noqa: E402
from test_faults import big_route, raw_get, read_response, read_to_end  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_DELAY_REQUESTS", "200"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def start(upstream_port, faults, workdir):
    path = os.path.join(workdir, "faults.json")
    with open(path, "w") as f:
        json.dump({"faults": faults}, f)
    return proxy(upstream_port, "--faults", path, "--threads", "1", "--log-level", "warn")


def delay_figures(up, workdir):
    px = start(up.port, [{"name": "d", "match": {"path": "/d/*"}, "delay": {"fixed": "100ms"}}], workdir)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", px.port, timeout=10)
        took = {"d": [], "p": []}
        for i in range(REQUESTS):
            for kind in ("d", "p"):
                start_t = time.monotonic()
                conn.request("GET", f"/{kind}/{i}")
                conn.getresponse().read()
                took[kind].append(time.monotonic() - start_t)
        conn.close()
    finally:
        px.stop()
    base = statistics.median(took["p"])
    extra = sorted((t - base - 0.1) * 1000 for t in took["d"])
    return {"delay_added_median_ms": round(statistics.median(extra), 2),
            "delay_added_p99_ms": round(extra[int(len(extra) * 0.99) - 1], 2),
            "plain_median_ms": round(base * 1000, 3)}


def bandwidth_figures(workdir):
    up = ProbeUpstream(keepalive_handler(big_route))
    px = start(up.port, [{"name": "bw", "match": {"path": "/big"}, "bandwidth": {"bytes_per_sec": 10240}}], workdir)
    seconds, by_half = [], []
    try:
        for _ in range(ROUNDS):
            with socket.create_connection(("127.0.0.1", px.port), timeout=5) as s:
                start_t = time.monotonic()
                s.sendall(raw_get("/big?bytes=51200"))
                data, _, pieces = read_response(s, 20)
                elapsed = time.monotonic() - start_t
            seconds.append(elapsed)
            by_half.append(sum(n for t, n in pieces if t - start_t <= elapsed / 2) / len(data))
    finally:
        px.stop()
        up.close()
    return {"bandwidth_50k_at_10k_s": round(statistics.median(seconds), 3),
            "bandwidth_share_by_half_time": round(statistics.median(by_half), 3)}


def hold_figures(up, workdir):
    px = start(up.port, [{"name": "h", "match": {"path": "/hold"}, "timeout": {"hold": "600ms"}}], workdir)
    seconds = []
    try:
        for _ in range(ROUNDS):
            with socket.create_connection(("127.0.0.1", px.port), timeout=5) as s:
                start_t = time.monotonic()
                s.sendall(raw_get("/hold"))
                read_to_end(s, 3)
                seconds.append(time.monotonic() - start_t)
    finally:
        px.stop()
    return {"hold_600ms_s": round(statistics.median(seconds), 3)}


def main():
    workdir = tempfile.mkdtemp(prefix="reprise-bench-faults-")
    up = CountingUpstream()
    try:
        figures = {**delay_figures(up, workdir), **bandwidth_figures(workdir), **hold_figures(up, workdir)}
    finally:
        up.close()
    for name, value in figures.items():
        print(f"fault timing  {name:32} {value}")
    with open(os.environ.get("BENCH_OUT", "bench-fault-timing.json"), "w") as f:
        json.dump(figures, f, indent=1)
    ok = abs(figures["delay_added_median_ms"]) <= 5
    print(f"fault timing  delay goal (median within 5 ms): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
