"""reprise proxy streams bodies instead of buffering them: 10 MB uploads and downloads (chunked
and Content-Length) pass while the proxy's RSS barely moves; Server-Sent Events arrive one by
one as the upstream sends them; a WebSocket is tunnelled both ways after the 101."""
import asyncio
import hashlib
import os
import random
import shutil
import socket
import tempfile
import threading
import time
import unittest

from harness import (HttpStream, ProbeUpstream, RssSampler, chunk, http_response, keepalive_handler, nginx,
                     proxy, request)

SIZE = 10 * 1024 * 1024
PIECE = 64 * 1024
RATE = 20 * 1024 * 1024      # bytes/s at the slow end, so a buffering proxy would have to hold the data
RSS_GROWTH_LIMIT_KIB = 8 * 1024


BLOCK = random.Random(7).randbytes(PIECE)


def payload_pieces():
    """The same 10 MB every time, in 64 KiB pieces that all differ, generated rather than stored."""
    for i in range(SIZE // PIECE):
        yield i.to_bytes(4, "big") + BLOCK[4:]


def payload_digest():
    return hashlib.sha256(b"".join(payload_pieces())).hexdigest()


class Throttle:
    """Sleeps so that the bytes consumed so far never run ahead of RATE."""

    def __init__(self):
        self.start = time.monotonic()
        self.bytes = 0

    def consumed(self, n):
        self.bytes += n
        ahead = self.bytes / RATE - (time.monotonic() - self.start)
        if ahead > 0:
            time.sleep(ahead)


def slow_read(stream, msg, method="GET"):
    """(byte count, sha256 hex) of a response body read at RATE without keeping it."""
    digest, count, throttle = hashlib.sha256(), 0, Throttle()
    for piece in stream.body_pieces(msg, method=method):
        digest.update(piece)
        count += len(piece)
        throttle.consumed(len(piece))
    return count, digest.hexdigest()


class LargeBodyTest(unittest.TestCase):
    def baseline(self, px, port):
        # one small exchange first, so buffers and pools the proxy keeps anyway are counted
        status, _, _ = request(port, "GET", "/warm-up")
        self.assertEqual(status, 200)
        time.sleep(0.1)
        return px.rss_kib()

    def assert_rss_bounded(self, base, sampler):
        growth = sampler.peak - base
        self.assertGreater(sampler.samples, 10, "RSS was not sampled during the transfer")
        self.assertLess(growth, RSS_GROWTH_LIMIT_KIB, f"proxy RSS grew {growth} KiB during a 10 MB transfer")

    def test_chunked_upload_of_10_mb(self):
        pieces = list(payload_pieces())
        expected = hashlib.sha256(b"".join(pieces)).hexdigest()

        def handler(conn, probe):
            # counts and hashes the body at RATE; records nothing (probe.received stays small)
            stream = HttpStream(conn)
            while True:
                head = stream.read_head()
                if head is None:
                    return
                digest, count, throttle = hashlib.sha256(), 0, Throttle()
                for piece in stream.body_pieces(head, request=True):
                    digest.update(piece)
                    count += len(piece)
                    throttle.consumed(len(piece))
                body = f"{head.header('transfer-encoding')} {count} {digest.hexdigest()}".encode()
                conn.sendall(http_response(200, body, reason="OK"))

        with ProbeUpstream(handler) as up, proxy(up.port) as px:
            base = self.baseline(px, px.port)
            with socket.create_connection(("127.0.0.1", px.port), timeout=20) as sock, RssSampler(px) as sampler:
                sock.sendall(b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
                for piece in pieces:
                    sock.sendall(chunk(piece))
                sock.sendall(b"0\r\n\r\n")
                res = HttpStream(sock).read_response()
            self.assertEqual(res.status, 200)
            self.assertEqual(res.body.decode(), f"chunked {SIZE} {expected}")
            self.assert_rss_bounded(base, sampler)

    def test_content_length_upload_of_10_mb(self):
        pieces = list(payload_pieces())
        expected = hashlib.sha256(b"".join(pieces)).hexdigest()

        def handler(conn, probe):
            stream = HttpStream(conn)
            while (head := stream.read_head()) is not None:
                digest, count, throttle = hashlib.sha256(), 0, Throttle()
                for piece in stream.body_pieces(head, request=True):
                    digest.update(piece)
                    count += len(piece)
                    throttle.consumed(len(piece))
                body = f"{head.header('content-length')} {count} {digest.hexdigest()}".encode()
                conn.sendall(http_response(200, body, reason="OK"))

        with ProbeUpstream(handler) as up, proxy(up.port) as px:
            base = self.baseline(px, px.port)
            with socket.create_connection(("127.0.0.1", px.port), timeout=20) as sock, RssSampler(px) as sampler:
                sock.sendall(f"PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: {SIZE}\r\n\r\n".encode())
                for piece in pieces:
                    sock.sendall(piece)
                res = HttpStream(sock).read_response()
            self.assertEqual(res.status, 200)
            self.assertEqual(res.body.decode(), f"{SIZE} {SIZE} {expected}")
            self.assert_rss_bounded(base, sampler)

    def test_chunked_download_of_10_mb(self):
        expected = payload_digest()

        def route(msg, conn):
            if msg.target != "/download":
                return http_response(200, b"small", reason="OK")
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            for piece in payload_pieces():
                conn.sendall(chunk(piece))
            conn.sendall(b"0\r\n\r\n")
            return None

        with ProbeUpstream(keepalive_handler(route)) as up, proxy(up.port) as px:
            base = self.baseline(px, px.port)
            with socket.create_connection(("127.0.0.1", px.port), timeout=20) as sock, RssSampler(px) as sampler:
                sock.sendall(b"GET /download HTTP/1.1\r\nHost: x\r\n\r\n")
                stream = HttpStream(sock)
                head = stream.read_head()
                count, digest = slow_read(stream, head)
            self.assertEqual(head.status, 200)
            self.assertEqual((count, digest), (SIZE, expected))
            self.assert_rss_bounded(base, sampler)

    def test_content_length_download_of_10_mb_static_file_from_nginx(self):
        root = tempfile.mkdtemp(prefix="reprise-root-")
        self.addCleanup(shutil.rmtree, root, True)
        os.chmod(root, 0o755)
        data = b"".join(payload_pieces())
        for name, content in (("big.bin", data), ("warm-up", b"warm")):
            with open(os.path.join(root, name), "wb") as f:
                f.write(content)
            os.chmod(os.path.join(root, name), 0o644)
        expected = hashlib.sha256(data).hexdigest()
        del data
        with nginx(root) as ng, proxy(ng.port) as px:
            base = self.baseline(px, px.port)
            with socket.create_connection(("127.0.0.1", px.port), timeout=20) as sock, RssSampler(px) as sampler:
                sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
                stream = HttpStream(sock)
                head = stream.read_head()
                count, digest = slow_read(stream, head)
            self.assertEqual(head.status, 200)
            self.assertEqual(head.header("content-length"), str(SIZE), "Content-Length not kept")
            self.assertEqual((count, digest), (SIZE, expected))
            self.assert_rss_bounded(base, sampler)


class ServerSentEventsTest(unittest.TestCase):
    EVENTS = 10

    def test_events_arrive_one_by_one_as_sent(self):
        # Lockstep: the upstream sends event i+1 only once the client holds event i. A proxy that
        # held an event back until more bytes came (or the stream ended) never lets it go on.
        # No clock is read, so a busy machine cannot fail it; it can only be slower.
        received = [threading.Event() for _ in range(self.EVENTS)]
        held = []

        def handler(conn, probe):
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            HttpStream(conn, probe).read_head()
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            for i in range(self.EVENTS):
                conn.sendall(chunk(f"id: {i}\ndata: event {i}\n\n".encode()))
                if not received[i].wait(10):
                    held.append(i)
                    break
            conn.sendall(b"0\r\n\r\n")

        events = []
        with ProbeUpstream(handler) as up, proxy(up.port) as px:
            with socket.create_connection(("127.0.0.1", px.port), timeout=15) as sock:
                sock.sendall(b"GET /api/notifications/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
                stream = HttpStream(sock)
                head = stream.read_head()
                self.assertEqual(head.status, 200)
                self.assertEqual(head.header("content-type"), "text/event-stream")
                text = b""
                for piece in stream.body_pieces(head):
                    text += piece
                    while b"\n\n" in text:
                        event, _, text = text.partition(b"\n\n")
                        events.append(event)
                        received[len(events) - 1].set()
        self.assertEqual(held, [], f"event {held} was held by the proxy until more came")
        self.assertEqual(events, [f"id: {i}\ndata: event {i}".encode() for i in range(self.EVENTS)])

    def test_client_going_away_closes_the_upstream_stream(self):
        # An SSE stream never ends by itself; when its client leaves, the proxy must close the
        # upstream side too, or every departed subscriber leaks a connection.
        upstream_closed = threading.Event()

        def handler(conn, probe):
            HttpStream(conn, probe).read_head()
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
            try:
                for i in range(200):
                    conn.sendall(chunk(f"data: {i}\n\n".encode()))
                    time.sleep(0.02)
            except OSError:
                upstream_closed.set()

        with ProbeUpstream(handler) as up, proxy(up.port) as px:
            with socket.create_connection(("127.0.0.1", px.port), timeout=5) as sock:
                sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
                stream = HttpStream(sock)
                head = stream.read_head()
                self.assertEqual(head.status, 200)
                next(stream.body_pieces(head))
            self.assertTrue(upstream_closed.wait(2), "upstream kept streaming after the client left")


class HeldStreamTest(unittest.TestCase):
    """A stream that waits for its upstream is held by the proxy's worker without the session's
    coroutines (docs/proxy.md, Held streams): what it was doing must go on as before when the
    upstream speaks again, the client leaves or the deadline passes."""

    def test_a_held_stream_stays_counted_and_its_connection_serves_the_next_request(self):
        go_on = threading.Event()

        def route(msg, conn):
            if msg.target != "/stream":
                return http_response(200, b"next")
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                         + chunk(b"data: first\n\n"))
            if not go_on.wait(10):
                return None
            conn.sendall(chunk(b"data: second\n\n") + b"0\r\n\r\n")
            return None

        with ProbeUpstream(keepalive_handler(route)) as up, proxy(up.port, "--max-connections", "1") as px:
            deadline = time.monotonic() + 5
            while True:  # the harness's own probe of the port may still hold the one place
                sock = socket.create_connection(("127.0.0.1", px.port), timeout=10)
                sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
                stream = HttpStream(sock)
                head = stream.read_head()
                if head.status == 200:
                    break
                sock.close()
                self.assertLess(time.monotonic(), deadline, "never got the one place")
                time.sleep(0.1)
            with sock:
                pieces = stream.body_pieces(head)
                text = b""
                while b"data: first\n\n" not in text:
                    text += next(pieces)
                time.sleep(0.5)  # held: the stream waits for its upstream
                self.assertEqual(request(px.port, "GET", "/other")[0], 503, "a held stream was not counted as open")
                go_on.set()
                text += b"".join(pieces)  # the stream goes on to its end
                self.assertEqual(text, b"data: first\n\ndata: second\n\n")
                sock.sendall(b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
                answer = stream.read_response()
                self.assertEqual((answer.status, answer.body), (200, b"next"))
            deadline = time.monotonic() + 5
            while request(px.port, "GET", "/other")[0] != 200:  # the place is free once the client left
                self.assertLess(time.monotonic(), deadline, "the held stream's place never came back")
                time.sleep(0.1)

    def test_a_held_stream_silent_past_the_response_timeout_is_ended(self):
        upstream_closed = threading.Event()

        def handler(conn, probe):
            HttpStream(conn, probe).read_head()
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                         + chunk(b"data: only\n\n"))
            conn.settimeout(30)
            try:
                if conn.recv(1) == b"":
                    upstream_closed.set()
            except OSError:
                upstream_closed.set()

        with ProbeUpstream(handler) as up, proxy(up.port, "--response-timeout", "1s") as px:
            with socket.create_connection(("127.0.0.1", px.port), timeout=20) as sock:
                sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
                stream = HttpStream(sock)
                head = stream.read_head()
                self.assertEqual(head.status, 200)
                text = b""
                with self.assertRaises(EOFError, msg="the stream was not cut short"):
                    for piece in stream.body_pieces(head):  # ends without its last chunk
                        text += piece
                self.assertEqual(text, b"data: only\n\n")
            self.assertTrue(upstream_closed.wait(10), "the upstream connection was kept")


    def test_a_client_leaving_while_an_event_is_written_ends_the_stream(self):
        # The client's FIN comes while the proxy is still writing a large event to it (the watch
        # sees it then, not a wait for the upstream): once the event is out the stream must end,
        # not be held until the upstream speaks again or --response-timeout passes.
        size = 7_000_000  # all in the kernel's buffers between upstream and client, but not at once in the client's
        sent_all, upstream_closed = threading.Event(), threading.Event()

        def handler(conn, probe):
            HttpStream(conn, probe).read_head()
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                         + chunk(b"data: small\n\n"))
            time.sleep(0.5)  # the stream waits: the proxy watches its client from now on
            conn.sendall(chunk(b"data: " + b"x" * size + b"\n\n"))
            sent_all.set()
            conn.settimeout(60)  # then silent, as an SSE server between events
            try:
                conn.recv(1)
            except OSError:
                pass
            upstream_closed.set()

        with ProbeUpstream(handler) as up, proxy(up.port, "--response-timeout", "60s") as px:
            with socket.socket() as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
                sock.settimeout(30)
                sock.connect(("127.0.0.1", px.port))
                sock.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
                self.assertTrue(sent_all.wait(20), "the upstream could not send its large event")
                time.sleep(0.5)  # the proxy is writing it to a client that does not read yet
                sock.shutdown(socket.SHUT_WR)  # the client leaves
                try:
                    while sock.recv(1 << 20):  # and takes what is on its way
                        pass
                except socket.timeout:
                    pass
            self.assertTrue(upstream_closed.wait(10), "the stream was held on after its client left")


class WebSocketEchoServer:
    """A `websockets` echo server in its own thread and event loop, on a free port."""

    def __init__(self):
        import websockets
        self.loop = asyncio.new_event_loop()
        self.request_headers = []
        started = threading.Event()

        async def echo(ws, path=None):
            self.request_headers.append(ws.request_headers)
            async for message in ws:
                await ws.send(message)

        async def serve():
            self.server = await websockets.serve(echo, "127.0.0.1", 0)
            self.port = self.server.sockets[0].getsockname()[1]
            started.set()

        def run():
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(serve())
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        if not started.wait(5):
            raise RuntimeError("websocket echo server did not start")

    def close(self):
        async def shutdown():
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class WebSocketTest(unittest.TestCase):
    def test_echo_through_the_proxy(self):
        import websockets
        server = WebSocketEchoServer()
        try:
            with proxy(server.port) as px:
                async def talk():
                    async with websockets.connect(f"ws://127.0.0.1:{px.port}/ws", open_timeout=5,
                                                  close_timeout=2) as ws:
                        got = []
                        for message in ("one", "two", "three", b"\x00\x01binary\xff"):
                            await ws.send(message)
                            got.append(await asyncio.wait_for(ws.recv(), 3))
                        return got

                got = asyncio.run(asyncio.wait_for(talk(), 15))
                self.assertEqual(got, ["one", "two", "three", b"\x00\x01binary\xff"])
                self.assertEqual(server.request_headers[0].get("Upgrade", "").lower(), "websocket")
                # the proxy is still serving ordinary requests afterwards
                status, _, _ = request(px.port, "GET", "/", {"Connection": "close"})
                self.assertLess(status, 500, "proxy stopped answering after a tunnel")
        finally:
            server.close()


class UpgradeTunnelTest(unittest.TestCase):
    """The tunnel at the byte level: bytes that arrive in the same read as the 101 (or right
    behind the client's upgrade request) must not be lost, and both directions keep flowing."""

    def test_bytes_around_the_101_are_tunnelled_both_ways(self):
        def handler(conn, probe):
            stream = HttpStream(conn, probe)
            head = stream.read_head()
            if head.header("upgrade", "").lower() != "websocket":
                conn.sendall(http_response(400, b"expected an upgrade"))
                return
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         b"Sec-WebSocket-Accept: x\r\n\r\nSERVER-FIRST;")
            got = stream.buf
            while not got.endswith(b"END;"):
                data = conn.recv(65536)
                if not data:
                    return
                got += data
                conn.sendall(b"ECHO:" + data)
            conn.sendall(b"CLIENT-SAW:" + got)

        with ProbeUpstream(handler) as up, proxy(up.port) as px:
            with socket.create_connection(("127.0.0.1", px.port), timeout=3) as sock:
                sock.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
                             b"EARLY;")
                stream = HttpStream(sock)
                head = stream.read_head()
                self.assertEqual(head.status, 101)
                self.assertEqual(head.header("upgrade", "").lower(), "websocket")
                self.assertIn("upgrade", head.header("connection", "").lower())
                time.sleep(0.1)
                sock.sendall(b"LATE;END;")
                received = stream.buf
                while b"CLIENT-SAW:" not in received or not received.endswith(b"END;"):
                    data = sock.recv(65536)
                    if not data:
                        break
                    received += data
            self.assertTrue(received.startswith(b"SERVER-FIRST;"), received)
            self.assertTrue(received.endswith(b"CLIENT-SAW:EARLY;LATE;END;"), received)

    def test_refused_upgrade_stays_http(self):
        def route(msg, conn):
            return http_response(403, b"no websocket for you", reason="Forbidden")

        with ProbeUpstream(keepalive_handler(route)) as up, proxy(up.port) as px:
            with socket.create_connection(("127.0.0.1", px.port), timeout=3) as sock:
                sock.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                stream = HttpStream(sock)
                res = stream.read_response()
                self.assertEqual((res.status, res.body), (403, b"no websocket for you"))
                # the connection is still plain HTTP: a next request is answered or cleanly closed
                try:
                    sock.sendall(b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
                    head = stream.read_head()
                except (BrokenPipeError, ConnectionResetError):
                    head = None
                if head is not None:
                    self.assertEqual(head.status, 403)


if __name__ == "__main__":
    unittest.main()
