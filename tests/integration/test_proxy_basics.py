"""reprise proxy, the ordinary exchange: forwarding, keep-alive on both sides with an upstream
pool, pipelining, Expect: 100-continue, bodiless responses, hop-by-hop and forwarding headers,
more than one thread. Every upstream is a real server on loopback (nginx or a raw ProbeUpstream)."""
import http.client
import os
import shutil
import socket
import tempfile
import threading
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

from harness import (raw, read_request, HttpStream, ProbeUpstream, http_response, keepalive_handler, nginx, nginx_stub_status,
                     proxy, request)


def connect(port, timeout=5.0):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def echo_route(msg, conn):
    """Answers every request with its method, target and body, so tests can check what arrived."""
    return http_response(200, f"{msg.method} {msg.target} ".encode() + msg.body,
                         [("Content-Type", "text/plain")], "OK")


def one_answer_then_close(after):
    """A ProbeUpstream handler that answers one request (echo_route) and closes the connection
    `after` seconds later without having said so, as a server whose keep-alive timeout ends."""

    def handler(conn, probe):
        msg = HttpStream(conn, probe).read_request()
        if msg is not None:
            conn.sendall(echo_route(msg, conn))
            time.sleep(after)

    return handler


class NginxRoot:
    """A static root for nginx with a few small files, world-readable, removed by `test`."""

    def __init__(self, test):
        self.path = tempfile.mkdtemp(prefix="reprise-root-")
        test.addCleanup(shutil.rmtree, self.path, True)
        os.chmod(self.path, 0o755)
        for name in ("a.txt", "b.txt", "c.txt"):
            self.write(name, f"file {name}\n".encode())

    def write(self, name, data):
        path = os.path.join(self.path, name)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o644)


class ForwardingTest(unittest.TestCase):
    def test_get_and_post_are_forwarded_with_body(self):
        with ProbeUpstream(keepalive_handler(echo_route)) as up, proxy(up.port) as px:
            status, headers, body = request(px.port, "GET", "/hello?x=1")
            self.assertEqual((status, body), (200, b"GET /hello?x=1 "))
            status, _, body = request(px.port, "POST", "/submit", {"Content-Type": "text/plain"}, b"payload")
            self.assertEqual((status, body), (200, b"POST /submit payload"))

    def test_http_1_0_request_without_host_is_served_by_nginx(self):
        # HTTP/1.0 needs no Host; what goes upstream is HTTP/1.1, which nginx refuses (400) without
        # one, so the proxy adds the upstream's (found by tests/fuzz/request.cpp).
        root = NginxRoot(self)
        with nginx(root.path) as ng, proxy(ng.port) as px:
            reply = raw(px.port, b"GET /a.txt HTTP/1.0\r\n\r\n", timeout=3)
            self.assertTrue(reply.startswith(b"HTTP/1.0 200"), reply[:200])
            self.assertTrue(reply.endswith(b"\r\n\r\nfile a.txt\n"), reply)

    def test_close_delimited_upstream_response_reaches_client_whole(self):
        # An HTTP/1.1 response with neither Content-Length nor chunked ends when the upstream closes.
        def handler(conn, probe):
            HttpStream(conn, probe).read_request()
            conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"x" * 100000)

        with ProbeUpstream(handler) as up, proxy(up.port) as px:
            status, _, body = request(px.port, "GET", "/close-delimited")
            self.assertEqual(status, 200)
            self.assertEqual(body, b"x" * 100000)


class KeepAliveTest(unittest.TestCase):
    def test_fifty_requests_on_one_client_connection_reuse_one_nginx_connection(self):
        root = NginxRoot(self)
        with nginx(root.path) as ng, proxy(ng.port) as px:
            before = nginx_stub_status(ng.port)["accepts"]
            sock = connect(px.port)
            stream = HttpStream(sock)
            for i in range(50):
                sock.sendall(b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n")
                res = stream.read_response()
                self.assertEqual(res.status, 200, f"request {i}")
                self.assertEqual(res.body, b"file a.txt\n")
                self.assertNotIn("close", res.header("connection", "").lower(), f"request {i} closed the client side")
            after = nginx_stub_status(ng.port)["accepts"]
            sock.close()
            # `after` counts the stub_status connection that read it; the rest came from the proxy.
            from_proxy = after - before - 1
            self.assertLessEqual(from_proxy, 2, f"proxy opened {from_proxy} nginx connections for 50 requests")
            self.assertGreaterEqual(from_proxy, 1)

    def test_probe_sees_few_connections_for_sequential_requests(self):
        with ProbeUpstream(keepalive_handler(echo_route)) as up, proxy(up.port) as px:
            sock = connect(px.port)
            stream = HttpStream(sock)
            for i in range(50):
                sock.sendall(f"GET /n{i} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                res = stream.read_response()
                self.assertEqual((res.status, res.body), (200, f"GET /n{i} ".encode()))
            sock.close()
            self.assertLessEqual(up.connections, 2, "upstream keep-alive not used on one client connection")

    def test_pool_is_shared_across_client_connections(self):
        # Fifty short client connections, one after another: the pool must hand the same upstream
        # connection to each (one thread, so one pool).
        with ProbeUpstream(keepalive_handler(echo_route)) as up, proxy(up.port, "--threads", "1") as px:
            for i in range(50):
                status, _, body = request(px.port, "GET", f"/c{i}")
                self.assertEqual((status, body), (200, f"GET /c{i} ".encode()))
            self.assertLessEqual(up.connections, 2, "upstream connections are not pooled across clients")


class ConnectionLifecycleTest(unittest.TestCase):
    def test_pooled_connection_closed_by_upstream_is_not_a_502(self):
        # The upstream answers keep-alive and then closes the idle connection (as servers do
        # when their keep-alive timeout ends). The next request must not die on that stale
        # pooled connection.
        with ProbeUpstream(one_answer_then_close(0.1)) as up, proxy(up.port, "--threads", "1") as px:
            for i in range(3):
                status, _, body = request(px.port, "GET", f"/stale{i}")
                self.assertEqual((status, body), (200, f"GET /stale{i} ".encode()), f"request {i}")
                time.sleep(0.3)
            sock = connect(px.port)
            stream = HttpStream(sock)
            for i in range(3):
                sock.sendall(f"GET /same{i} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                res = stream.read_response()
                self.assertEqual((res.status, res.body), (200, f"GET /same{i} ".encode()), f"request {i}")
                time.sleep(0.3)
            sock.close()

    # A client's next request within 100 ms of its answer goes over the same upstream connection,
    # unpeeked; past that the connection goes back to the pool (peeked before any reuse). The waits
    # below are 0.4-0.6 s: past the 100-200 ms of the worker's sweep, short of the session's park
    # after 1 s idle (which gives the connection back too).
    def test_an_idle_clients_upstream_connection_serves_other_clients(self):
        with ProbeUpstream(keepalive_handler(echo_route)) as up, proxy(up.port, "--threads", "1") as px:
            idle = connect(px.port)
            idle_stream = HttpStream(idle)
            idle.sendall(b"GET /first HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(idle_stream.read_response().body, b"GET /first ")
            time.sleep(0.6)  # the client stays connected and quiet
            for i in range(3):
                status, _, body = request(px.port, "GET", f"/other{i}")
                self.assertEqual((status, body), (200, f"GET /other{i} ".encode()))
            self.assertEqual(up.connections, 1, "the idle client still held its upstream connection")
            idle.sendall(b"GET /again HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(idle_stream.read_response().body, b"GET /again ")
            idle.close()

    def test_a_kept_connection_the_upstream_closed_is_not_used_for_a_post(self):
        # Each upstream connection answers one request and closes 50 ms later without saying so.
        with ProbeUpstream(one_answer_then_close(0.05)) as up, proxy(up.port, "--threads", "1") as px:
            self.get_then_post_on_a_new_connection(px, up, "/first", pause=0.4)

    def test_the_kept_time_runs_from_the_exchanges_start_not_from_its_delivery(self):
        # The answer is held 600 ms on its way to the client (a downstream delay fault); the
        # upstream closes the connection 300 ms after answering. The POST that follows at once
        # is past the 100 ms, counted from the GET's start: peeked, not sent on the closed
        # connection.
        faults = os.path.join(tempfile.mkdtemp(prefix="reprise-faults-"), "faults.json")
        self.addCleanup(shutil.rmtree, os.path.dirname(faults), True)
        with open(faults, "w") as f:
            f.write('{"faults": [{"name": "late", "match": {"path": "/slow"}, "direction": "downstream",'
                    ' "delay": {"fixed": "600ms"}}]}')
        with ProbeUpstream(one_answer_then_close(0.3)) as up, \
                proxy(up.port, "--threads", "1", "--faults", faults) as px:
            self.get_then_post_on_a_new_connection(px, up, "/slow")

    def get_then_post_on_a_new_connection(self, px, up, path, pause=0.0):
        """On one client connection: GET `path`, `pause` seconds, then a POST, which must be
        answered over a second upstream connection (the upstream closed the first): a POST is
        never sent again, so going out on the closed connection would be a 502."""
        sock = connect(px.port)
        stream = HttpStream(sock)
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        self.assertEqual(stream.read_response().body, f"GET {path} ".encode())
        time.sleep(pause)
        sock.sendall(b"POST /next HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody")
        res = stream.read_response()
        self.assertEqual((res.status, res.body), (200, b"POST /next body"))
        self.assertEqual(up.connections, 2)
        sock.close()

    def test_pool_size_0_reuses_no_upstream_connection(self):
        with ProbeUpstream(keepalive_handler(echo_route)) as up, \
                proxy(up.port, "--threads", "1", "--pool-size", "0") as px:
            sock = connect(px.port)
            stream = HttpStream(sock)
            for i in range(3):
                sock.sendall(f"GET /n{i} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                self.assertEqual(stream.read_response().body, f"GET /n{i} ".encode())
            sock.close()
            self.assertEqual(up.connections, 3)

    def test_bytes_sent_after_an_answer_reach_no_other_client(self):
        # A faulty upstream sends a second, unasked-for answer 50 ms after its first answer (on
        # its first connection only: bytes that have not arrived yet no peek can see).
        stray = http_response(200, b"STRAY", [], "OK")
        sent = threading.Event()

        def handler(conn, probe):
            stream = HttpStream(conn, probe)
            while (msg := stream.read_request()) is not None:
                conn.sendall(echo_route(msg, conn))
                if not sent.is_set():
                    sent.set()
                    time.sleep(0.05)
                    conn.sendall(stray)

        with ProbeUpstream(handler) as up, proxy(up.port, "--threads", "1") as px:
            idle = connect(px.port)
            idle.sendall(b"GET /first HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(HttpStream(idle).read_response().body, b"GET /first ")
            time.sleep(0.4)  # the stray answer arrives; the connection goes back to the pool
            for i in range(3):
                status, _, body = request(px.port, "GET", f"/other{i}")
                self.assertEqual((status, body), (200, f"GET /other{i} ".encode()), f"request {i}")
            self.assertEqual(up.connections, 2, "the connection with the stray answer was reused")
            idle.close()

    def test_upstream_connection_close_is_not_reused(self):
        def route(msg, conn):
            return http_response(200, msg.target.encode(), [("Connection", "close")], "OK")

        def handler(conn, probe):
            stream = HttpStream(conn, probe)
            msg = stream.read_request()
            if msg is not None:
                conn.sendall(route(msg, conn))

        with ProbeUpstream(handler) as up, proxy(up.port) as px:
            sock = connect(px.port)
            stream = HttpStream(sock)
            for i in range(5):
                sock.sendall(f"GET /c{i} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                res = stream.read_response()
                self.assertEqual((res.status, res.body), (200, f"/c{i}".encode()))
            sock.close()
            self.assertEqual(up.connections, 5)

    def test_client_connection_close_and_http_1_0_end_the_connection(self):
        with ProbeUpstream(keepalive_handler(echo_route)) as up, proxy(up.port) as px:
            for head in (b"GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                         b"GET /a HTTP/1.0\r\nHost: x\r\n\r\n"):
                with self.subTest(head=head):
                    sock = connect(px.port, timeout=3)
                    sock.sendall(head)
                    stream = HttpStream(sock)
                    res = stream.read_response()
                    self.assertEqual((res.status, res.body), (200, b"GET /a "))
                    self.assertIsNone(stream.read_head(), "proxy kept a connection the client asked to close")
                    sock.close()

    def test_http_1_0_keep_alive_client_is_served_twice(self):
        with ProbeUpstream(keepalive_handler(echo_route)) as up, proxy(up.port) as px:
            sock = connect(px.port, timeout=3)
            stream = HttpStream(sock)
            sock.sendall(b"GET /one HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n")
            res = stream.read_response()
            self.assertEqual(res.status, 200)
            if "close" in res.header("connection", "").lower() or res.header("content-length") is None:
                self.assertIsNone(stream.read_head())  # the proxy chose to close, and said so
            else:
                self.assertEqual(res.body, b"GET /one ")
                sock.sendall(b"GET /two HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n")
                self.assertEqual(stream.read_response().body, b"GET /two ")
            sock.close()

    def test_http_1_0_keep_alive_client_gets_a_chunked_answer_ended_by_close(self):
        # HTTP/1.0 has no chunks: a body of unknown length can only end with the connection.
        def handler(conn, probe):
            read_request(conn, probe)
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
            conn.recv(1)

        with ProbeUpstream(handler) as up, proxy(up.port) as px:
            reply = raw(px.port, b"GET / HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n", timeout=3)
            head, _, body = reply.partition(b"\r\n\r\n")
            self.assertTrue(head.startswith(b"HTTP/1.0 200"), reply)
            self.assertIn(b"connection: close", head.lower())
            self.assertNotIn(b"transfer-encoding", head.lower())
            self.assertEqual(body, b"hello")

    def test_http_1_0_client_gets_a_reset_when_the_upstream_cuts_a_body_of_unknown_length(self):
        # The answer to an HTTP/1.0 client ends with the connection: after a FIN the cut body would
        # look whole, so the proxy resets the connection instead (found by tests/fuzz/response.cpp).
        def handler(conn, probe):
            read_request(conn, probe)
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
            time.sleep(0.3)  # the head and "hello" go out before the cut
            conn.close()

        with ProbeUpstream(handler) as up, proxy(up.port) as px:
            sock = connect(px.port, timeout=5)
            sock.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
            got = b""
            with self.assertRaises(ConnectionResetError, msg="the cut answer ended like a whole one"):
                while chunk := sock.recv(65536):
                    got += chunk
            sock.close()
            self.assertTrue(got.startswith(b"HTTP/1.0 200"), got)
            # a whole answer of unknown length still ends with a plain close
            up.handler = lambda conn, probe: (read_request(conn, probe), conn.sendall(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"), conn.close())
            reply = raw(px.port, b"GET / HTTP/1.0\r\nHost: x\r\n\r\n", timeout=3)
            self.assertTrue(reply.endswith(b"\r\n\r\nhello"), reply)


class PipeliningTest(unittest.TestCase):
    def test_three_pipelined_requests_are_answered_in_order(self):
        # The first answer is the slowest, so answering in arrival order of upstream replies
        # (instead of request order) would show.
        delays = {"/first": 0.3, "/second": 0.0, "/third": 0.1}

        def route(msg, conn):
            time.sleep(delays.get(msg.target, 0))
            return echo_route(msg, conn)

        with ProbeUpstream(keepalive_handler(route)) as up, proxy(up.port) as px:
            sock = connect(px.port)
            sock.sendall(b"GET /first HTTP/1.1\r\nHost: x\r\n\r\n"
                         b"GET /second HTTP/1.1\r\nHost: x\r\n\r\n"
                         b"GET /third HTTP/1.1\r\nHost: x\r\n\r\n")
            stream = HttpStream(sock)
            got = [stream.read_response().body for _ in range(3)]
            sock.close()
            self.assertEqual(got, [b"GET /first ", b"GET /second ", b"GET /third "])

    def test_pipelined_requests_with_bodies(self):
        with ProbeUpstream(keepalive_handler(echo_route)) as up, proxy(up.port) as px:
            sock = connect(px.port)
            sock.sendall(b"POST /p1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nfirst"
                         b"POST /p2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                         b"3;ext=1\r\nsec\r\n3\r\nond\r\n0\r\nX-Trailer: t\r\n\r\n"
                         b"GET /p3 HTTP/1.1\r\nHost: x\r\n\r\n")
            stream = HttpStream(sock)
            got = [stream.read_response().body for _ in range(3)]
            sock.close()
            self.assertEqual(got, [b"POST /p1 first", b"POST /p2 second", b"GET /p3 "])

    def test_pipelined_requests_to_nginx_files(self):
        root = NginxRoot(self)
        with nginx(root.path) as ng, proxy(ng.port) as px:
            sock = connect(px.port)
            sock.sendall(b"".join(f"GET /{n}.txt HTTP/1.1\r\nHost: x\r\n\r\n".encode() for n in "abc"))
            stream = HttpStream(sock)
            got = [stream.read_response().body for _ in range(3)]
            sock.close()
            self.assertEqual(got, [b"file a.txt\n", b"file b.txt\n", b"file c.txt\n"])


class ExpectContinueTest(unittest.TestCase):
    def test_body_sent_after_100_continue_reaches_upstream(self):
        seen = {}

        def handler(conn, probe):
            stream = HttpStream(conn, probe)
            head = stream.read_head()
            seen["expect"] = head.header("expect")
            if head.header("expect", "").lower() == "100-continue":
                conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            stream.read_body(head, request=True)
            conn.sendall(http_response(200, b"got " + head.body, reason="OK"))

        with ProbeUpstream(handler) as up, proxy(up.port) as px:
            sock = connect(px.port)
            sock.sendall(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n"
                         b"Expect: 100-continue\r\n\r\n")
            stream = HttpStream(sock)
            interim = stream.read_response(interim=True)
            self.assertEqual(interim.status, 100, "client did not get 100 Continue before sending the body")
            sock.sendall(b"hello world")
            final = stream.read_response()
            sock.close()
            self.assertEqual((final.status, final.body), (200, b"got hello world"))


    def test_final_answer_instead_of_100_reaches_the_client(self):
        def handler(conn, probe):
            HttpStream(conn, probe).read_head()
            conn.sendall(http_response(401, b"no", [("Connection", "close")], "Unauthorized"))

        with ProbeUpstream(handler) as up, proxy(up.port) as px:
            sock = connect(px.port, timeout=3)
            sock.sendall(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n"
                         b"Expect: 100-continue\r\n\r\n")
            stream = HttpStream(sock)
            res = stream.read_response(interim=True)
            if res.status == 100:  # the proxy said go ahead itself; the body is then due
                sock.sendall(b"hello world")
                res = stream.read_response()
            sock.close()
            self.assertEqual((res.status, res.body), (401, b"no"))


class BodilessResponseTest(unittest.TestCase):
    @staticmethod
    def route(msg, conn):
        if msg.target.startswith("/head") and msg.method != "HEAD":
            return http_response(500, f"HEAD arrived as {msg.method}".encode(), reason="Wrong")
        if msg.target == "/head":
            return b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Type: text/plain\r\n\r\n"
        if msg.target == "/head-chunked":
            return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        if msg.target == "/204":
            return b"HTTP/1.1 204 No Content\r\nX-Kind: 204\r\n\r\n"
        if msg.target == "/304":
            return b"HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Length: 1000\r\n\r\n"
        return echo_route(msg, conn)

    def test_head_204_304_carry_no_body_and_connection_stays_usable(self):
        with ProbeUpstream(keepalive_handler(self.route)) as up, proxy(up.port) as px:
            sock = connect(px.port, timeout=3)
            stream = HttpStream(sock)
            for method, target, status in (("HEAD", "/head", 200), ("HEAD", "/head-chunked", 200),
                                           ("GET", "/204", 204), ("GET", "/304", 304)):
                with self.subTest(target=target):
                    sock.sendall(f"{method} {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                    res = stream.read_response(method=method)
                    self.assertEqual(res.status, status)
                    self.assertEqual(res.body, b"")
                    # the next request on the same connection gets its own answer, not stray bytes
                    sock.sendall(f"GET /after{target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                    res = stream.read_response()
                    self.assertEqual((res.status, res.body), (200, f"GET /after{target} ".encode()))
            sock.close()

    def test_head_and_304_from_nginx(self):
        root = NginxRoot(self)
        root.write("big.txt", b"y" * 5000)
        with nginx(root.path) as ng, proxy(ng.port) as px:
            sock = connect(px.port, timeout=3)
            stream = HttpStream(sock)
            sock.sendall(b"HEAD /big.txt HTTP/1.1\r\nHost: x\r\n\r\n")
            res = stream.read_response(method="HEAD")
            self.assertEqual((res.status, res.header("content-length"), res.body), (200, "5000", b""))
            etag = res.header("etag")
            self.assertIsNotNone(etag)
            sock.sendall(f"GET /big.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}\r\n\r\n".encode())
            res = stream.read_response()
            self.assertEqual((res.status, res.body), (304, b""))
            sock.sendall(b"GET /big.txt HTTP/1.1\r\nHost: x\r\n\r\n")
            res = stream.read_response()
            self.assertEqual((res.status, res.body), (200, b"y" * 5000))
            sock.close()


class HopByHopTest(unittest.TestCase):
    REQUEST = (b"GET /h HTTP/1.1\r\nHost: example.test\r\n"
               b"Connection: keep-alive, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: 5\r\nTE: trailers\r\n"
               b"Proxy-Authorization: Basic eDp4\r\nProxy-Connection: keep-alive\r\nUpgrade: h2c\r\n"
               b"X-Keep: yes\r\n\r\n")

    def forwarded_head(self, *flags, request_bytes=REQUEST):
        heads = []

        def route(msg, conn):
            heads.append(msg)
            return http_response(200, b"ok", reason="OK")

        with ProbeUpstream(keepalive_handler(route)) as up, proxy(up.port, *flags) as px:
            sock = connect(px.port)
            sock.sendall(request_bytes)
            res = HttpStream(sock).read_response()
            sock.close()
        self.assertEqual(res.status, 200)
        self.assertEqual(len(heads), 1)
        return heads[0]

    def test_request_hop_by_hop_headers_are_removed(self):
        head = self.forwarded_head()
        for name in ("x-secret", "keep-alive", "te", "proxy-authorization", "proxy-connection", "upgrade"):
            self.assertNotIn(name, head.headers, f"{name} reached the upstream: {head.header_list}")
        self.assertNotIn("x-secret", head.header("connection", "").lower())
        self.assertEqual(head.header("x-keep"), "yes")
        self.assertEqual(head.header("host"), "example.test")

    def test_forwarding_headers_are_added(self):
        head = self.forwarded_head()
        self.assertEqual(head.header("x-forwarded-for"), "127.0.0.1")
        self.assertEqual(head.header("x-forwarded-proto"), "http")
        self.assertEqual(head.header("via"), "1.1 reprise")

    def test_forwarding_headers_append_to_existing_ones(self):
        head = self.forwarded_head(request_bytes=b"GET /h HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.0.0.1\r\n"
                                                 b"Via: 1.0 fred\r\n\r\n")
        xff = [v.strip() for v in head.header("x-forwarded-for").split(",")]
        self.assertEqual(xff, ["10.0.0.1", "127.0.0.1"])
        via = [v.strip() for v in head.header("via").split(",")]
        self.assertEqual(via, ["1.0 fred", "1.1 reprise"])

    def test_forwarding_headers_can_be_turned_off(self):
        head = self.forwarded_head("--no-x-forwarded-for", "--no-x-forwarded-proto", "--no-via")
        for name in ("x-forwarded-for", "x-forwarded-proto", "via"):
            self.assertNotIn(name, head.headers, f"{name} added despite its --no- flag")

    def test_response_hop_by_hop_headers_are_removed(self):
        def route(msg, conn):
            return http_response(200, b"ok", [("Connection", "X-Hop"), ("X-Hop", "1"), ("Keep-Alive", "timeout=5"),
                                              ("Proxy-Foo", "bar"), ("Trailer", "X-Check"), ("Upgrade", "h2c"),
                                              ("X-Keep", "yes")], "OK")

        with ProbeUpstream(keepalive_handler(route)) as up, proxy(up.port) as px:
            status, headers, body = request(px.port, "GET", "/")
        self.assertEqual((status, body), (200, b"ok"))
        for name in ("x-hop", "keep-alive", "proxy-foo", "trailer", "upgrade"):
            self.assertNotIn(name, headers, f"{name} reached the client: {headers}")
        self.assertNotIn("x-hop", headers.get("connection", "").lower())
        self.assertEqual(headers.get("x-keep"), "yes")


class ThreadsTest(unittest.TestCase):
    def test_two_threads_serve_many_concurrent_clients(self):
        def route(msg, conn):
            time.sleep(0.05)
            return echo_route(msg, conn)

        def client(n):
            results = []
            for i in range(10):
                status, _, body = request(px.port, "GET", f"/t{n}-{i}")
                results.append(body == f"GET /t{n}-{i} ".encode() and status == 200)
            return results

        with ProbeUpstream(keepalive_handler(route)) as up, proxy(up.port, "--threads", "2") as px:
            start = time.monotonic()
            with ThreadPoolExecutor(8) as pool:
                results = [ok for part in pool.map(client, range(8)) for ok in part]
            elapsed = time.monotonic() - start
        self.assertEqual(results.count(True), 80)
        # 80 requests of 50 ms each take 4 s one at a time; 8 at a time about 0.5 s (room for a busy machine)
        self.assertLess(elapsed, 3.5, "requests were not served concurrently")


if __name__ == "__main__":
    unittest.main()


def io_uring_descriptors(pid):
    """How many of the process's open descriptors are io_uring instances."""
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += os.readlink(f"/proc/{pid}/fd/{fd}") == "anon_inode:[io_uring]"
        except OSError:  # closed meanwhile
            pass
    return count


class IoEngineTest(unittest.TestCase):
    """--io-uring on (the default) and off carry the same bytes: small answers and a body of
    several megabytes (many partial writes), POST bodies both ways, keep-alive connections used
    by several threads at once. With it on each worker has an io_uring; with it off none."""

    def exchange_all(self, port, big):
        def one_client(n):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            try:
                for i in range(25):
                    conn.request("GET", "/a.txt")
                    res = conn.getresponse()
                    self.assertEqual((res.status, res.read()), (200, b"file a.txt\n"))
                    if i % 10 == n % 10:
                        conn.request("GET", "/big.bin")
                        res = conn.getresponse()
                        self.assertEqual(res.status, 200)
                        self.assertEqual(res.read(), big)
            finally:
                conn.close()
            return n

        with ThreadPoolExecutor(8) as pool:
            self.assertEqual(sorted(pool.map(one_client, range(8))), list(range(8)))

    def run_engine(self, setting, rings):
        root = NginxRoot(self)
        big = bytes((i * 7919) % 251 for i in range(3 * 1024 * 1024 + 17))
        root.write("big.bin", big)
        with nginx(root.path) as web, proxy(web.port, "--threads", "2", "--io-uring", setting) as px:
            self.exchange_all(px.port, big)
            self.assertEqual(io_uring_descriptors(px.pid), rings)

    def test_io_uring_on_gives_each_worker_a_ring(self):
        self.run_engine("on", 2)

    def test_io_uring_off_uses_epoll_alone(self):
        self.run_engine("off", 0)

    def test_posted_bodies_arrive_whole_through_the_ring(self):
        body = bytes(range(256)) * 4096  # 1 MiB: the proxy reads and writes it in many pieces
        with ProbeUpstream(keepalive_handler(echo_route)) as up, proxy(up.port) as px:
            for _ in range(3):
                status, _, got = request(px.port, "POST", "/upload", body=body)
                self.assertEqual(status, 200)
                self.assertEqual(got, b"POST /upload " + body)
