"""Real clients through reprise's TLS listener: headless Chromium loads a page over HTTPS whose
EventSource receives every event, one by one (the page acknowledges each before the upstream
sends the next); a `websockets` client talks to an echo server over wss:// (text, binary, large
messages, a burst, a clean close); and faults act on TLS connections as on plain ones: `reset`
is a TCP RST with no answer (seen on the socket itself, under the TLS layer), `abort` answers its
status and body (keeping the connection, or closing it after a request with a body), and `delay`
holds the request or the answer at least its duration.

Chromium (installed by docker/install-deps.sh; missing, the browser test fails) trusts the test
certificate through --ignore-certificate-errors-spki-list, the SHA-256 of its public key, and
nothing else."""
import asyncio
import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

from harness import ProbeUpstream, chunk, http_response, keepalive_handler
from test_proxy_streams import WebSocketEchoServer
from test_replay_report import CHROMIUM, run_chromium
from test_tls import OPENSSL, TlsCase, client_context, tls_proxy

WORDS = ["one", "two", "three", "four", "five"]
ACK_WAIT = 20.0  # how long the upstream waits for the page's acknowledgement of an event

PAGE = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>sse over tls</title></head>
<body><pre id="log"></pre>
<script>
const log = document.getElementById('log');
log.textContent = 'protocol=' + location.protocol + '\\n';
const source = new EventSource('/events');
source.onmessage = (e) => {
  log.textContent += 'event ' + e.lastEventId + ': ' + e.data + '\\n';
  if (e.data === 'five') {
    source.close();
    log.textContent += 'done\\n';
  }
  fetch('/ack?n=' + e.lastEventId);
};
source.onerror = () => { log.textContent += 'error\\n'; };
</script></body></html>"""


def spki_sha256(cert):
    """Base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo, as Chromium's
    --ignore-certificate-errors-spki-list takes it."""
    pem = subprocess.run([OPENSSL, "x509", "-in", cert, "-pubkey", "-noout"], check=True, capture_output=True).stdout
    der = subprocess.run([OPENSSL, "pkey", "-pubin", "-outform", "der"], input=pem, check=True,
                         capture_output=True).stdout
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


class RawTls:
    """A TLS client that reads its socket itself (ssl's memory BIOs), so how the connection
    ended is what the socket saw: "reset" (a TCP RST), "eof" (a FIN without a TLS
    close_notify), "close_notify", or "timeout"."""

    def __init__(self, port, ctx, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.incoming, self.outgoing, server_hostname="localhost")
        while True:
            try:
                self.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush()
                data = self.sock.recv(65536)
                if not data:
                    raise EOFError("connection closed during the TLS handshake")
                self.incoming.write(data)
        self._flush()

    def _flush(self):
        out = self.outgoing.read()
        if out:
            self.sock.sendall(out)

    def send(self, data):
        self.tls.write(data)
        self._flush()

    def read_to_end(self, timeout):
        """(plaintext bytes, how the connection ended)."""
        out = b""
        end = time.monotonic() + timeout
        while True:
            try:
                while piece := self.tls.read(65536):
                    out += piece
                return out, "close_notify"  # read() gives b"" once the peer's close_notify is in
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLZeroReturnError:
                return out, "close_notify"
            self._flush()
            left = end - time.monotonic()
            if left <= 0:
                return out, "timeout"
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return out, "timeout"
            except ConnectionResetError:
                return out, "reset"
            if not data:
                return out, "eof"
            self.incoming.write(data)

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class TlsClientCase(TlsCase):
    def upstream(self, route):
        up = ProbeUpstream(keepalive_handler(route))
        self.addCleanup(up.close)
        return up

    def proxy(self, upstream_port, *extra):
        px = tls_proxy(f"http://127.0.0.1:{upstream_port}", self.cert, self.key, *extra)
        self.addCleanup(px.__exit__)
        return px


class ChromiumSseTest(TlsClientCase):
    def test_eventsource_over_https_receives_every_event_in_order(self):
        self.assertIsNotNone(CHROMIUM, "chromium is not installed (docker/install-deps.sh installs it)")
        acks = [threading.Event() for _ in WORDS]
        acked, streams = [], []

        def route(msg, conn):
            path, _, query = msg.target.partition("?")
            if path == "/":
                return http_response(200, PAGE, [("Content-Type", "text/html; charset=utf-8")], reason="OK")
            if path == "/ack":
                n = int(query.partition("=")[2])
                acked.append(n)
                acks[n - 1].set()
                return http_response(204, reason="No Content")
            if path == "/events":
                streams.append(msg.headers)
                if msg.header("last-event-id") is not None:
                    return http_response(204, reason="No Content")  # a reconnection: EventSource stops
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                             b"Transfer-Encoding: chunked\r\n\r\n")
                # Lockstep: event n+1 goes out only once the page has acknowledged event n, so an
                # event held back anywhere on the way (the proxy's TLS writes included) stalls here.
                for n, word in enumerate(WORDS, 1):
                    conn.sendall(chunk(b"id: %d\ndata: %s\n\n" % (n, word.encode())))
                    if not acks[n - 1].wait(ACK_WAIT):
                        break
                # End the stream (after a missing acknowledgement, this lets Chromium finish and
                # the DOM show how far it got; after all five, the page has already closed it).
                conn.sendall(b"0\r\n\r\n")
                return None
            return http_response(404, b"not here", reason="Not Found")

        up = self.upstream(route)
        px = self.proxy(up.port)
        # --virtual-time-budget: the DOM is dumped once the page has been idle (no fetch pending)
        # for that much virtual time; the open event stream keeps virtual time from running.
        code, dom = run_chromium(f"--ignore-certificate-errors-spki-list={spki_sha256(self.cert)}",
                                 "--virtual-time-budget=10000", "--dump-dom", f"https://localhost:{px.port}/",
                                 timeout=120)
        self.assertEqual(code, 0, dom)
        log = re.search(r'<pre id="log">(.*?)</pre>', dom, re.S)
        self.assertIsNotNone(log, f"the page did not load: {dom[:2000]!r}")
        expected = "protocol=https:\n" + "".join(f"event {n}: {w}\n" for n, w in enumerate(WORDS, 1)) + "done\n"
        self.assertEqual(log.group(1), expected)
        self.assertEqual(acked, [1, 2, 3, 4, 5])
        self.assertEqual(len(streams), 1, f"EventSource reconnected: {streams}")
        self.assertEqual(streams[0].get("accept"), "text/event-stream")
        self.assertEqual(streams[0].get("x-forwarded-proto"), "https")


class WebSocketOverTlsTest(TlsClientCase):
    def test_wss_echo_text_and_binary_then_a_clean_close(self):
        import websockets  # Debian's python3-websockets
        server = WebSocketEchoServer()
        self.addCleanup(server.close)
        px = self.proxy(server.port)
        big_binary = bytes(i % 251 for i in range(300_000))  # spans many TLS records
        messages = ["one", "héllo ✓", b"\x00\x01binary\xff", "x" * 70_000, big_binary, b""]
        burst = [f"burst {i}" if i % 2 else b"burst %d" % i for i in range(20)]

        async def talk():
            async with websockets.connect(f"wss://localhost:{px.port}/ws", ssl=client_context(self.pki),
                                          open_timeout=10, close_timeout=5, max_size=2 ** 20) as ws:
                tls = ws.transport.get_extra_info("ssl_object")
                got = []
                for message in messages:  # one at a time
                    await ws.send(message)
                    got.append(await asyncio.wait_for(ws.recv(), 10))
                for message in burst:  # all sent before any is read back
                    await ws.send(message)
                got_burst = [await asyncio.wait_for(ws.recv(), 10) for _ in burst]
                await ws.close(1000, "bye")
                return got, got_burst, tls.version(), tls.selected_alpn_protocol(), ws.close_code, ws.close_reason

        got, got_burst, version, alpn, close_code, close_reason = asyncio.run(asyncio.wait_for(talk(), 60))
        self.assertEqual(got, messages)
        self.assertEqual(got_burst, burst)
        self.assertIn(version, ("TLSv1.2", "TLSv1.3"))
        self.assertEqual(alpn, "http/1.1")
        # The echo server's closing frame came back through the tunnel: code and reason intact.
        self.assertEqual((close_code, close_reason), (1000, "bye"))
        headers = server.request_headers[0]
        self.assertEqual(headers.get("Upgrade", "").lower(), "websocket")
        self.assertEqual(headers.get("X-Forwarded-Proto"), "https")
        # The listener still serves ordinary HTTPS afterwards (the echo server refuses a plain GET).
        conn = http.client.HTTPSConnection("localhost", px.port, context=client_context(self.pki), timeout=10)
        conn.request("GET", "/ws", headers={"Connection": "close"})
        self.assertEqual(conn.getresponse().status // 100, 4)
        conn.close()


class FaultsOverTlsTest(TlsClientCase):
    DELAY = 0.6
    FAULTS = [
        {"name": "rst", "match": {"path": "/reset"}, "reset": {}},
        {"name": "later", "match": {"path": "/abort"}, "abort": {"status": 503, "body": "try later"}},
        {"name": "held-request", "match": {"path": "/up-delay"}, "direction": "upstream",
         "delay": {"fixed": f"{int(DELAY * 1000)}ms"}},
        {"name": "held-answer", "match": {"path": "/down-delay"}, "direction": "downstream",
         "delay": {"fixed": f"{int(DELAY * 1000)}ms"}},
    ]

    def setUp(self):
        self.arrivals = {}  # target: monotonic time the upstream read it

        def route(msg, conn):
            self.arrivals[msg.target] = time.monotonic()
            return http_response(200, b"ok", reason="OK")

        work = tempfile.mkdtemp(prefix="reprise-tls-faults-")
        self.addCleanup(shutil.rmtree, work, True)
        faults = os.path.join(work, "faults.json")
        with open(faults, "w") as f:
            json.dump({"faults": self.FAULTS}, f)
        self.up = self.upstream(route)
        self.px = self.proxy(self.up.port, "--faults", faults, "--threads", "1")

    def https(self):
        conn = http.client.HTTPSConnection("localhost", self.px.port, context=client_context(self.pki), timeout=10)
        self.addCleanup(conn.close)
        return conn

    def test_reset_is_a_tcp_rst_with_no_answer(self):
        for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            with self.subTest(version=version), RawTls(self.px.port, client_context(self.pki, version)) as tls:
                tls.send(b"GET /reset HTTP/1.1\r\nHost: localhost\r\n\r\n")
                data, how = tls.read_to_end(5)
                self.assertEqual((data, how), (b"", "reset"))
        # What an ordinary client sees: an error, promptly, not an answer and not a hang.
        conn = self.https()
        conn.request("GET", "/reset")
        with self.assertRaises((ConnectionResetError, ssl.SSLEOFError, http.client.RemoteDisconnected)):
            conn.getresponse()
        self.assertNotIn("/reset", self.arrivals, "the upstream was asked")
        conn = self.https()  # requests the fault does not match still pass
        conn.request("GET", "/fine")
        res = conn.getresponse()
        self.assertEqual((res.status, res.read()), (200, b"ok"))

    def test_abort_answers_its_status_and_body(self):
        conn = self.https()
        for path, expected in (("/abort", (503, b"try later")), ("/fine", (200, b"ok")),
                               ("/abort", (503, b"try later"))):
            conn.request("GET", path)
            res = conn.getresponse()
            self.assertEqual((res.status, res.read()), expected, path)
            self.assertFalse(res.will_close, f"{path}: keep-alive kept after an abort")
        self.assertNotIn("/abort", self.arrivals, "the upstream was asked")
        # After a request with a body, the abort's answer arrives whole, then the connection closes.
        with RawTls(self.px.port, client_context(self.pki)) as tls:
            tls.send(b"POST /abort HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello")
            data, how = tls.read_to_end(10)
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 503 "), data)
        self.assertEqual(body, b"try later")
        self.assertEqual(how, "close_notify", "the TLS connection is closed cleanly")

    def test_delay_holds_the_request_or_the_answer_at_least_its_duration(self):
        conn = self.https()
        conn.request("GET", "/fine")  # the handshake, out of the timings below
        conn.getresponse().read()
        for path in ("/up-delay", "/down-delay"):
            sent = time.monotonic()
            conn.request("GET", path)
            res = conn.getresponse()
            self.assertEqual((res.status, res.read()), (200, b"ok"), path)
            answered = time.monotonic()
            self.assertGreaterEqual(answered - sent, self.DELAY, path)
            if path == "/up-delay":
                self.assertGreaterEqual(self.arrivals[path] - sent, self.DELAY, "the request reached the upstream early")
            else:
                self.assertGreaterEqual(answered - self.arrivals[path], self.DELAY, "the answer was not held back")


if __name__ == "__main__":
    unittest.main()
