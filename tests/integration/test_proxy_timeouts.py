"""reprise proxy never hangs on a bad peer: a dead or resetting upstream gives 502, an upstream
that cannot be connected to or stays silent gives 504, a client that never finishes its head
gives 408, an idle keep-alive connection is closed. Each answer is plain text naming the cause."""
import os
import signal
import socket
import struct
import tempfile
import threading
import time
import unittest

from harness import (HttpStream, ProbeUpstream, capture_records, chunk, exchange, free_port, http_response, proxy,
                     request, status_of)

GET = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


def body_of(reply):
    return reply.split(b"\r\n\r\n", 1)[-1]


def ok_upstream():
    def handler(conn, probe):
        stream = HttpStream(conn, probe)
        while stream.read_request() is not None:
            conn.sendall(http_response(200, b"ok", reason="OK"))

    return ProbeUpstream(handler)


def time_to_idle_close(port, timeout):
    """One request on a new connection, then (what came next, seconds until the proxy closed it)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(GET)
        assert HttpStream(sock).read_response().status == 200
        start = time.monotonic()
        try:
            rest = sock.recv(100)
        except ConnectionResetError:
            rest = b""
        return rest, time.monotonic() - start


class UpstreamFailureTest(unittest.TestCase):
    def assert_error(self, port, status, within, at_least=0.0):
        start = time.monotonic()
        reply, _ = exchange(port, GET, timeout=within + 2)
        elapsed = time.monotonic() - start
        self.assertEqual(status_of(reply), status, reply[:300])
        self.assertTrue(body_of(reply).startswith(b"reprise: "), reply[:300])
        self.assertLess(elapsed, within, f"answer took {elapsed:.2f}s")
        self.assertGreaterEqual(elapsed, at_least, f"answer came after only {elapsed:.2f}s")
        return reply

    def test_dead_upstream_gives_502(self):
        with proxy(free_port()) as px:
            self.assert_error(px.port, 502, within=3)
            self.assert_error(px.port, 502, within=3)  # and again: the proxy is still there
            self.assertIsNone(px.popen.poll())

    def test_upstream_closing_after_the_request_gives_502(self):
        def handler(conn, probe):
            HttpStream(conn, probe).read_head()

        with ProbeUpstream(handler) as up, proxy(up.port) as px:
            self.assert_error(px.port, 502, within=3)
            self.assertGreaterEqual(up.connections, 1)

    def test_upstream_reset_gives_502(self):
        def handler(conn, probe):
            HttpStream(conn, probe).read_head()
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close sends RST

        with ProbeUpstream(handler) as up, proxy(up.port) as px:
            self.assert_error(px.port, 502, within=3)
            self.assertGreaterEqual(up.connections, 1)

    def test_garbage_from_upstream_gives_502(self):
        def handler(conn, probe):
            HttpStream(conn, probe).read_head()
            conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\nthis is not http\r\n\r\n")
            time.sleep(0.5)

        with ProbeUpstream(handler) as up, proxy(up.port) as px:
            self.assert_error(px.port, 502, within=3)

    def test_upstream_closing_mid_body_closes_client_connection(self):
        # The head already went to the client, so no error status is possible: the client must
        # see the connection end instead of waiting for the missing bytes.
        def handler(conn, probe):
            HttpStream(conn, probe).read_head()
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")

        with ProbeUpstream(handler) as up, proxy(up.port) as px:
            start = time.monotonic()
            reply, closed = exchange(px.port, GET, timeout=5)
            self.assertTrue(closed, f"client connection left hanging: {reply!r}")
            self.assertLess(time.monotonic() - start, 3)
            self.assertEqual(status_of(reply), 200)
            self.assertLess(len(body_of(reply)), 100)

    def test_silent_upstream_gives_504_after_response_timeout(self):
        release = threading.Event()

        def handler(conn, probe):
            HttpStream(conn, probe).read_head()
            release.wait(10)

        with ProbeUpstream(handler) as up, proxy(up.port, "--response-timeout", "1s") as px:
            try:
                self.assert_error(px.port, 504, within=3, at_least=0.8)
            finally:
                release.set()

    def test_upstream_connect_timeout_gives_504(self):
        # A listener with a backlog of 0 whose queue is already full: Linux drops further SYNs,
        # so a connect neither succeeds nor fails until the connect timeout.
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        try:
            for _ in range(2):
                s = socket.socket()
                s.settimeout(0.3)
                try:
                    s.connect(("127.0.0.1", port))
                except socket.timeout:
                    pass
                fillers.append(s)
            probe = socket.socket()
            probe.settimeout(0.3)
            try:
                probe.connect(("127.0.0.1", port))
                self.skipTest("this kernel accepts connections past the backlog; cannot provoke a connect timeout")
            except socket.timeout:
                pass
            finally:
                probe.close()
            with proxy(port, "--connect-timeout", "500ms") as px:
                self.assert_error(px.port, 504, within=2.5, at_least=0.4)
        finally:
            for s in fillers:
                s.close()
            listener.close()


class ClientTimeoutTest(unittest.TestCase):
    def test_slow_client_head_gets_408(self):
        with ProbeUpstream(lambda conn, probe: None) as up, proxy(up.port, "--header-timeout", "1s") as px:
            start = time.monotonic()
            reply, closed = exchange(px.port, b"GET / HTTP/1.1\r\nHost: x\r\n", timeout=4)
            elapsed = time.monotonic() - start
            self.assertEqual(status_of(reply), 408, reply[:300])
            self.assertTrue(body_of(reply).startswith(b"reprise: "), reply[:300])
            self.assertTrue(closed, "connection left open after 408")
            self.assertGreaterEqual(elapsed, 0.8)
            self.assertLess(elapsed, 3)
            self.assertEqual(up.received, b"", "the unfinished head reached the upstream")

    def test_idle_keep_alive_connection_is_closed(self):
        with ok_upstream() as up, proxy(up.port, "--idle-timeout", "1s") as px:
            rest, elapsed = time_to_idle_close(px.port, 4)
            self.assertEqual(rest, b"", "idle connection got bytes instead of a close")
            self.assertGreaterEqual(elapsed, 0.8)
            self.assertLess(elapsed, 3)
            # and a new connection works afterwards
            self.assertEqual(request(px.port, "GET", "/")[0], 200)


PARK = 1.0  # ClientSession::kParkAfter: a connection idle this long is parked without its session


class ParkedConnectionTest(unittest.TestCase):
    """A keep-alive connection idle past the park time loses its session (only its socket and TLS
    state wait); it is the same connection to the client: the next request is served, the idle
    timeout still counts from the last answer, a drain closes it, and it still counts as open."""

    def test_the_next_request_of_a_parked_connection_is_served_on_it(self):
        with tempfile.TemporaryDirectory() as work, ok_upstream() as up:
            capture = os.path.join(work, "capture.jsonl")
            with proxy(up.port, "--idle-timeout", "30s", "--record", capture) as px:
                with socket.create_connection(("127.0.0.1", px.port), timeout=5) as sock:
                    stream = HttpStream(sock)
                    for i in range(3):
                        sock.sendall(b"GET /%d HTTP/1.1\r\nHost: x\r\n\r\n" % i)
                        self.assertEqual(stream.read_response().status, 200)
                        time.sleep(PARK + 0.5)  # parked before the next
                    # a pipelined pair on the parked connection: both answered, in order
                    sock.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
                    self.assertEqual([stream.read_response().status for _ in range(2)], [200, 200])
            _, records = capture_records(capture)
        self.assertEqual([r["req"]["target"] for r in records], ["/0", "/1", "/2", "/a", "/b"])
        self.assertEqual(len({r["session"] for r in records}), 1, "one connection recorded as several sessions")

    def test_idle_timeout_counts_from_the_last_answer_when_parked(self):
        with ok_upstream() as up, proxy(up.port, "--idle-timeout", "2500ms") as px:
            rest, elapsed = time_to_idle_close(px.port, 10)
        self.assertEqual(rest, b"")
        self.assertGreaterEqual(elapsed, 2.3, "closed before its idle timeout")
        self.assertLess(elapsed, 8, "a parked connection outlived its idle timeout")

    def test_drain_closes_a_parked_connection(self):
        with ok_upstream() as up, proxy(up.port, "--drain-timeout", "5s") as px:
            with socket.create_connection(("127.0.0.1", px.port), timeout=5) as sock:
                sock.sendall(GET)
                self.assertEqual(HttpStream(sock).read_response().status, 200)
                time.sleep(PARK + 0.5)
                start = time.monotonic()
                px.signal(signal.SIGTERM)
                self.assertEqual(px.wait(4), 0, px.output())
                self.assertLess(time.monotonic() - start, 3.0, "a parked connection kept the proxy draining")
                self.assertEqual(sock.recv(100), b"", "parked connection not closed at shutdown")

    def test_a_parked_connection_counts_as_open_until_it_closes(self):
        with ok_upstream() as up, proxy(up.port, "--max-connections", "1") as px:
            deadline = time.monotonic() + 5
            while True:  # the harness's own probe of the port may still hold the one place
                first = socket.create_connection(("127.0.0.1", px.port), timeout=5)
                first.sendall(GET)
                if HttpStream(first).read_response().status == 200:
                    break
                first.close()
                self.assertLess(time.monotonic(), deadline, "never got the one place")
                time.sleep(0.1)
            time.sleep(PARK + 0.5)
            self.assertEqual(request(px.port, "GET", "/")[0], 503, "a parked connection was not counted")
            first.close()  # the client leaves while parked: its place is free again
            deadline = time.monotonic() + 5
            while request(px.port, "GET", "/")[0] != 200:
                self.assertLess(time.monotonic(), deadline, "the parked connection's place never came back")
                time.sleep(0.1)


class TimeoutScopeTest(unittest.TestCase):
    """Each timeout guards one wait only: a slow body is not a slow head, a long stream is not a
    silent upstream, a request in flight is not an idle connection."""

    def test_header_timeout_does_not_cut_a_slow_body(self):
        def handler(conn, probe):
            stream = HttpStream(conn, probe)
            while (msg := stream.read_request()) is not None:
                conn.sendall(http_response(200, b"got " + msg.body, reason="OK"))

        with ProbeUpstream(handler) as up, proxy(up.port, "--header-timeout", "1s") as px:
            with socket.create_connection(("127.0.0.1", px.port), timeout=5) as sock:
                sock.sendall(b"POST /slow-body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
                for part in (b"a", b"b", b"c", b"d", b"e"):
                    time.sleep(0.4)
                    sock.sendall(b"1\r\n" + part + b"\r\n")
                sock.sendall(b"0\r\n\r\n")
                res = HttpStream(sock).read_response()
            self.assertEqual((res.status, res.body), (200, b"got abcde"))

    def test_response_timeout_does_not_cut_a_long_stream(self):
        def handler(conn, probe):
            HttpStream(conn, probe).read_head()
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
            for i in range(6):
                conn.sendall(chunk(f"data: {i}\n\n".encode()))
                time.sleep(0.4)
            conn.sendall(b"0\r\n\r\n")

        with ProbeUpstream(handler) as up, proxy(up.port, "--response-timeout", "1s") as px:
            with socket.create_connection(("127.0.0.1", px.port), timeout=5) as sock:
                sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
                res = HttpStream(sock).read_response()
            self.assertEqual(res.status, 200)
            self.assertEqual(res.body, b"".join(f"data: {i}\n\n".encode() for i in range(6)))

    def test_idle_timeout_does_not_cut_a_request_in_flight(self):
        def handler(conn, probe):
            stream = HttpStream(conn, probe)
            while stream.read_request() is not None:
                time.sleep(1.5)
                conn.sendall(http_response(200, b"slow but fine", reason="OK"))

        with ProbeUpstream(handler) as up, proxy(up.port, "--idle-timeout", "1s", "--response-timeout", "5s") as px:
            status, _, body = request(px.port, "GET", "/slow")
            self.assertEqual((status, body), (200, b"slow but fine"))


if __name__ == "__main__":
    unittest.main()
