#!/usr/bin/python3
"""WebSocket upstream and client for the held-tunnels benchmark (run.sh part `ws-tunnels`).

  ws_tunnels.py upstream --port P [--heartbeat 10]
  ws_tunnels.py client --port P [--tunnels 9000] [--concurrency 256] [--timeout 60] [--no-echo]

upstream: a raw asyncio HTTP/1.1 server on 127.0.0.1. A GET with `Upgrade: websocket` and a
Sec-WebSocket-Key gets `101 Switching Protocols` with the Sec-WebSocket-Accept of RFC 6455 4.2.2,
then at once one small unmasked text frame (`hello N`), then a `heartbeat` text frame every
--heartbeat seconds (one timer for all tunnels), held until the peer goes away. Text and binary
frames from the client are echoed (unmasked), a ping gets its pong, a close its close. Anything
else gets 400. Prints `LISTENING <port>`; SIGTERM prints the counts.

client: opens --tunnels tunnels through 127.0.0.1:P (at most --concurrency still opening at any
moment), each: the upgrade request, the 101 (its Sec-WebSocket-Accept checked), the first frame,
then (unless --no-echo) one masked text frame and its echo, so that both directions of the tunnel
have carried data. Once every tunnel is open it prints `READY tunnels=N seconds=S`, or
`FAILED ready=R failed=F first_error=...` if any failed (and holds the others); then holds them,
counting heartbeats, until SIGTERM/SIGINT, and prints `STOPPED ready=R lost=L heartbeats=H`
(L: tunnels the far end closed after they were open): holder.py's, as sse_client.py's.

It measures nothing itself and must not send load: run.sh reads the proxy's memory around it.
"""
import argparse
import asyncio
import base64
import hashlib
import os
import struct
import sys

from holder import Holder, stopped

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 1.3
TEXT, BINARY, CLOSE, PING, PONG = 0x1, 0x2, 0x8, 0x9, 0xA


def accept_key(key: bytes) -> bytes:
    return base64.b64encode(hashlib.sha1(key + GUID).digest())


def frame(payload: bytes, opcode: int = TEXT, masked: bool = False) -> bytes:
    """One final frame; a client's frames are masked (RFC 6455 5.3), a server's are not."""
    n = len(payload)
    head = bytes([0x80 | opcode])
    bit = 0x80 if masked else 0
    if n < 126:
        head += bytes([bit | n])
    elif n < 65536:
        head += bytes([bit | 126]) + struct.pack(">H", n)
    else:
        head += bytes([bit | 127]) + struct.pack(">Q", n)
    if not masked:
        return head + payload
    mask = os.urandom(4)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def read_frame(reader: asyncio.StreamReader):
    """(opcode, payload, masked) of the next frame; IncompleteReadError at EOF."""
    b0, b1 = await reader.readexactly(2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack(">H", await reader.readexactly(2))[0]
    elif n == 127:
        n = struct.unpack(">Q", await reader.readexactly(8))[0]
    mask = await reader.readexactly(4) if b1 & 0x80 else None
    payload = await reader.readexactly(n)
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return b0 & 0x0F, payload, mask is not None


def headers(head: bytes) -> dict:
    out = {}
    for line in head.split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if sep:
            out[name.strip().lower()] = value.strip()
    return out


# ---- upstream ------------------------------------------------------------------------------------

class Upstream:
    def __init__(self):
        self.open = set()
        self.served = 0

    async def handle(self, reader, writer):
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        h = headers(head)
        key = h.get(b"sec-websocket-key")
        if not head.startswith(b"GET ") or b"websocket" not in h.get(b"upgrade", b"").lower() or not key:
            writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            writer.close()
            return
        self.served += 1
        writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Accept: " + accept_key(key) + b"\r\n\r\n" + frame(b"hello %d" % self.served))
        self.open.add(writer)
        try:
            while True:
                op, payload, _ = await read_frame(reader)
                if op in (TEXT, BINARY):
                    writer.write(frame(payload, op))
                elif op == PING:
                    writer.write(frame(payload, PONG))
                elif op == CLOSE:
                    writer.write(frame(payload[:2], CLOSE))
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.open.discard(writer)
            writer.close()

    async def heartbeat(self, every: float):
        beat = frame(b"heartbeat")
        while True:
            await asyncio.sleep(every)
            for w in list(self.open):
                if not w.is_closing():
                    w.write(beat)


async def upstream(args):
    up = Upstream()
    server = await asyncio.start_server(up.handle, "127.0.0.1", args.port, backlog=4096, limit=16384)
    beat = asyncio.create_task(up.heartbeat(args.heartbeat))
    print(f"LISTENING {args.port}", flush=True)
    await stopped()
    beat.cancel()
    server.close()
    print(f"STOPPED served={up.served} open={len(up.open)}", flush=True)


# ---- client --------------------------------------------------------------------------------------

class Client(Holder):
    NOUN, ONE = "tunnels", "tunnel"

    def __init__(self, args):
        super().__init__(args.port, args.tunnels, args.concurrency, args.timeout)
        self.echo = args.echo

    async def opened(self, i, reader, writer):
        """The upgrade request, the 101 and its accept key, the first frame, and (unless --no-echo)
        one masked frame echoed."""
        key = base64.b64encode(os.urandom(16))
        writer.write(b"GET /ws/%d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (i, self.port, key))
        head = await reader.readuntil(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0]
        if not status.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(f"status line {status!r}")
        got = headers(head).get(b"sec-websocket-accept")
        if got != accept_key(key):
            raise ConnectionError(f"Sec-WebSocket-Accept {got!r}, expected {accept_key(key)!r}")
        op, payload, masked = await read_frame(reader)
        if op != TEXT or masked or not payload.startswith(b"hello"):
            raise ConnectionError(f"first frame opcode {op} masked={masked} {payload[:40]!r}")
        if self.echo:
            sent = b"echo %d" % i
            writer.write(frame(sent, TEXT, masked=True))
            op, payload, _ = await read_frame(reader)
            while op == TEXT and payload == self.HEARTBEAT:
                self.heartbeats += 1
                op, payload, _ = await read_frame(reader)
            if op != TEXT or payload != sent:
                raise ConnectionError(f"echo: opcode {op} {payload[:40]!r}, expected {sent!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("role", choices=["upstream", "client"])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--heartbeat", type=float, default=10.0, help="upstream: seconds between heartbeat frames")
    ap.add_argument("--tunnels", type=int, default=9000)
    ap.add_argument("--concurrency", type=int, default=256)
    ap.add_argument("--timeout", type=float, default=60.0, help="per tunnel, to connect and be open")
    ap.add_argument("--no-echo", dest="echo", action="store_false", help="client: send nothing")
    args = ap.parse_args()
    asyncio.run(upstream(args) if args.role == "upstream" else Client(args).run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
