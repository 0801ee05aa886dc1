#!/usr/bin/python3
"""SSE client for the long-lived streams benchmark: holds many concurrent streams.

  sse_client.py --port P [--streams 9000] [--path /events] [--concurrency 256] [--timeout 60]

Opens --streams GET streams to 127.0.0.1:P (at most --concurrency of them still waiting for
their first event at any moment), and once every stream has its response head (status 200)
and first event, prints one line `READY streams=N seconds=S`. If any stream fails it prints
`FAILED ready=R failed=F first_error=...` instead (and keeps holding the ones it has). Either
way it then holds the streams, draining heartbeats, until SIGTERM/SIGINT, and prints
`STOPPED ready=R lost=L heartbeats=H` (L: streams the far end closed after their first
event; H: heartbeat comments received over all streams). The holding is holder.py's.
"""
import argparse
import asyncio
import sys

from holder import Holder


class Client(Holder):
    NOUN, ONE = "streams", "stream"
    HEARTBEAT = b": heartbeat"

    def __init__(self, args):
        super().__init__(args.port, args.streams, args.concurrency, args.timeout)
        self.request = (f"GET {args.path} HTTP/1.1\r\nHost: 127.0.0.1:{args.port}\r\n"
                        "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n").encode()

    async def opened(self, i, reader, writer):
        """The request, then the 200 head and the first event."""
        writer.write(self.request)
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
