"""TLS on every side of reprise, with certificates made at test time by Debian's `openssl`: a
TLS listener driven by Python's ssl, curl and `openssl s_client` (TLS 1.2 and 1.3, ALPN,
session resumption, keep-alive, chunked uploads, pipelining, SSE event by event, plain HTTP sent
to it, the certificate re-read on SIGHUP); nginx with `ssl` as the upstream (verified against a
CA file, refused when self-signed or misnamed with a 502 naming the reason and counted, mTLS,
pooled and resumed); replay to an https:// target; and every unusable certificate or key file as
one line and exit 1."""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest
import urllib.request

from harness import (BIN, HttpStream, capture_records, ProbeUpstream, Proc, chunk, free_port, http_response, keepalive_handler,
                     replay, reprise, write_profile)

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
CURL = shutil.which("curl") or "/usr/bin/curl"


def run(*args, **kw):
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, **kw)


class Pki:
    """A test CA, and certificates for localhost / 127.0.0.1 it signs; a self-signed one too."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="reprise-tls-")
        self.ca, self.ca_key = self.path("ca.pem"), self.path("ca.key")
        run(OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", self.ca_key, "-out", self.ca, "-days", "2", "-subj", "/CN=reprise test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")

    def path(self, name):
        return os.path.join(self.dir, name)

    def issue(self, name, cn="localhost", san="DNS:localhost,IP:127.0.0.1", client=False):
        """(cert, key) signed by the CA."""
        key, csr, cert, ext = (self.path(name + s) for s in (".key", ".csr", ".pem", ".ext"))
        run(OPENSSL, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
            "-out", csr, "-subj", f"/CN={cn}")
        with open(ext, "w") as f:
            f.write(f"subjectAltName={san}\n" if san else "")
            f.write("extendedKeyUsage=" + ("clientAuth" if client else "serverAuth") + "\n")
        run(OPENSSL, "x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey", self.ca_key, "-CAcreateserial",
            "-out", cert, "-days", "2", "-extfile", ext)
        return cert, key

    def self_signed(self, name):
        key, cert = self.path(name + ".key"), self.path(name + ".pem")
        run(OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")
        return cert, key

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def client_context(pki, version=None, alpn=("http/1.1",)):
    ctx = ssl.create_default_context(cafile=pki.ca)
    if version:
        ctx.minimum_version = ctx.maximum_version = version
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    return ctx


def ok_upstream():
    """An upstream answering 200 "ok" to every request, keep-alive."""
    return ProbeUpstream(keepalive_handler(lambda msg, conn: http_response(200, b"ok")))


def tls_proxy(upstream_url, cert, key, *extra):
    port = free_port()
    return reprise("proxy", "--listen", f"127.0.0.1:{port}", "--upstream", upstream_url, "--tls-cert", cert,
                   "--tls-key", key, *extra, port=port)


def nginx_tls(pki, cert, key, client_ca=None):
    """nginx with ssl on a free loopback port: /json, /reused ($ssl_session_reused) and /client
    (the client certificate's subject)."""
    port = free_port()
    work = tempfile.mkdtemp(prefix="reprise-nginx-tls-")
    verify = f"ssl_client_certificate {client_ca};\n        ssl_verify_client on;" if client_ca else ""
    conf = f"""
user root;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    keepalive_requests 100000;
    ssl_session_cache shared:tls:1m;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
        {verify}
        location = /json {{ default_type application/json; return 200 '{{"ok":true}}'; }}
        location = /reused {{ return 200 "$ssl_session_reused"; }}
        location = /client {{ return 200 "$ssl_client_s_dn"; }}
        location = /nginx_status {{ stub_status; }}
    }}
}}
"""
    path = os.path.join(work, "nginx.conf")
    with open(path, "w") as f:
        f.write(conf)
    return Proc(["/usr/sbin/nginx", "-p", work, "-c", path, "-g", "daemon off;"], port=port)


def https_get(port, path, pki, version=None, alpn=("http/1.1",), session=None, ctx=None):
    """(status, body, the TLS socket's version, ALPN, session, whether it was resumed)."""
    ctx = ctx or client_context(pki, version, alpn)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost", session=session) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
            stream = HttpStream(s)
            msg = stream.read_response()
            return (msg.status, msg.body, s.version(), s.selected_alpn_protocol(), s.session, s.session_reused)


def metric(admin_port, name, want=None):
    """A counter's sum over its labels; with `want`, read again (up to 10 s) until it is that: an
    exchange is counted when it ends, just after its answer went out."""
    end = time.monotonic() + 10
    while True:
        with urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/metrics", timeout=5) as r:
            text = r.read().decode()
        value = sum(float(m.group(1)) for m in re.finditer(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.M))
        if want is None or value == want or time.monotonic() > end:
            return value
        time.sleep(0.05)


class TlsCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pki = Pki()
        cls.cert, cls.key = cls.pki.issue("server")

    @classmethod
    def tearDownClass(cls):
        cls.pki.close()


class ListenerTest(TlsCase):
    def test_tls_1_2_and_1_3_with_alpn_http11(self):
        with ok_upstream() as up, tls_proxy(f"http://127.0.0.1:{up.port}", self.cert, self.key) as px:
            for version, name in ((ssl.TLSVersion.TLSv1_2, "TLSv1.2"), (ssl.TLSVersion.TLSv1_3, "TLSv1.3")):
                status, body, got, alpn, _, _ = https_get(px.port, "/healthz", self.pki, version, ("h2", "http/1.1"))
                self.assertEqual(status, 200, body)
                self.assertEqual(got, name)
                self.assertEqual(alpn, "http/1.1")
            # A client offering h2 alone gets no ALPN answer, and HTTP/1.1 still works.
            status, _, _, alpn, _, _ = https_get(px.port, "/healthz", self.pki, alpn=("h2",))
            self.assertEqual((status, alpn), (200, None))

    def test_openssl_s_client_negotiates_both_versions(self):
        with ok_upstream() as up, tls_proxy(f"http://127.0.0.1:{up.port}", self.cert, self.key) as px:
            for flag, name in (("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")):
                out = subprocess.run([OPENSSL, "s_client", "-connect", f"127.0.0.1:{px.port}", "-servername",
                                      "localhost", "-CAfile", self.pki.ca, flag, "-alpn", "http/1.1", "-brief", "-ign_eof"],
                                     input=b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                     capture_output=True, timeout=20)
                text = (out.stdout + out.stderr).decode(errors="replace")
                self.assertIn(f"Protocol version: {name}", text)
                self.assertIn("Verification: OK", text)
                self.assertIn("HTTP/1.1 200", text)

    def test_curl_keep_alive_and_chunked_upload(self):
        bodies = []

        def route(msg, conn):
            bodies.append(msg.body)
            return http_response(200, b"got %d" % len(msg.body))

        with ProbeUpstream(keepalive_handler(route)) as up, \
                tls_proxy(f"http://127.0.0.1:{up.port}", self.cert, self.key) as px:
            url = f"https://localhost:{px.port}/up"
            out = subprocess.run([CURL, "-sS", "--cacert", self.pki.ca, "--resolve", f"localhost:{px.port}:127.0.0.1",
                                  "-H", "Transfer-Encoding: chunked", "--data-binary", "@-", url, "--next",
                                  "--cacert", self.pki.ca, url, "-w", "%{num_connects}"],
                                 input=b"x" * 100000, capture_output=True, timeout=30)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertEqual(out.stdout, b"got 100000got 00", "the second request reused the connection")
            self.assertEqual(bodies[0], b"x" * 100000)

    def test_pipelined_requests_answered_in_order(self):
        with ok_upstream() as up, tls_proxy(f"http://127.0.0.1:{up.port}", self.cert, self.key) as px:
            ctx = client_context(self.pki)
            with socket.create_connection(("127.0.0.1", px.port), timeout=10) as raw, \
                    ctx.wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(b"".join(b"GET /healthz?n=%d HTTP/1.1\r\nHost: x\r\n\r\n" % i for i in range(5)))
                stream = HttpStream(s)
                for _ in range(5):
                    self.assertEqual(stream.read_response().status, 200)

    def test_a_parked_connection_keeps_its_tls_session(self):
        # Idle past the park time (1 s) the session goes and only the connection's socket and
        # OpenSSL state wait; the next requests go on over the same TLS connection.
        with ok_upstream() as up, tls_proxy(f"http://127.0.0.1:{up.port}", self.cert, self.key) as px:
            ctx = client_context(self.pki)
            with socket.create_connection(("127.0.0.1", px.port), timeout=10) as raw, \
                    ctx.wrap_socket(raw, server_hostname="localhost") as s:
                stream = HttpStream(s)
                for i in range(3):
                    if i:
                        time.sleep(1.5)
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                    self.assertEqual(stream.read_response().status, 200)

    def test_sse_events_arrive_one_by_one(self):
        # Lockstep: the upstream sends event i+1 only once the client has event i, so a proxy that
        # held an event back (in OpenSSL's buffers, say) would hang here instead of passing.
        import threading
        got = [threading.Event() for _ in range(5)]

        def route(msg, conn):
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
            for i in range(5):
                conn.sendall(chunk(b"id: %d\ndata: event %d\n\n" % (i, i)))
                if not got[i].wait(10):
                    return None
            conn.sendall(b"0\r\n\r\n")
            return None

        with ProbeUpstream(keepalive_handler(route)) as up, \
                tls_proxy(f"http://127.0.0.1:{up.port}", self.cert, self.key) as px:
            ctx = client_context(self.pki)
            with socket.create_connection(("127.0.0.1", px.port), timeout=10) as raw, \
                    ctx.wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
                stream = HttpStream(s)
                head = stream.read_head()
                self.assertEqual(head.status, 200)
                seen = b""
                pieces = stream.body_pieces(head)
                for i in range(5):
                    while b"data: event %d\n\n" % i not in seen:
                        seen += next(pieces)
                    got[i].set()

    def test_session_resumption(self):
        with ok_upstream() as up, tls_proxy(f"http://127.0.0.1:{up.port}", self.cert, self.key) as px:
            for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
                ctx = client_context(self.pki, version)
                _, _, _, _, session, reused = https_get(px.port, "/healthz", self.pki, ctx=ctx)
                self.assertFalse(reused)
                _, _, _, _, _, reused = https_get(px.port, "/healthz", self.pki, session=session, ctx=ctx)
                self.assertTrue(reused, f"{version}: the second connection was not resumed")

    def test_plain_http_to_the_tls_port_gets_a_clear_400(self):
        with ok_upstream() as up, tls_proxy(f"http://127.0.0.1:{up.port}", self.cert, self.key) as px:
            with socket.create_connection(("127.0.0.1", px.port), timeout=5) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                out = b""
                while piece := s.recv(4096):
                    out += piece
            self.assertTrue(out.startswith(b"HTTP/1.1 400"), out)
            self.assertIn(b"plain HTTP request sent to a TLS port", out)
            px.stop()
            self.assertIn("plain HTTP sent to the TLS listener", px.output())

    def test_sighup_rereads_the_certificate(self):
        cert, key = self.pki.issue("first", cn="first")
        work = tempfile.mkdtemp(prefix="reprise-hup-")
        live_cert, live_key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
        shutil.copy(cert, live_cert)
        shutil.copy(key, live_key)
        second_cert, second_key = self.pki.issue("second", cn="second")

        def subject(port):
            ctx = client_context(self.pki)
            with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
                    ctx.wrap_socket(raw, server_hostname="localhost") as s:
                return dict(x[0] for x in s.getpeercert()["subject"])["commonName"]

        with ok_upstream() as up, tls_proxy(f"http://127.0.0.1:{up.port}", live_cert, live_key) as px:
            self.assertEqual(subject(px.port), "first")
            conn = http.client.HTTPSConnection("localhost", px.port, context=client_context(self.pki), timeout=10)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            shutil.copy(second_cert, live_cert)
            shutil.copy(second_key, live_key)
            px.signal(signal.SIGHUP)
            end = time.monotonic() + 10
            while subject(px.port) != "second" and time.monotonic() < end:
                time.sleep(0.05)
            self.assertEqual(subject(px.port), "second")
            conn.request("GET", "/healthz")  # the connection opened before keeps working
            self.assertEqual(conn.getresponse().status, 200)
            conn.close()
            # A broken file on SIGHUP keeps the certificate in use.
            with open(live_key, "w") as f:
                f.write("not a key\n")
            px.signal(signal.SIGHUP)
            time.sleep(0.3)
            self.assertEqual(subject(px.port), "second")
            self.assertEqual(px.stop(), 0)
            self.assertIn("kept the certificate in use", px.output())
        shutil.rmtree(work, ignore_errors=True)


class UpstreamTest(TlsCase):
    def proxy_to(self, port, *extra):
        listen = free_port()
        admin = free_port()
        return reprise("proxy", "--listen", f"127.0.0.1:{listen}", "--upstream", f"https://localhost:{port}",
                       "--admin", f"127.0.0.1:{admin}", *extra, port=listen), admin

    def get(self, port, path="/json"):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", path)
        res = conn.getresponse()
        return res.status, res.read()

    def test_verified_with_the_ca_file(self):
        with nginx_tls(self.pki, self.cert, self.key) as ng:
            px, admin = self.proxy_to(ng.port, "--upstream-ca", self.pki.ca)
            with px:
                self.assertEqual(self.get(px.port), (200, b'{"ok":true}'))
                self.assertEqual(metric(admin, "reprise_upstream_tls_errors_total"), 0)

    def test_unknown_ca_is_a_502_naming_the_reason_and_counted(self):
        with nginx_tls(self.pki, self.cert, self.key) as ng:
            px, admin = self.proxy_to(ng.port)
            with px:
                status, body = self.get(px.port)
                self.assertEqual(status, 502)
                self.assertIn(b"certificate verify failed: unable to get local issuer certificate", body)
                self.assertEqual(metric(admin, "reprise_upstream_tls_errors_total", want=1), 1)
                px.stop()
                self.assertIn("unable to get local issuer certificate", px.output())

    def test_self_signed_upstream(self):
        cert, key = self.pki.self_signed("selfsigned")
        with nginx_tls(self.pki, cert, key) as ng:
            px, _ = self.proxy_to(ng.port)
            with px:
                status, body = self.get(px.port)
                self.assertEqual(status, 502)
                self.assertIn(b"self-signed certificate", body)
            px, _ = self.proxy_to(ng.port, "--upstream-ca", cert)
            with px:
                self.assertEqual(self.get(px.port)[0], 200)
            px, _ = self.proxy_to(ng.port, "--upstream-insecure")
            with px:
                self.assertEqual(self.get(px.port)[0], 200)
                px.stop()
                self.assertIn("not verified", px.output())

    def test_a_name_the_certificate_does_not_carry(self):
        with nginx_tls(self.pki, self.cert, self.key) as ng:
            px, _ = self.proxy_to(ng.port, "--upstream-ca", self.pki.ca, "--upstream-sni", "other.example")
            with px:
                status, body = self.get(px.port)
                self.assertEqual(status, 502)
                self.assertIn(b"hostname mismatch", body.lower())

    def test_mtls_upstream(self):
        client_cert, client_key = self.pki.issue("client", cn="reprise-client", san=None, client=True)
        with nginx_tls(self.pki, self.cert, self.key, client_ca=self.pki.ca) as ng:
            px, _ = self.proxy_to(ng.port, "--upstream-ca", self.pki.ca)
            with px:
                self.assertEqual(self.get(px.port, "/client")[0], 400)  # nginx: no required certificate
            px, _ = self.proxy_to(ng.port, "--upstream-ca", self.pki.ca, "--upstream-cert", client_cert,
                                  "--upstream-key", client_key)
            with px:
                status, body = self.get(px.port, "/client")
                self.assertEqual(status, 200)
                self.assertIn(b"CN=reprise-client", body)

    def test_pooled_connections_reused_and_sessions_resumed(self):
        with nginx_tls(self.pki, self.cert, self.key) as ng:
            px, _ = self.proxy_to(ng.port, "--upstream-ca", self.pki.ca, "--threads", "1")
            with px:
                for _ in range(20):
                    self.assertEqual(self.get(px.port)[0], 200)
            # Without a pool every request is a new connection: each after the first resumes.
            px, _ = self.proxy_to(ng.port, "--upstream-ca", self.pki.ca, "--threads", "1", "--pool-size", "0")
            with px:
                answers = [self.get(px.port, "/reused")[1] for _ in range(5)]
            self.assertEqual(answers[0], b".")
            self.assertEqual(answers[1:], [b"r"] * 4, answers)


class BadFilesTest(TlsCase):
    def start(self, *flags):
        port = free_port()
        out = subprocess.run([BIN, "proxy", "--listen", f"127.0.0.1:{port}", "--upstream", "http://127.0.0.1:9",
                              *flags], capture_output=True, timeout=20)
        return out.returncode, out.stderr.decode().strip().splitlines()

    def test_each_unusable_file_is_one_line_and_exit_1(self):
        other_cert, other_key = self.pki.issue("other")
        not_pem = self.pki.path("notpem.txt")
        with open(not_pem, "w") as f:
            f.write("hello\n")
        cases = [
            (("--tls-cert", self.pki.path("missing.pem"), "--tls-key", self.key), "missing.pem", "cannot be read"),
            (("--tls-cert", not_pem, "--tls-key", self.key), "notpem.txt", "not a PEM certificate"),
            (("--tls-cert", self.cert, "--tls-key", not_pem), "notpem.txt", "not a PEM private key"),
            (("--tls-cert", self.cert, "--tls-key", other_key), "other.key", "does not match the certificate"),
            (("--tls-cert", self.cert), "", "--tls-key"),
        ]
        for flags, file, words in cases:
            with self.subTest(flags=flags):
                code, lines = self.start(*flags)
                self.assertEqual(code, 1, lines)
                self.assertEqual(len(lines), 1, lines)
                self.assertIn(file, lines[0])
                self.assertIn(words, lines[0])

    def test_upstream_tls_flags_need_https(self):
        code, lines = self.start("--upstream-ca", self.pki.ca)
        self.assertEqual(code, 1)
        self.assertIn("https://", lines[-1])


class ReplayTest(TlsCase):
    def replay_to_https(self, capture, work):
        """Replays `capture` to an https:// target (a TLS proxy before an upstream answering 200)
        and asserts it exits 0: (target, Host) of every request that arrived, and the TLS port."""
        seen = []

        def route(msg, conn):
            seen.append((msg.target, msg.header("host")))
            return http_response(200, b"ok")

        with ProbeUpstream(keepalive_handler(route)) as target, \
                tls_proxy(f"http://127.0.0.1:{target.port}", self.cert, self.key) as front:
            profile = write_profile(os.path.join(work, "p.json"), {"executor": "replay-timing"})
            run_ = replay(capture, f"https://localhost:{front.port}", profile, "--ca", self.pki.ca)
            self.assertEqual(run_.returncode, 0, run_.stderr)
            return seen, front.port

    def test_record_through_tls_then_replay_to_an_https_target(self):
        work = tempfile.mkdtemp(prefix="reprise-tls-replay-")
        capture = os.path.join(work, "cap.jsonl")
        with ok_upstream() as up:
            with tls_proxy(f"http://127.0.0.1:{up.port}", self.cert, self.key, "--record", capture) as px:
                ctx = client_context(self.pki)
                conn = http.client.HTTPSConnection("localhost", px.port, context=ctx, timeout=10)
                for i in range(10):
                    conn.request("GET", f"/healthz?n={i}")
                    self.assertEqual(conn.getresponse().read(), b"ok")
                conn.close()
                self.assertEqual(px.stop(), 0)
            header, records = capture_records(capture)
            self.assertEqual(header.get("scheme"), "https")
            self.assertEqual(len(records), 10)
            har = os.path.join(work, "cap.har")
            subprocess.run([BIN, "export", "har", capture, "-o", har], check=True, capture_output=True, timeout=30)
            with open(har) as f:
                urls = [e["request"]["url"] for e in json.load(f)["log"]["entries"]]
            self.assertTrue(all(u.startswith("https://") for u in urls), urls)
            seen, _ = self.replay_to_https(capture, work)
            self.assertEqual(sorted(t for t, _ in seen), sorted(f"/healthz?n={i}" for i in range(10)))
        shutil.rmtree(work, ignore_errors=True)

    def test_har_with_https_urls_imports_and_replays_to_an_https_target(self):
        work = tempfile.mkdtemp(prefix="reprise-tls-har-")
        har, capture = os.path.join(work, "in.har"), os.path.join(work, "cap.jsonl")
        entries = [{"startedDateTime": f"2026-12-05T10:00:0{i}.000Z", "time": 5,
                    "request": {"method": "GET", "url": f"https://shop.example/items/{i}", "httpVersion": "HTTP/1.1",
                                "headers": [{"name": "Host", "value": "shop.example"}], "queryString": [],
                                "cookies": [], "headersSize": -1, "bodySize": 0},
                    "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [],
                                 "cookies": [], "content": {"size": 2, "mimeType": "text/plain", "text": "ok"},
                                 "redirectURL": "", "headersSize": -1, "bodySize": 2},
                    "cache": {}, "timings": {"send": 0, "wait": 5, "receive": 0}} for i in range(3)]
        with open(har, "w") as f:
            json.dump({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": entries}}, f)
        subprocess.run([BIN, "import", "har", har, "-o", capture], check=True, capture_output=True, timeout=30)
        header, records = capture_records(capture)
        self.assertEqual(header.get("scheme"), "https")
        seen, port = self.replay_to_https(capture, work)
        self.assertEqual(sorted(t for t, _ in seen), [f"/items/{i}" for i in range(3)])
        self.assertTrue(all(h == f"localhost:{port}" for _, h in seen), seen)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
