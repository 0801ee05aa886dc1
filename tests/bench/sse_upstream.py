#!/usr/bin/python3
"""SSE upstream for the long-lived streams benchmark: a raw asyncio HTTP/1.1 server.

Every GET gets `200 text/event-stream` with a chunked body: one small event at once, then a
heartbeat comment every --heartbeat seconds (one timer for all streams), held until the peer
goes away. Other methods get 405. Listens on 127.0.0.1 only.

  sse_upstream.py --port P [--heartbeat 10]

Prints `LISTENING <port>` once bound; SIGTERM/SIGINT stop it and print the stream counts.
"""
import argparse
import asyncio
import signal
import sys

HEAD = (b"HTTP/1.1 200 OK\r\n"
        b"Content-Type: text/event-stream\r\n"
        b"Cache-Control: no-cache\r\n"
        b"Transfer-Encoding: chunked\r\n"
        b"\r\n")


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


class Streams:
    def __init__(self):
        self.open = set()
        self.served = 0
        self.seq = 0

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
        try:
            # Holds the stream until the peer closes: nothing more is expected from it.
            while await reader.read(4096):
                pass
        except ConnectionError:
            pass
        finally:
            self.open.discard(writer)
            writer.close()

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
    args = ap.parse_args()

    streams = Streams()
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
    print(f"STOPPED served={streams.served} open={len(streams.open)}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
