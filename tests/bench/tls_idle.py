#!/usr/bin/python3
"""TLS client for the idle-connections benchmark: holds many TLS connections, idle after one request.

  tls_idle.py --port P --cafile CA [--connections 5000] [--path /json] [--concurrency 200] [--timeout 300]

Opens --connections TLS connections to 127.0.0.1:P (trusting CA; at most --concurrency of them
in their handshake or first exchange at any moment), sends one keep-alive GET on each and reads
its whole response (Content-Length). Once every connection has had its 200 it prints one line
`READY connections=N seconds=S`; if any fails, `FAILED ready=R failed=F first_error=...` (and
keeps holding the ones it has). Either way it then holds them, idle, until SIGTERM/SIGINT, and
prints `STOPPED ready=R lost=L` (L: connections the far end closed while held).
"""
import argparse
import asyncio
import signal
import ssl
import sys
import time


class Client:
    def __init__(self, args):
        self.args = args
        self.ready = self.failed = self.lost = 0
        self.first_error = None
        self.held = []
        self.sem = asyncio.Semaphore(args.concurrency)
        self.settled = asyncio.Event()
        self.ctx = ssl.create_default_context(cafile=args.cafile)
        self.ctx.set_alpn_protocols(["http/1.1"])
        self.request = f"GET {args.path} HTTP/1.1\r\nHost: 127.0.0.1:{args.port}\r\n\r\n".encode()

    def _settle(self):
        if self.ready + self.failed == self.args.connections:
            self.settled.set()

    async def one(self):
        async with self.sem:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.args.port, ssl=self.ctx,
                                                               server_hostname="127.0.0.1")
                writer.write(self.request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = head.split(b" ", 2)[1]
                if status != b"200":
                    raise RuntimeError(f"status {status.decode()}")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
            except Exception as e:  # noqa: BLE001 (any failure is counted and reported)
                self.failed += 1
                self.first_error = self.first_error or f"{type(e).__name__}: {e}"
                self._settle()
                return
        self.ready += 1
        self.held.append(writer)
        self._settle()
        await reader.read(1)  # returns only when the far end closes (or sends what it should not)
        self.lost += 1

    async def run(self):
        start = time.monotonic()
        tasks = [asyncio.create_task(self.one()) for _ in range(self.args.connections)]
        try:
            await asyncio.wait_for(self.settled.wait(), self.args.timeout)
        except asyncio.TimeoutError:
            self.failed = self.args.connections - self.ready
            self.first_error = self.first_error or f"not all ready within {self.args.timeout} s"
        if self.failed:
            print(f"FAILED ready={self.ready} failed={self.failed} first_error={self.first_error}", flush=True)
        else:
            print(f"READY connections={self.ready} seconds={time.monotonic() - start:.1f}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        print(f"STOPPED ready={self.ready} lost={self.lost}", flush=True)
        for t in tasks:
            t.cancel()
        for w in self.held:
            w.transport.abort()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cafile", required=True)
    ap.add_argument("--connections", type=int, default=5000)
    ap.add_argument("--path", default="/json")
    ap.add_argument("--concurrency", type=int, default=200)
    ap.add_argument("--timeout", type=float, default=300)
    asyncio.run(Client(ap.parse_args()).run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
