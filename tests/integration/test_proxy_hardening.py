"""Regressions for the defects a review of the proxy found: framing headers stripped through
Connection (smuggling into the shared upstream pool), CONNECT and foreign HTTP versions,
a request body still streaming while the answer streams back (once a crash), and retries of
requests that must not be repeated."""
import socket
import threading
import time
import unittest

from harness import (HttpStream, ProbeUpstream, RecordingUpstream, chunk, exchange, http_response,
                     keepalive_handler, proxy, status_of)


def requests_in(data):
    """How many request lines an upstream received."""
    return sum(data.count(m) for m in (b"GET /", b"POST /", b"PUT /", b"DELETE /", b"CONNECT "))


class FramingHeadersTest(unittest.TestCase):
    def test_connection_cannot_strip_content_length(self):
        body = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
        seen = []

        def route(msg, conn):
            seen.append((msg.start, msg.header("content-length"), msg.body))
            return http_response(200, f"hello from {msg.target}".encode(), reason="OK")

        with ProbeUpstream(keepalive_handler(route)) as up, proxy(up.port) as px:
            data = (b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nConnection: Content-Length\r\n\r\n"
                    % len(body)) + body
            reply, _ = exchange(px.port, data, timeout=2)
            self.assertEqual(status_of(reply), 200, reply)
            # an unrelated client afterwards must get its own answer, not the smuggled one
            status, reply2 = None, exchange(px.port, b"GET /innocent HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                            timeout=2)[0]
            self.assertIn(b"hello from /innocent", reply2)
        self.assertEqual(seen[0], ("POST /a HTTP/1.1", str(len(body)), body))
        self.assertNotIn("GET /smuggled HTTP/1.1", [s[0] for s in seen])

    def test_upstream_cannot_strip_its_content_length_either(self):
        def handler(conn, probe):
            stream = HttpStream(conn, probe)
            stream.read_request()
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive, Content-Length\r\n\r\nhello")
            time.sleep(2)

        with ProbeUpstream(handler) as up, proxy(up.port) as px:
            with socket.create_connection(("127.0.0.1", px.port), timeout=2) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                res = HttpStream(s).read_response()
        self.assertEqual((res.status, res.header("content-length"), res.body), (200, "5", b"hello"))

    def test_a_status_below_100_is_a_malformed_answer_not_an_interim_one(self):
        # llhttp takes "000"; the proxy relayed it as an interim answer, then a 502 after it
        # (found by tests/fuzz/pcap.cpp, whose importer shares the parser).
        def handler(conn, probe):
            HttpStream(conn, probe).read_request()
            conn.sendall(b"HTTP/1.1 000 OK\r\nContent-Length: 2\r\n\r\nhi")
            time.sleep(0.5)

        with ProbeUpstream(handler) as up, proxy(up.port) as px:
            reply, _ = exchange(px.port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=3)
        self.assertTrue(reply.startswith(b"HTTP/1.1 502 "), reply)
        self.assertEqual(reply.count(b"HTTP/1.1 "), 1, reply)


class RefusedRequestsTest(unittest.TestCase):
    def test_connect_and_foreign_versions_are_refused_and_not_forwarded(self):
        cases = {
            b"CONNECT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 36\r\n\r\nGET /smuggled2 HTTP/1.1\r\nHost: x\r\n\r\n": 501,
            b"GET / HTTP/2.0\r\nHost: x\r\n\r\n": 505,
        }
        for data, status in cases.items():
            with self.subTest(data=data[:30]):
                with RecordingUpstream() as up, proxy(up.port) as px:
                    reply, closed = exchange(px.port, data, timeout=3)
                    time.sleep(0.2)
                    self.assertEqual(status_of(reply), status, reply)
                    self.assertTrue(closed)
                    self.assertEqual(up.received, b"")


class BodyBesideResponseTest(unittest.TestCase):
    def test_body_still_arriving_while_the_answer_streams(self):
        for framing in ("content-length", "chunked"):
            with self.subTest(framing=framing):
                got = {}

                def handler(conn, probe):
                    stream = HttpStream(conn, probe)
                    head = stream.read_head()
                    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(b"early"))
                    stream.read_body(head, request=True)
                    got["body"] = head.body
                    conn.sendall(chunk(b"late") + b"0\r\n\r\n")

                with ProbeUpstream(handler) as up, proxy(up.port) as px:
                    with socket.create_connection(("127.0.0.1", px.port), timeout=5) as s:
                        if framing == "chunked":
                            s.sendall(b"POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(b"first "))
                            time.sleep(1.0)
                            s.sendall(chunk(b"second") + b"0\r\n\r\n")
                        else:
                            s.sendall(b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\nfirst ")
                            time.sleep(1.0)
                            s.sendall(b"second")
                        res = HttpStream(s).read_response()
                    self.assertEqual(px.popen.poll(), None, "the proxy died")
                self.assertEqual((res.status, res.body), (200, b"earlylate"))
                self.assertEqual(got["body"], b"first second")


class EarlyAnswerTest(unittest.TestCase):
    def test_an_upstream_that_answers_and_stops_reading_mid_upload_is_heard(self):
        # The answer must reach the client while (or although) the upload is still going; when
        # the proxy's writes to the upstream start failing, that is no reason to drop it.
        def handler(conn, probe):
            stream = HttpStream(conn, probe)
            stream.read_head()
            conn.sendall(b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 8\r\nConnection: close\r\n\r\ntoo big!")
            conn.shutdown(socket.SHUT_WR)
            time.sleep(0.5)  # then close with the upload unread: the proxy's writes start failing

        with ProbeUpstream(handler) as up, proxy(up.port) as px:
            with socket.create_connection(("127.0.0.1", px.port), timeout=5) as s:
                s.sendall(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 20000000\r\n\r\n")
                block = b"x" * 65536
                try:
                    for _ in range(300):
                        s.sendall(block)
                except OSError:
                    pass  # the proxy may close the connection once it has answered
                res = HttpStream(s).read_response()
        self.assertEqual((res.status, res.body), (413, b"too big!"))


class RetryTest(unittest.TestCase):
    def test_only_idempotent_requests_are_sent_again_after_a_stale_connection(self):
        # Every connection answers its first request, then closes without answering the second:
        # the proxy's pooled connection is stale exactly when the next request goes out on it.
        lock = threading.Lock()
        seen = []

        def handler(conn, probe):
            stream = HttpStream(conn, probe)
            first = True
            while True:
                msg = stream.read_request()
                if msg is None:
                    return
                with lock:
                    seen.append(msg.start)
                if not first:
                    return
                first = False
                conn.sendall(http_response(200, b"ok", reason="OK"))

        # one thread: one pool, so the second request meets the connection the first one used
        with ProbeUpstream(handler) as up, proxy(up.port, "--threads", "1") as px:
            for method, retried in (("GET", True), ("POST", False)):
                with self.subTest(method=method):
                    seen.clear()
                    exchange(px.port, b"GET /warm HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=2)
                    reply, _ = exchange(px.port, f"{method} /once HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                                        .encode(), timeout=2)
                    sent = [s for s in seen if "/once" in s]
                    self.assertEqual(len(sent), 2 if retried else 1, seen)
                    self.assertEqual(status_of(reply), 200 if retried else 502, reply)

    def test_the_retry_goes_to_a_fresh_connection_not_another_pooled_one(self):
        # The same upstream with several connections pooled, every one of them stale: a retry
        # that took the next pooled connection would fail again.
        def handler(conn, probe):
            stream = HttpStream(conn, probe)
            if stream.read_request() is not None:
                time.sleep(0.2)  # the warm-up requests overlap: each gets a connection of its own
                conn.sendall(http_response(200, b"ok", reason="OK"))
                stream.read_request()

        with ProbeUpstream(handler) as up, proxy(up.port, "--threads", "1") as px:
            warm = [threading.Thread(target=exchange, args=(px.port, b"GET /warm HTTP/1.1\r\nHost: x\r\n"
                                                            b"Connection: close\r\n\r\n", 3)) for _ in range(4)]
            for t in warm:
                t.start()
            for t in warm:
                t.join()
            self.assertEqual(up.connections, 4)
            reply, _ = exchange(px.port, b"GET /once HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=3)
            self.assertEqual(status_of(reply), 200, reply)
            self.assertEqual(up.connections, 5, "the retry was not sent on a new connection")


if __name__ == "__main__":
    unittest.main()
