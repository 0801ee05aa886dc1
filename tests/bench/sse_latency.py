#!/usr/bin/python3
"""SSE client for the latency benchmark: one-way delay of timestamped events.

  sse_latency.py --port P [--streams 20] [--events 500] [--skip 10] [--path /events]
                 [--out FILE] [--timeout 60]

Opens --streams GET streams to 127.0.0.1:P, all at once, against `sse_upstream.py --tick MS`,
whose events carry their send time (`data: <time.time_ns()>`). Raw asyncio protocols: the
arrival time is time.time_ns() taken as the bytes are handed over by the event loop, the body
is de-chunked and split into events incrementally, and every event completed by those bytes
gets delay = arrival - sent. Per stream the first --skip timestamped events are not recorded
(connection set-up, warm-up), the next --events are; then the stream is closed.

Writes the recorded delays (ns, one per line) to --out and prints one line:
  DONE streams=N events=E p50_us=.. p99_us=.. max_us=.. seconds=S
or, if any stream failed (status, premature end, timeout), `FAILED done=D failed=F
first_error=...` and exits 1.
"""
import argparse
import asyncio
import math
import statistics
import sys
import time


def pct(sorted_xs, q):
    """Nearest-rank percentile of a sorted list."""
    if not sorted_xs:
        return None
    return sorted_xs[max(0, math.ceil(q / 100.0 * len(sorted_xs)) - 1)]


class Stream(asyncio.Protocol):
    def __init__(self, request: bytes, skip: int, events: int, delays: list):
        self.request = request
        self.skip = skip
        self.events = events
        self.delays = delays  # shared by all streams
        self.raw = b""        # bytes not yet consumed (head, then chunk framing)
        self.head_done = False
        self.chunked = False
        self.need = None      # chunked: bytes of chunk data still to read; None: expecting a size line
        self.body = b""       # de-chunked body not yet split into events
        self.seen = 0         # timestamped events seen
        self.transport = None
        self.done = asyncio.get_running_loop().create_future()

    def finish(self, error=None):
        if not self.done.done():
            if error:
                self.done.set_exception(ConnectionError(error))
            else:
                self.done.set_result(None)
        if self.transport and not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc):
        self.finish(f"connection closed after {self.seen} events"
                    + (f": {exc}" if exc else ""))

    def data_received(self, data):
        now = time.time_ns()
        if self.done.done():
            return
        self.raw += data
        try:
            if not self.head_done:
                head, sep, rest = self.raw.partition(b"\r\n\r\n")
                if not sep:
                    if len(self.raw) > 65536:
                        raise ValueError("no response head within 64 KiB")
                    return
                status = head.split(b"\r\n", 1)[0]
                if not status.startswith((b"HTTP/1.1 200", b"HTTP/1.0 200")):
                    raise ValueError(f"status line {status!r}")
                self.chunked = b"transfer-encoding: chunked" in head.lower()
                self.head_done = True
                self.raw = rest
            if self.chunked:
                self.dechunk()
            else:
                self.body += self.raw
                self.raw = b""
            self.split_events(now)
        except ValueError as e:
            self.finish(str(e))

    def dechunk(self):
        raw = self.raw
        i = 0
        while True:
            if self.need is None:
                j = raw.find(b"\r\n", i)
                if j < 0:
                    break
                size = int(raw[i:j].split(b";", 1)[0].strip(), 16)
                if size == 0:
                    raise ValueError(f"stream ended (last chunk) after {self.seen} events")
                self.need = size + 2  # data and its CRLF
                i = j + 2
            else:
                take = min(self.need, len(raw) - i)
                if take == 0:
                    break
                self.body += raw[i:i + take]
                self.need -= take
                i += take
                if self.need == 0:
                    if not self.body.endswith(b"\r\n"):
                        raise ValueError("chunk data not followed by CRLF")
                    self.body = self.body[:-2]
                    self.need = None
        self.raw = raw[i:]

    def split_events(self, now):
        while True:
            j = self.body.find(b"\n\n")
            if j < 0:
                return
            event, self.body = self.body[:j], self.body[j + 2:]
            for line in event.split(b"\n"):
                if line.startswith(b"data:"):
                    value = line[5:].strip()
                    if value.isdigit():
                        self.seen += 1
                        if self.seen > self.skip:
                            self.delays.append(now - int(value))
                        if self.seen >= self.skip + self.events:
                            self.finish()
                            return


async def run(args):
    loop = asyncio.get_running_loop()
    request = (f"GET {args.path} HTTP/1.1\r\nHost: 127.0.0.1:{args.port}\r\n"
               "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n").encode()
    delays = []
    start = time.monotonic()

    async def one(i):
        _, proto = await loop.create_connection(
            lambda: Stream(request, args.skip, args.events, delays), "127.0.0.1", args.port)
        try:
            await proto.done
        finally:
            proto.finish()

    results = await asyncio.gather(
        *(asyncio.wait_for(one(i), args.timeout) for i in range(args.streams)), return_exceptions=True)
    secs = time.monotonic() - start
    errors = [f"stream {i}: {type(r).__name__}: {r}" for i, r in enumerate(results) if isinstance(r, BaseException)]
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(map(str, delays)))
            f.write("\n")
    if errors:
        print(f"FAILED done={args.streams - len(errors)} failed={len(errors)} first_error={errors[0]}",
              flush=True)
        return 1
    xs = sorted(delays)
    print(f"DONE streams={args.streams} events={len(xs)} p50_us={statistics.median(xs) / 1000:.1f} "
          f"p99_us={pct(xs, 99) / 1000:.1f} max_us={xs[-1] / 1000:.1f} seconds={secs:.1f}", flush=True)
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--streams", type=int, default=20)
    ap.add_argument("--events", type=int, default=500, help="recorded timestamped events per stream")
    ap.add_argument("--skip", type=int, default=10, help="timestamped events per stream not recorded")
    ap.add_argument("--path", default="/events")
    ap.add_argument("--out", help="file for the recorded delays, ns, one per line")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds for a whole stream")
    args = ap.parse_args()
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
