"""reprise proxy refuses requests whose framing two HTTP parsers could read differently (the
stuff of request smuggling) with 400 and a closed connection, and nothing of such a request
reaches the upstream."""
import socket
import time
import unittest

from harness import RecordingUpstream, exchange, proxy, status_of

# Each case is a whole request the proxy must refuse before forwarding anything.
REFUSED_BEFORE_FORWARDING = {
    "content-length-and-transfer-encoding":
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "transfer-encoding-and-content-length":
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
    "differing-duplicate-content-length":
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    "differing-content-length-list":
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\nhello!",
    "transfer-encoding-chunked-then-gzip":
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
    "transfer-encoding-two-fields-chunked-not-last":
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n",
    "transfer-encoding-gzip":
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n",
    "transfer-encoding-xchunked":
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
    "content-length-plus-sign":
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello",
    "content-length-negative":
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\nhello",
    "content-length-not-a-number":
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5a\r\n\r\nhello",
    "content-length-overflow":
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\nhello",
    "obs-fold-space":
        b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n  folded\r\n\r\n",
    "obs-fold-tab":
        b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tfolded\r\n\r\n",
    "obs-fold-transfer-encoding":
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
    "space-before-colon":
        b"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
    "tab-before-colon":
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length\t: 0\r\n\r\n",
    "bare-lf-everywhere":
        b"GET / HTTP/1.1\nHost: x\n\n",
    "bare-lf-in-one-header-line":
        b"GET / HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n",
    "bare-lf-ending-the-head":
        b"GET / HTTP/1.1\r\nHost: x\r\n\n",
    "bare-cr-in-a-header-value":
        b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rX-B: b\r\n\r\n",
    # RFC 9110 section 5.5: CR, LF and NUL are never part of a field value (nor other controls)
    "nul-in-a-header-value":
        b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n",
    "control-character-in-a-header-value":
        b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n",
    # RFC 9112 section 2.2: whitespace between the start line and the first field line
    "whitespace-before-the-first-field":
        b"GET / HTTP/1.1\r\n Host: x\r\n\r\n",
    # RFC 9112 section 3: a request target has no whitespace or controls; a method is a token
    "space-inside-the-target":
        b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n",
    "control-character-in-the-target":
        b"GET /a\x01b HTTP/1.1\r\nHost: x\r\n\r\n",
    "method-that-is-not-a-token":
        b"G(T / HTTP/1.1\r\nHost: x\r\n\r\n",
    # llhttp 8 ends the headers at a CR right after an empty value: the rest of the head became
    # body, and body bytes a request (found by tests/fuzz/request.cpp)
    "bare-cr-after-an-empty-header-value":
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nX-A: \rx\r\nX-B: y\r\n\r\n0123456789",
    "bare-cr-after-an-empty-header-value-get":
        b"GET / HTTP/1.1\r\nHost: x\r\nX-A: \r\rGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
    # RFC 9110 section 5.1: a field name is a token
    "space-inside-a-header-name":
        b"GET / HTTP/1.1\r\nHost: x\r\nBad Name: x\r\n\r\n",
    "non-token-character-in-a-header-name":
        b"GET / HTTP/1.1\r\nHost: x\r\nX(A): x\r\n\r\n",
    # RFC 9112 section 3.2: Host
    "http11-without-host":
        b"GET / HTTP/1.1\r\nX-A: a\r\n\r\n",
    "two-hosts":
        b"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
    "host-with-a-space":
        b"GET / HTTP/1.1\r\nHost: x y\r\n\r\n",
    "host-with-a-path":
        b"GET / HTTP/1.1\r\nHost: x/evil\r\n\r\n",
    "host-with-a-letter-in-the-port":
        b"GET / HTTP/1.1\r\nHost: x:8o\r\n\r\n",
    # RFC 9112 section 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing
    "http10-with-transfer-encoding":
        b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "http10-with-transfer-encoding-and-content-length":
        b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello",
}


class AmbiguousFramingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.upstream = RecordingUpstream()
        cls.proxy = proxy(cls.upstream.port, "--response-timeout", "2s")

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.upstream.close()

    def test_each_ambiguous_request_is_refused_and_not_forwarded(self):
        for name, data in REFUSED_BEFORE_FORWARDING.items():
            with self.subTest(case=name):
                before_received, before_connections = self.upstream.received, self.upstream.connections
                reply, closed = exchange(self.proxy.port, data, timeout=3)
                time.sleep(0.1)  # anything forwarded late would show now
                self.assertEqual(status_of(reply), 400, f"request {data!r} answered {reply[:200]!r}")
                self.assertTrue(reply.split(b"\r\n\r\n", 1)[-1].startswith(b"reprise: "), reply)
                self.assertTrue(closed, "proxy left the connection open after a framing error")
                self.assertEqual(self.upstream.received, before_received, "bytes of the request reached the upstream")
                self.assertEqual(self.upstream.connections, before_connections)
        self.assertEqual(self.proxy.popen.poll(), None, "proxy died")

    def test_sane_request_still_passes(self):
        # guards the refusal test against a proxy (or a probe) that refuses everything
        reply, _ = exchange(self.proxy.port, b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                                             b"Connection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n", timeout=3)
        self.assertEqual(status_of(reply), 200, reply[:200])


    def test_valid_spellings_are_not_refused(self):
        # coding names and field names are case-insensitive; OWS after the colon is allowed
        # and valid Host forms pass: an IP literal with a port, an empty Host, HTTP/1.0 without Host
        for data in (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                     b"GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
                     b"GET / HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n",
                     b"GET / HTTP/1.1\r\nHost:\r\n\r\n",
                     b"GET / HTTP/1.1\r\nHost: xn--bcher-kva.example:443\r\nX-Token_1!: ok\r\n\r\n",
                     b"GET / HTTP/1.0\r\n\r\n",
                     b"POST / HTTP/1.1\r\nHost: x\r\ncontent-length:   5  \r\n\r\nhello",
                     # RFC 9110 section 5.5: optional whitespace is spaces or tabs, either side
                     b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\t5\t\r\n\r\nhello",
                     b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5 \t \r\n\r\nhello",
                     b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\tchunked\t\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                     b"GET / HTTP/1.1\r\nHost:\tx\t\r\nX-A:\tvalue with\ttab\t\r\n\r\n",
                     b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"):
            with self.subTest(data=data):
                reply, _ = exchange(self.proxy.port, data, timeout=3)
                status = status_of(reply)
                if b"Content-Length: 5\r\nContent-Length: 5" in data:
                    self.assertIn(status, (200, 400), reply[:200])  # RFC 9110 allows either
                else:
                    self.assertEqual(status, 200, reply[:200])

    def test_smuggled_second_request_in_a_pipeline_is_not_forwarded(self):
        good = b"GET /good HTTP/1.1\r\nHost: x\r\n\r\n"
        bad = (b"POST /bad HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n")
        before = self.upstream.received
        reply, closed = exchange(self.proxy.port, good + bad, timeout=3)
        time.sleep(0.1)
        new = self.upstream.received[len(before):]
        self.assertIn(b"GET /good ", new)
        self.assertNotIn(b"/bad", new)
        self.assertNotIn(b"/smuggled", new)
        self.assertTrue(closed)
        self.assertEqual(status_of(reply), 200, reply[:300])
        # the refused request gets its own 400, after the answer to the good one
        self.assertIn(b"\r\n\r\nforwardedHTTP/1.1 400 ", reply, reply[:400])


class InvalidChunkSizeTest(unittest.TestCase):
    """A bad chunk size is found only after the head, which a streaming proxy may already have
    forwarded. What must hold: the client gets 400 and a closed connection; the upstream never
    receives the bad chunk bytes, so it never sees a complete request; and the proxy closes that
    upstream connection, so a half-sent request is never reused from the pool."""

    def test_invalid_chunk_size(self):
        with RecordingUpstream(silent=True) as up, proxy(up.port, "--response-timeout", "3s") as px:
            data = (b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"zz\r\nhello\r\n0\r\n\r\n")
            reply, closed = exchange(px.port, data, timeout=3)
            self.assertEqual(status_of(reply), 400, reply[:200])
            self.assertTrue(closed)
            if up.connections:
                self.assertTrue(up.eof.wait(2), "upstream connection with a half request left open")
            self.assertNotIn(b"zz", up.received)
            self.assertNotIn(b"hello", up.received)
            self.assertFalse(up.received.endswith(b"0\r\n\r\n"), up.received)

    def test_chunk_size_overflow(self):
        with RecordingUpstream(silent=True) as up, proxy(up.port, "--response-timeout", "3s") as px:
            data = (b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"10000000000000005\r\nhello\r\n0\r\n\r\n")
            reply, closed = exchange(px.port, data, timeout=3)
            self.assertEqual(status_of(reply), 400, reply[:200])
            self.assertTrue(closed)
            if up.connections:
                self.assertTrue(up.eof.wait(2), "upstream connection with a half request left open")
            self.assertNotIn(b"hello", up.received)

    def test_invalid_chunk_size_after_a_good_chunk(self):
        with RecordingUpstream(silent=True) as up, proxy(up.port, "--response-timeout", "3s") as px:
            data = (b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"5\r\nhello\r\n-1\r\nworld\r\n0\r\n\r\n")
            reply, closed = exchange(px.port, data, timeout=3)
            self.assertEqual(status_of(reply), 400, reply[:200])
            self.assertTrue(closed)
            if up.connections:
                self.assertTrue(up.eof.wait(2), "upstream connection with a half request left open")
            self.assertNotIn(b"world", up.received)
            self.assertFalse(up.received.endswith(b"0\r\n\r\n"), up.received)


class IncompleteRequestTest(unittest.TestCase):
    """A client that goes away before finishing a head has sent no request: nothing may be
    forwarded (the harness's own port check is such a connection)."""

    def test_connection_closed_before_a_whole_head_sends_nothing_upstream(self):
        with RecordingUpstream() as up, proxy(up.port) as px:
            socket.create_connection(("127.0.0.1", px.port), timeout=2).close()
            with socket.create_connection(("127.0.0.1", px.port), timeout=2) as sock:
                sock.sendall(b"GET /half HTTP/1.1\r\nHost: x\r\n")
            time.sleep(0.3)
            self.assertEqual(up.received, b"", "an unfinished or empty connection produced an upstream request")
            self.assertEqual(up.connections, 0)


if __name__ == "__main__":
    unittest.main()
