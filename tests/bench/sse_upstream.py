#!/usr/bin/python3
"""SSE upstream for the streams and latency benchmarks: a raw asyncio HTTP/1.1 server.

Every GET gets `200 text/event-stream` with a chunked body: one small event at once, then a
heartbeat comment every --heartbeat seconds (one timer for all streams), held until the peer
goes away. Other methods get 405. Listens on 127.0.0.1 only.

With --tick MS (latency benchmark) each stream also gets an event every MS milliseconds whose
data is its send time, `data: <time.time_ns()>`, stamped just before the write. The streams
tick on one shared grid, each at its own phase (golden-ratio spread over the period, by
arrival order), so that the events of different streams do not leave in one burst.

  sse_upstream.py --port P [--heartbeat 10] [--tick MS]

Prints `LISTENING <port>` once bound; SIGTERM/SIGINT stop it and print the stream counts.
"""
import argparse
import asyncio
import signal
import sys
import time

HEAD = (b"HTTP/1.1 200 OK\r\n"
        b"Content-Type: text/event-stream\r\n"
        b"Cache-Control: no-cache\r\n"
        b"Transfer-Encoding: chunked\r\n"
        b"\r\n")


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


GOLDEN = 0.6180339887498949


class Streams:
    def __init__(self, tick_ms: float = 0.0):
        self.open = set()
        self.served = 0
        self.seq = 0
        self.ticks = 0
        self.period = tick_ms / 1000.0
        self.base = None  # loop.time() of the shared tick grid's origin

    async def ticker(self, writer: asyncio.StreamWriter, seq: int):
        """One timestamped event every self.period on this stream, until it closes."""
        loop = asyncio.get_running_loop()
        if self.base is None:
            self.base = loop.time()
        phase = self.base + ((seq * GOLDEN) % 1.0) * self.period
        k = int((loop.time() - phase) // self.period) + 1  # the first grid point still ahead
        while not writer.is_closing():
            await asyncio.sleep(max(0.0, phase + k * self.period - loop.time()))
            if writer.is_closing():
                break
            writer.write(chunk(b"data: %d\n\n" % time.time_ns()))
            self.ticks += 1
            k += 1
            late = int((loop.time() - phase) // self.period) + 1
            if late > k:  # the loop fell behind by whole periods: skip them rather than burst
                k = late

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        method = head.split(b" ", 1)[0]
        if method != b"GET":
            writer.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            writer.close()
            return
        self.served += 1
        self.seq += 1
        writer.write(HEAD + chunk(b"id: %d\nevent: hello\ndata: {\"stream\":%d}\n\n" % (self.seq, self.seq)))
        self.open.add(writer)
        tick = asyncio.create_task(self.ticker(writer, self.seq)) if self.period > 0 else None
        try:
            # Holds the stream until the peer closes: nothing more is expected from it.
            while await reader.read(4096):
                pass
        except ConnectionError:
            pass
        finally:
            self.open.discard(writer)
            writer.close()
            if tick:
                tick.cancel()

    async def heartbeat(self, every: float):
        beat = chunk(b": heartbeat\n\n")
        while True:
            await asyncio.sleep(every)
            for w in list(self.open):
                if not w.is_closing():
                    w.write(beat)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--heartbeat", type=float, default=10.0)
    ap.add_argument("--tick", type=float, default=0.0,
                    help="milliseconds between timestamped events on each stream (0: none)")
    args = ap.parse_args()

    streams = Streams(args.tick)
    server = await asyncio.start_server(streams.handle, "127.0.0.1", args.port, backlog=4096,
                                        limit=16384)
    beat = asyncio.create_task(streams.heartbeat(args.heartbeat))
    print(f"LISTENING {args.port}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    beat.cancel()
    server.close()
    print(f"STOPPED served={streams.served} open={len(streams.open)} ticks={streams.ticks}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
