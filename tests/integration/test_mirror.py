"""reprise proxy --mirror: every client session's requests are copied, after the primary answered
them, to a shadow service for --mirror-factor shadow users per session (2.5: two each, and a
third for every other session). Shadow users get their own identities (a registration's echoed
email and username made unique) and the mirror's own tokens and ids (correlation); the client
only ever sees the primary's answers, as fast as without a mirror, whatever the mirror does
(slow, refusing, resetting). The admin API shows and changes the mirroring (GET/PUT /mirror),
/metrics has the mirror's figures under target="mirror", --mirror-record captures the exchanges
with the mirror; WebSocket upgrades and bodies over --mirror-body-limit are not mirrored.

Every server is on 127.0.0.1 on a free port, started and stopped here by its PID. Timing checks
are loose (a busy 2-core machine): the client must not wait for the mirror's 2 s, nothing finer.

Run: cd tests/integration && /usr/bin/python3 -m unittest test_mirror -v"""
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import struct
import subprocess
import tempfile
import threading
import time
import unittest

from prometheus_client.parser import text_string_to_metric_families  # Debian's python3-prometheus-client

from harness import (BIN, CountingUpstream, HttpStream, ProbeUpstream, capture_records, demo_upstream,
                     fastapi_app, free_port, http_response, keepalive_handler, nginx, nginx_stub_status, proxy,
                     request, wait_port)
from test_tls import TlsCase, client_context, https_get, nginx_tls


# ---------------------------------------------------------------------------------------------
# Helpers


def poll(what, predicate, timeout, step=0.05):
    """The first truthy value of predicate() within `timeout`; else AssertionError with the last."""
    end = time.monotonic() + timeout
    last = None
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() > end:
            raise AssertionError(f"{what} not within {timeout}s (last: {last!r})")
        time.sleep(step)


def admin(port, method, path, body=None, content_type="application/json"):
    """(status, body text) of a call to the admin address; a dict body is sent as JSON."""
    headers = {}
    if body is not None:
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        headers["Content-Type"] = content_type
    status, _, data = request(port, method, path, headers=headers, body=body, timeout=10)
    return status, data.decode(errors="replace")


def mirror_state(port):
    status, text = admin(port, "GET", "/mirror")
    if status != 200:
        raise AssertionError(f"GET /mirror answered {status}: {text}")
    return json.loads(text)


def scrape(port):
    """Every sample of /metrics as {sample name: [(labels, value)]}."""
    status, text = admin(port, "GET", "/metrics")
    if status != 200:
        raise AssertionError(f"/metrics answered {status}: {text[:300]}")
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples.setdefault(s.name, []).append((s.labels, s.value))
    return samples


def total(samples, sample, where=lambda labels: True, **labels):
    """Sum of a sample's values over the series whose labels include `labels` and pass `where`."""
    return sum(v for l, v in samples.get(sample, [])
               if where(l) and all(l.get(k) == str(x) for k, x in labels.items()))


def mirror_side(labels):
    return labels.get("target") == "mirror"


def primary_side(labels):
    return labels.get("target") != "mirror"


def mirror_breakdown(samples):
    """{"METHOD name status": count} of the mirror's exchanges in /metrics."""
    out = {}
    for labels, value in samples.get("reprise_http_reqs_total", []):
        if mirror_side(labels) and value:
            key = f"{labels.get('method')} {labels.get('name')} {labels.get('status')}"
            out[key] = out.get(key, 0) + value
    return out


def settled(port, quiet=0.6, timeout=30.0):
    """GET /mirror once nothing is pending, every copy sent has its outcome, and `copies` has not
    moved for `quiet` seconds."""
    end = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while True:
        m = mirror_state(port)
        key = (m["copies"], m["answered"], m["failed"], m["dropped"], m["pending"])
        if key != last:
            last, since = key, time.monotonic()
        elif (m["pending"] == 0 and m["answered"] + m["failed"] == m["copies"]
              and time.monotonic() - since >= quiet):
            return m
        if time.monotonic() > end:
            raise AssertionError(f"the mirror did not settle within {timeout}s: {m}")
        time.sleep(0.05)


class Client:
    """One keep-alive client connection: call() sends a request and reads the whole answer."""

    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.stream = HttpStream(self.sock)

    def call(self, method, path, body=None, headers=()):
        """(status, body bytes, seconds)."""
        lines = [f"{method} {path} HTTP/1.1", "Host: mirror.test", *[f"{k}: {v}" for k, v in headers]]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
        start = time.monotonic()
        self.sock.sendall(data)
        res = self.stream.read_response(method=method)
        return res.status, res.body, time.monotonic() - start

    def close(self):
        self.sock.close()


def one_call(port, method, path, body=None):
    c = Client(port)
    try:
        return c.call(method, path, body)
    finally:
        c.close()


class MirrorCase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="reprise-mirror-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def start_proxy(self, upstream_port, *flags):
        """A proxy with --admin: (proxy, admin port). Stopped at cleanup."""
        admin_port = free_port()
        px = proxy(upstream_port, "--admin", f"127.0.0.1:{admin_port}", *flags)
        self.addCleanup(px.__exit__)
        wait_port(admin_port, proc=px.popen)
        return px, admin_port

    def refused_start(self, *flags):
        """(exit code, stderr lines) of a proxy that must refuse to start."""
        run = subprocess.run([BIN, "proxy", "--listen", f"127.0.0.1:{free_port()}", "--upstream",
                              "http://127.0.0.1:9", *flags], capture_output=True, text=True, timeout=20)
        return run.returncode, run.stderr.strip().splitlines()

    def counting(self):
        up = CountingUpstream()
        self.addCleanup(up.close)
        return up

    def probe(self, handler):
        up = ProbeUpstream(handler)
        self.addCleanup(up.close)
        return up


# ---------------------------------------------------------------------------------------------
# 1. Shadow users against a real chat service


EMAIL = "alice.mirror@example.com"
PASSWORD = "alice-pass-7f3"


def chat(conn, method, path, token=None, body=None):
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    res = conn.getresponse()
    raw = res.read()
    return res.status, (json.loads(raw) if raw else None)


class ShadowUsersTest(MirrorCase):
    def test_three_shadow_users_walk_the_chat_flow_on_the_mirror(self):
        primary = demo_upstream()
        self.addCleanup(primary.__exit__)
        shadow = fastapi_app()
        self.addCleanup(shadow.__exit__)
        record = os.path.join(self.dir, "mirror.jsonl")
        mirror_url = f"http://127.0.0.1:{shadow.port}"
        px, adm = self.start_proxy(primary.port, "--mirror", mirror_url, "--mirror-factor", "3",
                                   "--mirror-record", record, "--threads", "2")

        # The client's flow, on one keep-alive connection: every answer the primary's success.
        conn = http.client.HTTPConnection("127.0.0.1", px.port, timeout=15)
        self.addCleanup(conn.close)
        status, user = chat(conn, "POST", "/api/users/register",
                            body={"email": EMAIL, "username": "alice_mirror", "password": PASSWORD})
        self.assertEqual(status, 201, user)
        self.assertEqual(user["email"], EMAIL)
        status, login = chat(conn, "POST", "/api/users/login", body={"email": EMAIL, "password": PASSWORD})
        self.assertEqual(status, 200, login)
        token = login["access_token"]
        self.assertRegex(token, r"^tok_[0-9a-f]{32}$")
        status, me = chat(conn, "GET", "/api/users/me", token)
        self.assertEqual((status, me["email"]), (200, EMAIL))
        status, room = chat(conn, "POST", "/api/chat/rooms", token, {"name": "general"})
        self.assertEqual(status, 201, room)
        status, rooms = chat(conn, "GET", "/api/chat/rooms", token)
        self.assertEqual(status, 200, rooms)
        self.assertIn(room["id"], [r["id"] for r in rooms])
        for i in range(10):
            status, msg = chat(conn, "POST", f"/api/chat/rooms/{room['id']}/messages", token,
                               {"content": f"message {i}"})
            self.assertEqual(status, 200, msg)
            self.assertEqual(msg["content"], f"message {i}")
        conn.close()
        client_requests = 15

        # The SSE stream on its own connection: the first event, held a moment, then closed.
        with socket.create_connection(("127.0.0.1", px.port), timeout=10) as sock:
            sock.sendall(f"GET /api/notifications/stream HTTP/1.1\r\nHost: chat\r\n"
                         f"Authorization: Bearer {token}\r\n\r\n".encode())
            stream = HttpStream(sock)
            head = stream.read_head()
            self.assertEqual(head.status, 200)
            self.assertIn("text/event-stream", head.header("content-type", ""))
            got = b""
            for piece in stream.body_pieces(head):
                got += piece
                if b"event: connected" in got and b"\n\n" in got:
                    break
            self.assertIn(b"event: connected", got)
            time.sleep(1.5)
        client_requests += 1

        # The mirror's side, live: 3 shadow users, 3 copies of each of the 16 requests, all answered.
        m = settled(adm, timeout=40)

        def mirror_counted():
            s = scrape(adm)
            done = total(s, "reprise_http_reqs_total", mirror_side) == 3 * client_requests
            return s if done else None
        s = poll("the mirror's requests in /metrics", mirror_counted, 10)

        # Stopped with SIGTERM: exit 0, the summary line, the capture of the exchanges with the mirror.
        self.assertEqual(px.stop(), 0, px.output()[-3000:])
        out = px.output()
        header, records = capture_records(record)
        # shown when a check fails: what the mirror answered, and the sessions of logins and streams
        m["by_status"] = mirror_breakdown(s)
        m["logins_and_streams"] = [(r["session"], r["req"]["target"], r["res"]["status"]) for r in records
                                   if r["req"]["target"] in ("/api/users/login", "/api/notifications/stream")]

        # the mirror's side: 3 shadow users, 3 copies of each of the 16 requests, all answered 2xx
        self.assertEqual(m["factor"], 3)
        self.assertIn(f"127.0.0.1:{shadow.port}", m["url"])
        self.assertEqual(m["shadow_users"], 3, m)
        self.assertEqual(m["copies"], 3 * client_requests, m)
        self.assertEqual(m["answered"], 3 * client_requests, m)
        self.assertEqual((m["failed"], m["dropped"]), (0, 0), m)

        self.assertEqual(total(s, "reprise_http_reqs_total", primary_side), client_requests)
        self.assertEqual(total(s, "reprise_http_reqs_total", mirror_side, method="POST", status=201), 6,
                         "3 registrations and 3 rooms answered 201 by the mirror")
        for bad in (401, 403):
            self.assertEqual(total(s, "reprise_http_reqs_total", mirror_side, status=bad), 0, (bad, m))
        self.assertEqual(total(s, "reprise_http_req_failed_total", mirror_side), 0)
        self.assertEqual(total(s, "reprise_mirror_copies_total"), 3 * client_requests)
        self.assertEqual(total(s, "reprise_mirror_shadow_users_total"), 3)
        self.assertEqual(total(s, "reprise_mirror_dropped_total"), 0)

        summary = [line for line in out.splitlines() if "mirror http://" in line and "copies sent" in line]
        self.assertEqual(len(summary), 1, out[-3000:])
        self.assertIn(f"{3 * client_requests} copies sent, {3 * client_requests} answered, 0 failed, 0 dropped",
                      summary[0])

        self.assertEqual(header.get("source"), "mirror", header)
        self.assertEqual(len(records), 3 * client_requests, [(r["session"], r["req"]["target"]) for r in records])
        by_copy = {}
        for r in records:
            match = re.fullmatch(r"(.+)/m([0-9]+)", r["session"])
            self.assertIsNotNone(match, r["session"])
            by_copy.setdefault(int(match.group(2)), []).append(r)
        self.assertEqual(sorted(by_copy), [1, 2, 3])
        # every mirrored request answered 2xx: no 401/403, so every shadow user had its own token
        bad = [(r["session"], r["req"]["method"], r["req"]["target"], r["res"]["status"]) for r in records
               if not 200 <= r["res"]["status"] < 300]
        self.assertEqual(bad, [], m)
        expected = sorted([("POST", "/api/users/register"), ("POST", "/api/users/login"), ("GET", "/api/users/me"),
                           ("POST", "/api/chat/rooms"), ("GET", "/api/chat/rooms"),
                           ("GET", "/api/notifications/stream")] +
                          [("POST", "/api/chat/rooms/{id}/messages")] * 10)
        for k, rs in sorted(by_copy.items()):
            seen = sorted((r["req"]["method"], re.sub(r"/rooms/[0-9]+/", "/rooms/{id}/", r["req"]["target"]))
                          for r in rs)
            self.assertEqual(seen, expected, f"shadow user m{k}")

        registers = [r for r in records if r["req"]["target"] == "/api/users/register"]
        self.assertEqual([r["res"]["status"] for r in registers], [201] * 3)
        emails = [json.loads(r["req"]["body"])["email"] for r in registers]
        self.assertEqual(len(set(emails)), 3, emails)
        self.assertNotIn(EMAIL, emails)
        answered_emails = sorted(json.loads(r["res"]["body"])["email"] for r in registers)
        self.assertEqual(answered_emails, sorted(emails))
        # later requests of a shadow user carry its own email, never the client's
        for r in records:
            if r["req"]["target"] == "/api/users/login":
                self.assertNotIn(EMAIL, r["req"].get("body", ""), r["session"])
                self.assertEqual(r["res"]["status"], 200)

        streams = [r for r in records if r["req"]["target"] == "/api/notifications/stream"]
        self.assertEqual(len(streams), 3)
        self.assertEqual([r["res"]["status"] for r in streams], [200] * 3)
        self.assertEqual(len({r["session"] for r in streams}), 3)


# ---------------------------------------------------------------------------------------------
# 2. A fractional factor over many sessions


REQUEST = b"GET /json HTTP/1.1\r\nHost: mirror.test\r\n\r\n"


def keepalive_sessions(port, connections, per_connection, outcomes, lock, every=0.0):
    """`connections` client connections one after another, `per_connection` GETs each; the
    connections start `every` seconds apart (paced: a client that does not outrun the mirror)."""
    statuses = {}
    start = time.monotonic()
    for n in range(connections):
        wait = start + n * every - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            stream = HttpStream(sock)
            for _ in range(per_connection):
                sock.sendall(REQUEST)
                status = stream.read_response().status
                statuses[status] = statuses.get(status, 0) + 1
    with lock:
        for status, n in statuses.items():
            outcomes[status] = outcomes.get(status, 0) + n


class FactorTest(MirrorCase):
    def test_factor_2_5_over_10000_requests(self):
        root = tempfile.mkdtemp(prefix="reprise-mirror-root-", dir=self.dir)
        primary = nginx(root)
        self.addCleanup(primary.__exit__)
        shadow = nginx(root)
        self.addCleanup(shadow.__exit__)
        px, adm = self.start_proxy(primary.port, "--threads", "1", "--mirror", f"http://127.0.0.1:{shadow.port}",
                                   "--mirror-factor", "2.5", "--seed", "7", "--drain-timeout", "1s",
                                   # room for every copy of the run: a machine slowed by others
                                   # delays copies, it must not make them drops
                                   "--mirror-queue", "65536")
        self.assertEqual(mirror_state(adm)["factor"], 2.5)

        # Paced at about 1,000 requests a second (2,500 copies a second for the mirror): a client
        # flat out on one worker thread would measure the machine, not the factor. A busy machine
        # only slows the client below the pace.
        threads_n, connections, per_connection, rate = 4, 1000, 10, 1000.0
        every = threads_n * per_connection / rate
        outcomes, lock, errors = {}, threading.Lock(), []

        def run():
            try:
                keepalive_sessions(px.port, connections // threads_n, per_connection, outcomes, lock, every)
            except Exception as e:  # reported below, not lost in the thread
                errors.append(repr(e))
        threads = [threading.Thread(target=run, daemon=True) for _ in range(threads_n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(45)
        self.assertFalse(any(t.is_alive() for t in threads), "the clients did not finish within 45 s")
        self.assertEqual(errors, [])
        self.assertEqual(outcomes, {200: connections * per_connection})

        m = settled(adm, quiet=1.0, timeout=40)
        expected = 2.5 * connections * per_connection
        self.assertLessEqual(abs(m["copies"] - expected), expected / 100, m)
        self.assertLessEqual(abs(m["shadow_users"] - 2.5 * connections), 2.5 * connections / 100, m)
        self.assertEqual(m["dropped"], 0, m)
        self.assertEqual(m["failed"], 0, m)
        self.assertEqual(m["answered"], m["copies"], m)
        # the mirror really got them: nginx's own count (its stub_status request included)
        self.assertAlmostEqual(nginx_stub_status(shadow.port)["requests"] - 1, m["copies"], delta=2)
        self.assertAlmostEqual(nginx_stub_status(primary.port)["requests"] - 1, connections * per_connection,
                               delta=2)


# ---------------------------------------------------------------------------------------------
# 3. The client is shielded from a slow, refusing or resetting mirror


def primary_route(msg, conn):
    """A primary whose answers tell the requests apart: /status/N answers N; the body names the
    request and the length of its body."""
    path = msg.target.split("?")[0]
    body = f"primary {msg.method} {msg.target} body={len(msg.body)}:{msg.body[:40].decode('latin-1')}".encode()
    if path.startswith("/status/"):
        return http_response(int(path[len("/status/"):]), body, [("Content-Type", "text/plain")])
    return http_response(200, body, [("Content-Type", "text/plain")], reason="OK")


WORKLOAD = [("GET", "/items/1", None), ("POST", "/items", b'{"name":"widget"}'), ("GET", "/status/404", None),
            ("PUT", "/items/1", b'{"name":"gadget","n":2}'), ("DELETE", "/items/7", None),
            ("GET", "/items?page=2&size=5", None), ("POST", "/status/201", b'{"created":true}'),
            ("GET", "/status/503", None), ("PATCH", "/items/1", b'{"n":3}'), ("GET", "/items/2", None)]
FRESH = [("GET", f"/fresh/{i}", None) for i in range(5)]


def run_workload(port):
    """The 10 requests of WORKLOAD on one keep-alive connection, then FRESH one per connection:
    [(method, path, status, body, seconds)]."""
    out = []
    c = Client(port)
    try:
        for method, path, body in WORKLOAD:
            status, data, took = c.call(method, path, body)
            out.append((method, path, status, data, took))
    finally:
        c.close()
    for method, path, body in FRESH:
        status, data, took = one_call(port, method, path, body)
        out.append((method, path, status, data, took))
    return out


def delaying_mirror(seconds):
    """A handler answering each request `seconds` after it arrived, one after another on each
    connection (keep-alive)."""
    def handler(conn, probe):
        stream = HttpStream(conn, probe)
        while not probe.closed:
            msg = stream.read_request()
            if msg is None:
                return
            time.sleep(seconds)
            conn.sendall(http_response(200, b'{"mirror": "slow"}', [("Content-Type", "application/json")],
                                       reason="OK"))
    return handler


def resetting_mirror(conn, probe):
    """Reads what comes (a request), then closes with RST (SO_LINGER 0)."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.settimeout(2)
    try:
        data = conn.recv(65536)
        if data:
            probe.record(data)
    except OSError:
        pass


class BadMirrorTest(MirrorCase):
    def baseline(self, primary_port):
        """The workload through a proxy with no mirror."""
        px, _ = self.start_proxy(primary_port, "--threads", "2")
        out = run_workload(px.port)
        px.stop()
        return out

    def check_client_side(self, base, got):
        self.assertEqual([(m, p, s, b) for m, p, s, b, _ in got], [(m, p, s, b) for m, p, s, b, _ in base])
        times = [t for *_, t in got]
        self.assertLess(max(times), 1.5, f"a client request waited for the mirror: {times}")
        self.assertLessEqual(statistics.median(times), statistics.median([t for *_, t in base]) + 0.5, times)

    def check_failures_counted(self, adm, got, requests):
        m = poll("the mirror's failures in GET /mirror", lambda: (lambda s: s if s["failed"] > 0 else None)(
            mirror_state(adm)), 15)
        self.assertEqual(m["answered"], 0, m)
        # a request is counted once its answer is written, which may be just after the client read it
        s = poll("the mirror's failures and every primary request in /metrics", lambda: (lambda x: x if total(
            x, "reprise_http_req_failed_total", mirror_side) > 0 and total(
            x, "reprise_http_reqs_total", primary_side) >= requests else None)(scrape(adm)), 10)
        # the primary's figures are the client's: only its own 4xx/5xx count as its failures
        client_failed = sum(1 for _, _, status, _, _ in got if status >= 400)
        self.assertEqual(total(s, "reprise_http_reqs_total", primary_side), requests)
        self.assertEqual(total(s, "reprise_http_req_failed_total", primary_side), client_failed)

    def test_slow_mirror(self):
        primary = self.probe(keepalive_handler(primary_route))
        base = self.baseline(primary.port)
        mirror = self.probe(delaying_mirror(2.0))
        px, adm = self.start_proxy(primary.port, "--threads", "2", "--mirror", f"http://127.0.0.1:{mirror.port}",
                                   "--drain-timeout", "1s")
        got = run_workload(px.port)
        m = mirror_state(adm)
        self.check_client_side(base, got)
        # the client is done while the mirror still has most of the copies to answer
        requests = len(WORKLOAD) + len(FRESH)
        self.assertLess(m["answered"] + m["failed"], requests, m)
        self.assertGreater(m["pending"] + m["copies"] - m["answered"] - m["failed"], 0, m)
        self.assertEqual(m["dropped"], 0, m)
        # ...and it does get them, one after another per shadow user
        poll("a slow answer counted", lambda: mirror_state(adm)["answered"] >= 1, 10)
        self.assertGreater(mirror.connections, 0)

    def test_refusing_mirror(self):
        primary = self.probe(keepalive_handler(primary_route))
        base = self.baseline(primary.port)
        px, adm = self.start_proxy(primary.port, "--threads", "2", "--mirror", f"http://127.0.0.1:{free_port()}",
                                   "--drain-timeout", "1s")
        got = run_workload(px.port)
        self.check_client_side(base, got)
        self.check_failures_counted(adm, got, len(got))

    def test_resetting_mirror(self):
        primary = self.probe(keepalive_handler(primary_route))
        base = self.baseline(primary.port)
        mirror = self.probe(resetting_mirror)
        px, adm = self.start_proxy(primary.port, "--threads", "2", "--mirror", f"http://127.0.0.1:{mirror.port}",
                                   "--drain-timeout", "1s")
        got = run_workload(px.port)
        self.check_client_side(base, got)
        self.check_failures_counted(adm, got, len(got))
        self.assertGreater(mirror.connections, 0)


# ---------------------------------------------------------------------------------------------
# 4. Bad input, and a mirror down at start


class InputTest(MirrorCase):
    def test_bad_flags_are_one_line_and_exit_1(self):
        url = "http://127.0.0.1:9"
        cases = [(["--mirror", "ftp://x"], "--mirror"),
                 (["--mirror", "not-a-url"], "--mirror"),
                 (["--mirror", url, "--mirror-factor", "-1"], "--mirror-factor"),
                 (["--mirror", url, "--mirror-factor", "abc"], "--mirror-factor"),
                 (["--mirror", url, "--mirror-match", "{bad json"], "--mirror-match")]
        for flags, name in cases:
            with self.subTest(flags=flags):
                code, lines = self.refused_start(*flags)
                self.assertEqual(code, 1, lines)
                self.assertEqual(len(lines), 1, lines)
                self.assertIn(name, lines[0])
                self.assertNotIn("unknown flag", lines[0])

    def test_a_mirror_down_at_start_is_a_warning_and_the_proxy_serves(self):
        primary = self.probe(keepalive_handler(primary_route))
        down = free_port()
        px, adm = self.start_proxy(primary.port, "--threads", "1", "--mirror", f"http://127.0.0.1:{down}",
                                   "--drain-timeout", "1s")

        def warnings():
            return [line for line in px.output().splitlines() if " warning " in line and "mirror" in line.lower()]
        poll("a warning about the mirror", warnings, 10)
        time.sleep(0.3)
        self.assertEqual(len(warnings()), 1, px.output())
        for i in range(3):
            status, body, _ = one_call(px.port, "GET", f"/up/{i}")
            self.assertEqual((status, body), (200, f"primary GET /up/{i} body=0:".encode()))
        self.assertEqual(mirror_state(adm)["url"].rstrip("/"), f"http://127.0.0.1:{down}")


# ---------------------------------------------------------------------------------------------
# 5. The admin API; what is never mirrored


def upgrade_or_ok(conn, probe):
    """A primary that takes WebSocket upgrades (101, then echoes with "ECHO:") and answers
    anything else 200."""
    stream = HttpStream(conn, probe)
    while True:
        msg = stream.read_request()
        if msg is None:
            return
        if msg.header("upgrade", "").lower() == "websocket":
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         b"Sec-WebSocket-Accept: x\r\n\r\n")
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                conn.sendall(b"ECHO:" + data)
        conn.sendall(http_response(200, f"primary {msg.target}".encode(), reason="OK"))


class AdminTest(MirrorCase):
    def test_no_mirror_no_mirror_endpoint(self):
        up = self.counting()
        px, adm = self.start_proxy(up.port, "--threads", "1")
        self.assertEqual(admin(adm, "GET", "/mirror")[0], 404)

    def test_get_and_put_mirror(self):
        primary = self.counting()
        shadow = self.counting()
        px, adm = self.start_proxy(primary.port, "--threads", "1", "--mirror", shadow.url, "--mirror-factor", "1.5",
                                   "--seed", "3", "--drain-timeout", "1s")
        m = mirror_state(adm)
        self.assertEqual(m["factor"], 1.5)
        self.assertEqual(m["url"].rstrip("/"), shadow.url)
        self.assertIsNone(m["match"])
        for key in ("copies", "answered", "failed", "dropped", "shadow_users", "pending"):
            self.assertEqual(m[key], 0, key)
        self.assertEqual(m["skipped"], {"websocket": 0, "body_limit": 0})

        # a session that starts now, kept open across the changes
        kept = Client(px.port)
        self.addCleanup(kept.close)
        for i in range(3):
            self.assertEqual(kept.call("GET", f"/kept/{i}")[0], 200)
        for i in range(4):
            self.assertEqual(one_call(px.port, "GET", f"/before/{i}")[0], 200)
        before = settled(adm)
        self.assertGreater(before["copies"], 0, before)

        # factor 0: no copy more, for the open session as for new ones
        status, text = admin(adm, "PUT", "/mirror", {"factor": 0})
        self.assertEqual(status, 200, text)
        self.assertEqual(json.loads(text)["factor"], 0)
        arrived = shadow.count()
        for i in range(5):
            self.assertEqual(kept.call("GET", f"/stopped/kept/{i}")[0], 200)
            self.assertEqual(one_call(px.port, "GET", f"/stopped/{i}")[0], 200)
        time.sleep(1.0)
        after = settled(adm)
        self.assertEqual(after["copies"], before["copies"], after)
        self.assertEqual(shadow.count(), arrived)
        self.assertFalse(any(target.startswith("/stopped/") for _, target in shadow.requests()))

        # factor 2: new sessions get 2 shadow users each
        status, text = admin(adm, "PUT", "/mirror", {"factor": 2})
        self.assertEqual(status, 200, text)
        self.assertEqual(json.loads(text)["factor"], 2)
        self.assertEqual(mirror_state(adm)["factor"], 2)
        fresh = Client(px.port)
        for i in range(4):
            self.assertEqual(fresh.call("GET", f"/resumed/{i}")[0], 200)
        fresh.close()
        resumed = poll("8 more copies", lambda: (lambda s: s if s["copies"] >= before["copies"] + 8 else None)(
            mirror_state(adm)), 15)
        resumed = settled(adm)
        self.assertEqual(resumed["copies"], before["copies"] + 8, resumed)
        poll("the copies on the mirror", lambda: sum(
            n for (_, target), n in shadow.requests().items() if target.startswith("/resumed/")) == 8, 10)
        self.assertEqual(shadow.requests()[("GET", "/resumed/0")], 2)

        # bad bodies: 400, one line, nothing changed
        for body in (b"{bad json", b'{"factor": -1}', b'{"factor": "two"}', b"[]", b'{"match": "not an object"}'):
            with self.subTest(body=body):
                status, text = admin(adm, "PUT", "/mirror", body)
                self.assertEqual(status, 400, text)
                self.assertEqual(len(text.strip().splitlines()), 1, text)
        self.assertEqual(mirror_state(adm)["factor"], 2)

    def test_websocket_upgrades_are_not_mirrored(self):
        primary = self.probe(upgrade_or_ok)
        shadow = self.counting()
        px, adm = self.start_proxy(primary.port, "--threads", "1", "--mirror", shadow.url, "--drain-timeout", "1s")
        with socket.create_connection(("127.0.0.1", px.port), timeout=10) as sock:
            sock.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
            stream = HttpStream(sock)
            head = stream.read_head()
            self.assertEqual(head.status, 101)
            sock.sendall(b"hello")
            got = stream.buf
            while b"ECHO:hello" not in got:
                data = sock.recv(65536)
                if not data:
                    break
                got += data
            self.assertIn(b"ECHO:hello", got)
        m = poll("the upgrade counted as skipped", lambda: (lambda s: s if s["skipped"]["websocket"] == 1 else None)(
            mirror_state(adm)), 10)
        self.assertEqual(m["copies"], 0, m)
        # an ordinary request through the same proxy is mirrored
        self.assertEqual(one_call(px.port, "GET", "/plain")[:2], (200, b"primary /plain"))
        m = settled(adm)
        self.assertEqual((m["copies"], m["answered"], m["skipped"]["websocket"]), (1, 1, 1), m)
        self.assertEqual(list(shadow.requests()), [("GET", "/plain")])
        s = scrape(adm)
        self.assertEqual(total(s, "reprise_mirror_skipped_total", reason="websocket"), 1)

    def test_bodies_over_the_limit_are_not_mirrored(self):
        primary = self.counting()
        shadow = self.counting()
        px, adm = self.start_proxy(primary.port, "--threads", "1", "--mirror", shadow.url,
                                   "--mirror-body-limit", "1000", "--drain-timeout", "1s")
        small, big = b"s" * 500, b"b" * 5000
        self.assertEqual(one_call(px.port, "POST", "/upload/small", small)[0], 200)
        self.assertEqual(one_call(px.port, "POST", "/upload/big", big)[0], 200)
        # the primary got both, whole
        self.assertEqual(sorted((a[2], len(a[3])) for a in primary.arrivals),
                         [("/upload/big", 5000), ("/upload/small", 500)])
        m = poll("the big body counted as skipped", lambda: (lambda s: s if s["skipped"]["body_limit"] == 1 else None)(
            mirror_state(adm)), 10)
        m = settled(adm)
        self.assertEqual((m["copies"], m["answered"], m["skipped"]["body_limit"]), (1, 1, 1), m)
        self.assertEqual([(a[1], a[2], a[3]) for a in shadow.arrivals], [("POST", "/upload/small", small)])
        s = scrape(adm)
        self.assertEqual(total(s, "reprise_mirror_skipped_total", reason="body_limit"), 1)


# ---------------------------------------------------------------------------------------------
# 6. An https:// mirror: nginx with ssl, its certificate signed by a CA made at test time


MIRROR_NAME = "mirror.test"  # the only name the mirror's certificate carries (not 127.0.0.1)
SESSIONS, PER_SESSION = 4, 5


class HttpsMirrorTest(TlsCase, MirrorCase):
    """--mirror https://127.0.0.1:PORT with --mirror-ca and --mirror-sni. The certificate names
    mirror.test only, so a copy is answered only when the CA file is trusted and the name checked
    is --mirror-sni's (the address, 127.0.0.1, is not in the certificate)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()  # TlsCase: the test CA (cls.pki)
        cls.mirror_cert, cls.mirror_key = cls.pki.issue("mirror", cn=MIRROR_NAME, san=f"DNS:{MIRROR_NAME}")

    def https_nginx(self):
        ng = nginx_tls(self.pki, self.mirror_cert, self.mirror_key)
        self.addCleanup(shutil.rmtree, ng.args[ng.args.index("-p") + 1], True)  # after nginx stopped
        self.addCleanup(ng.__exit__)
        return ng

    def nginx_requests(self, port):
        """nginx's stub_status request count (this request included), read over TLS: the chain is
        verified against the test CA, the name is not (the certificate names mirror.test)."""
        ctx = client_context(self.pki)
        ctx.check_hostname = False
        status, body, *_ = https_get(port, "/nginx_status", self.pki, ctx=ctx)
        self.assertEqual(status, 200, body)
        return int(body.decode().split("\n")[2].split()[2])

    def mirrored_proxy(self, mirror_port, *tls_flags):
        primary = self.probe(keepalive_handler(primary_route))
        return self.start_proxy(primary.port, "--threads", "2", "--mirror", f"https://127.0.0.1:{mirror_port}",
                                *tls_flags, "--drain-timeout", "1s")

    def send_and_check(self, port):
        """SESSIONS keep-alive connections of PER_SESSION GET /json (nginx's 200 on the mirror):
        every answer is the primary's. The number of requests."""
        got, want = [], []
        for s in range(SESSIONS):
            c = Client(port, timeout=20)
            try:
                for n in range(PER_SESSION):
                    target = f"/json?s={s}&n={n}"
                    status, body, _ = c.call("GET", target)
                    got.append((status, body))
                    want.append((200, f"primary GET {target} body=0:".encode()))
            finally:
                c.close()
        self.assertEqual(got, want)
        return len(got)

    def mirror_summary(self, px):
        """The proxy's exit code and its one summary line of the mirror's counts, once stopped."""
        code = px.stop()
        out = px.output()
        lines = [line for line in out.splitlines() if "mirror https://" in line and "copies sent" in line]
        self.assertEqual(len(lines), 1, out[-3000:])
        return code, lines[0]

    def test_copies_answered_by_an_https_mirror_verified_with_ca_and_sni(self):
        ng = self.https_nginx()
        px, adm = self.mirrored_proxy(ng.port, "--mirror-ca", self.pki.ca, "--mirror-sni", MIRROR_NAME)
        requests = self.send_and_check(px.port)

        m = settled(adm, timeout=60)
        self.assertTrue(m["url"].startswith(f"https://127.0.0.1:{ng.port}"), m)
        self.assertEqual((m["copies"], m["answered"], m["failed"], m["dropped"]), (requests, requests, 0, 0), m)
        self.assertEqual(m["shadow_users"], SESSIONS, m)
        # nginx answered every copy over TLS (and this stub_status request)
        self.assertEqual(self.nginx_requests(ng.port), requests + 1)
        s = poll("the mirror's answers in /metrics", lambda: (lambda x: x if total(
            x, "reprise_http_reqs_total", mirror_side) >= requests else None)(scrape(adm)), 20)
        self.assertEqual(total(s, "reprise_http_reqs_total", mirror_side, status=200), requests, mirror_breakdown(s))
        self.assertEqual(total(s, "reprise_http_req_failed_total", mirror_side), 0)

        code, summary = self.mirror_summary(px)
        self.assertEqual(code, 0, px.output()[-3000:])
        self.assertIn(f"{requests} copies sent, {requests} answered, 0 failed, 0 dropped", summary)

    def test_an_untrusted_ca_fails_every_copy_and_the_client_sees_the_primary(self):
        ng = self.https_nginx()
        # the same mirror and name, but no --mirror-ca: the test CA is not among the system's
        px, adm = self.mirrored_proxy(ng.port, "--mirror-sni", MIRROR_NAME)
        requests = self.send_and_check(px.port)

        m = settled(adm, timeout=60)
        self.assertEqual((m["copies"], m["answered"], m["failed"], m["dropped"]), (requests, 0, requests, 0), m)
        # no copy got past the handshake: nginx counted only this stub_status request
        self.assertEqual(self.nginx_requests(ng.port), 1)
        s = poll("the mirror's failures in /metrics", lambda: (lambda x: x if total(
            x, "reprise_http_req_failed_total", mirror_side) >= requests else None)(scrape(adm)), 20)
        self.assertEqual(total(s, "reprise_http_req_failed_total", mirror_side), requests, mirror_breakdown(s))
        self.assertEqual(total(s, "reprise_http_reqs_total", mirror_side, status=0), requests, mirror_breakdown(s))
        # the primary's side is the client's: all answered 200, none failed
        self.assertEqual(total(s, "reprise_http_reqs_total", primary_side, status=200), requests)
        self.assertEqual(total(s, "reprise_http_req_failed_total", primary_side), 0)

        # Why: the verification failure, logged (one line a second at most), and counted at the stop.
        failures = [l for l in px.output().splitlines() if "a copy got no answer" in l]
        self.assertTrue(failures, px.output()[-3000:])
        self.assertIn("certificate", failures[0])
        code, summary = self.mirror_summary(px)
        self.assertEqual(code, 0, px.output()[-3000:])
        self.assertIn(f"{requests} copies sent, 0 answered, {requests} failed, 0 dropped", summary)

    def test_tls_flags_need_an_https_mirror_and_readable_files(self):
        plain = "http://127.0.0.1:9"
        for flags in (["--mirror-ca", self.pki.ca], ["--mirror-sni", MIRROR_NAME], ["--mirror-insecure"],
                      ["--mirror-cert", self.mirror_cert, "--mirror-key", self.mirror_key]):
            with self.subTest(flags=flags):
                code, lines = self.refused_start("--mirror", plain, *flags)
                self.assertEqual(code, 1, lines)
                self.assertEqual(len(lines), 1, lines)
                self.assertIn("--mirror", lines[0])
                self.assertIn("https://", lines[0])
        missing = os.path.join(self.dir, "nonexistent-ca.pem")
        code, lines = self.refused_start("--mirror", "https://127.0.0.1:9", "--mirror-ca", missing)
        self.assertEqual(code, 1, lines)
        self.assertEqual(len(lines), 1, lines)
        self.assertIn(missing, lines[0])


if __name__ == "__main__":
    unittest.main()


# ---------------------------------------------------------------------------------------------
# 6. The mirror's SLA, judged apart from the primary's


class MirrorSlaTest(MirrorCase):
    def test_a_slow_mirror_breaches_its_own_sla_not_the_primarys(self):
        primary = self.counting()
        shadow = self.probe(delaying_mirror(0.3))
        sla = os.path.join(self.dir, "sla.json")
        with open(sla, "w") as f:
            json.dump({"window": "3s", "routes": {"Items": "GET /items/*"},
                       "thresholds": {"http_req_duration{name:Items}": ["p(95)<100"]}}, f)
        px, adm = self.start_proxy(primary.port, "--sla", sla, "--mirror", f"http://127.0.0.1:{shadow.port}",
                                   "--mirror-sla", sla)
        start = time.monotonic()
        while time.monotonic() - start < 1.5:
            status, _, _ = one_call(px.port, "GET", "/items/1")
            self.assertEqual(status, 200)
            time.sleep(0.05)
        poll("the mirror's breach", lambda: "mirror SLA breach started" in px.output(), 15)
        line = next(l for l in px.output().splitlines() if "mirror SLA breach started" in l)
        measured = re.search(r"http_req_duration\{name:Items\} p\(95\)<100 measured ([0-9.]+)", line)
        self.assertIsNotNone(measured, line)
        self.assertGreaterEqual(float(measured.group(1)), 300, line)  # every copy took its 300 ms
        status, body = admin(adm, "GET", "/sla")
        self.assertEqual(status, 200)
        page = json.loads(body)
        self.assertEqual(page["mirror"]["window"], "3s")
        mirror_verdict = next(v for v in page["mirror"]["verdicts"] if v["threshold"] == "http_req_duration{name:Items}")
        self.assertEqual(mirror_verdict["state"], "fail", page)
        primary_verdict = next(v for v in page["verdicts"] if v["threshold"] == "http_req_duration{name:Items}")
        self.assertEqual(primary_verdict["state"], "pass", page)  # the client was never slowed
        samples = scrape(adm)
        self.assertEqual(total(samples, "reprise_threshold_ok", where=mirror_side,
                               threshold="http_req_duration{name:Items}"), 0)
        self.assertEqual(total(samples, "reprise_threshold_ok", where=primary_side,
                               threshold="http_req_duration{name:Items}"), 1)
        # only the mirror's SLA breached
        self.assertFalse([l for l in px.output().splitlines() if "SLA breach started" in l and "mirror SLA" not in l],
                         px.output())
