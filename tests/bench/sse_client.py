#!/usr/bin/python3
"""SSE client for the long-lived streams benchmark: holds many concurrent streams.

  sse_client.py --port P [--streams 9000] [--path /events] [--concurrency 256] [--timeout 180]

Opens --streams GET streams to 127.0.0.1:P (at most --concurrency of them still waiting for
their first event at any moment), and once every stream has its response head (status 200)
and first event, prints one line `READY streams=N seconds=S`. If any stream fails it prints
`FAILED ready=R failed=F first_error=...` instead (and keeps holding the ones it has). Either
way it then holds the streams, draining heartbeats, until SIGTERM/SIGINT, and prints
`STOPPED ready=R lost=L heartbeats=H` (L: streams the far end closed after their first
event; H: heartbeat comments received over all streams).
"""
import argparse
import asyncio
import signal
import sys
import time


class Client:
    def __init__(self, args):
        self.args = args
        self.ready = 0
        self.failed = 0
        self.lost = 0
        self.heartbeats = 0
        self.first_error = None
        self.writers = []
        self.sem = asyncio.Semaphore(args.concurrency)
        self.settled = asyncio.Event()
        self.request = (f"GET {args.path} HTTP/1.1\r\nHost: 127.0.0.1:{args.port}\r\n"
                        "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n").encode()

    def _settle(self):
        if self.ready + self.failed == self.args.streams:
            self.settled.set()

    def _fail(self, i, what):
        self.failed += 1
        if self.first_error is None:
            self.first_error = f"stream {i}: {what}"
        self._settle()

    async def _first_event(self, reader):
        buf = b""
        while True:
            data = await reader.read(16384)
            if not data:
                raise ConnectionError(f"closed before first event; got {buf[:200]!r}")
            buf += data
            head, sep, body = buf.partition(b"\r\n\r\n")
            if sep:
                status = head.split(b"\r\n", 1)[0]
                if not status.startswith(b"HTTP/1.1 200") and not status.startswith(b"HTTP/1.0 200"):
                    raise ConnectionError(f"status line {status!r}")
                k = body.find(b"data:")
                if k >= 0 and body.find(b"\n\n", k) >= 0:
                    return
            if len(buf) > 65536:
                raise ConnectionError("no event within 64 KiB")

    async def stream(self, i):
        async with self.sem:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", self.args.port, limit=16384), self.args.timeout)
                self.writers.append(writer)
                writer.write(self.request)
                await asyncio.wait_for(self._first_event(reader), self.args.timeout)
            except (OSError, asyncio.TimeoutError) as e:
                self._fail(i, f"{type(e).__name__}: {e}")
                return
            self.ready += 1
            self._settle()
        try:
            while data := await reader.read(4096):
                self.heartbeats += data.count(b": heartbeat")
        except OSError:
            pass
        self.lost += 1

    async def run(self):
        start = time.monotonic()
        tasks = [asyncio.create_task(self.stream(i)) for i in range(self.args.streams)]
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        settled = asyncio.create_task(self.settled.wait())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({settled, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if self.settled.is_set():
            secs = time.monotonic() - start
            if self.failed == 0:
                print(f"READY streams={self.ready} seconds={secs:.1f}", flush=True)
            else:
                print(f"FAILED ready={self.ready} failed={self.failed} first_error={self.first_error}",
                      flush=True)
        await stopping
        lost = self.lost
        for w in self.writers:
            w.close()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        settled.cancel()
        print(f"STOPPED ready={self.ready} lost={lost} heartbeats={self.heartbeats}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--streams", type=int, default=9000)
    ap.add_argument("--path", default="/events")
    ap.add_argument("--concurrency", type=int, default=256)
    ap.add_argument("--timeout", type=float, default=60.0, help="per stream, for connect and first event")
    args = ap.parse_args()
    asyncio.run(Client(args).run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
