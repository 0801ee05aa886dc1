"""reprise proxy --faults injects chaos on purpose: delays (fixed, jittered, normal, pareto; before
the request goes upstream or before the answer goes back), aborts with a given status and body,
TCP resets, held-then-closed connections, bandwidth limits, answers sliced into small pieces,
slow closes, Server-Sent Event streams cut after N events or some time, a faked dead upstream;
faults match on method, path, headers; fire for a percentage of requests (reproducibly with
--seed) and inside a time window. The admin API lists, adds, replaces and deletes faults at run
time (behind a bearer token when --admin-token is given), /metrics counts injections, the access
log marks injected exchanges, and a malformed fault file is one line on stderr and exit 1.

Every timing test uses --threads 1 and loopback upstreams run by this file (harness's
CountingUpstream, or a ProbeUpstream serving /big?bytes=N)."""
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import unittest

from prometheus_client.parser import text_string_to_metric_families  # Debian's python3-prometheus-client

from harness import (BIN, CountingUpstream, HttpStream, ProbeUpstream, free_port, http_response,
                     keepalive_handler, proxy, request, wait_port)


def raw_get(path, extra=b""):
    return b"GET " + path.encode() + b" HTTP/1.1\r\nHost: faults.test\r\n" + extra + b"\r\n"


def big_body(n):
    """The same n bytes every time, not all alike, so a reordered or dropped piece shows."""
    return bytes((i * 7 + i // 251) % 256 for i in range(n))


def big_route(msg, conn):
    """/big?bytes=N: N bytes with a Content-Length; anything else: a small 200."""
    path, _, query = msg.target.partition("?")
    if path == "/big":
        n = int(dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("bytes", "1024"))
        return http_response(200, big_body(n), [("Content-Type", "application/octet-stream")], reason="OK")
    return http_response(200, b"small", reason="OK")


def read_until(sock, timeout, complete=lambda data: False):
    """Reads until `complete(data)`, EOF, RST or `timeout`:
    (bytes, "complete" | "eof" | "reset" | "timeout", [(time, length) of each recv()])."""
    out, pieces = b"", []
    end = time.monotonic() + timeout
    while not complete(out):
        left = end - time.monotonic()
        if left <= 0:
            return out, "timeout", pieces
        sock.settimeout(left)
        try:
            piece = sock.recv(65536)
        except socket.timeout:
            return out, "timeout", pieces
        except ConnectionResetError:
            return out, "reset", pieces
        if not piece:
            return out, "eof", pieces
        pieces.append((time.monotonic(), len(piece)))
        out += piece
    return out, "complete", pieces


def read_to_end(sock, timeout):
    """Reads until EOF, RST or `timeout`."""
    return read_until(sock, timeout)


def response_complete(data):
    """True once `data` holds a whole Content-Length response."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value.strip())
    return False


def read_response(sock, timeout):
    """Reads one Content-Length response without waiting for the close."""
    return read_until(sock, timeout, response_complete)


def status_and_body(data):
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1."):
        return None, body
    return int(head.split(b" ", 2)[1]), body


def sse_events(body):
    """(complete events, bytes after the last complete one) of a text/event-stream body."""
    parts = body.replace(b"\r\n", b"\n").split(b"\n\n")
    return parts[:-1], parts[-1]


def admin_call(port, method, path, body=None, token=None, headers=None):
    """(status, body bytes) of a call to the admin address."""
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    status, _, data = request(port, method, path, headers=h, body=body, timeout=5)
    return status, data


def injected(port, token=None):
    """{fault name: reprise_faults_injected_total} read through prometheus_client's parser."""
    status, text = admin_call(port, "GET", "/metrics", token=token)
    if status != 200:
        raise AssertionError(f"/metrics answered {status}: {text[:300]!r}")
    out = {}
    for family in text_string_to_metric_families(text.decode()):
        for s in family.samples:
            if s.name == "reprise_faults_injected_total":
                out[s.labels.get("name")] = out.get(s.labels.get("name"), 0) + s.value
    return out


def contains(actual, expected):
    """True when `actual` holds everything `expected` holds (dicts recursively; extra keys, such
    as defaults filled in, are allowed)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and contains(actual[k], v) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) == len(expected) and all(
            contains(a, e) for a, e in zip(actual, expected))
    return actual == expected


def median_ms(values):
    return statistics.median(values) * 1000


class FaultsCase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="reprise-faults-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def counting(self):
        up = CountingUpstream()
        self.addCleanup(up.close)
        return up

    def big_upstream(self):
        up = ProbeUpstream(keepalive_handler(big_route))
        self.addCleanup(up.close)
        return up

    def fault_file(self, faults, name="faults.json"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(faults if isinstance(faults, str) else json.dumps({"faults": faults}))
        return path

    def start(self, upstream_port, faults, *flags, admin=False, token=None, threads=1):
        """A proxy with these faults (and --admin on a free port when asked): (proxy, admin port)."""
        args = ["--faults", self.fault_file(faults), "--threads", str(threads), *flags]
        admin_port = None
        if admin:
            admin_port = free_port()
            args += ["--admin", f"127.0.0.1:{admin_port}"]
        if token is not None:
            args += ["--admin-token", token]
        px = proxy(upstream_port, *args)
        self.addCleanup(px.__exit__)
        if admin_port is not None:
            wait_port(admin_port, proc=px.popen)
        return px, admin_port

    def connection(self, port):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.addCleanup(conn.close)
        return conn

    @staticmethod
    def timed_get(conn, path, headers=None):
        """(status, body, seconds) of one GET on a persistent connection."""
        start = time.monotonic()
        conn.request("GET", path, headers=headers or {})
        res = conn.getresponse()
        body = res.read()
        return res.status, body, time.monotonic() - start


class DelayTest(FaultsCase):
    # What holds on any machine: a delayed exchange takes at least its delay, and the delay sits
    # where the direction says. The drawn delays are read from the access log's fault_wait; how
    # close the proxy keeps to them is a figure for `make bench`, not a test.
    def logged_waits(self, px, log, count):
        """{target: fault_wait in seconds, or None} of the access log once `count` lines are in."""
        self.assertEqual(px.stop(), 0)  # the log is complete once the proxy has exited
        with open(log) as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), count, lines)
        waits = {}
        for line in lines:
            target = line.split('"')[1].split(" ")[1]
            wait = re.search(r" fault_wait=([0-9.]+)ms", line)
            waits[target] = float(wait.group(1)) / 1000 if wait else None
        return waits

    def test_fixed_delay_upstream_and_downstream(self):
        up = self.counting()
        log = os.path.join(self.dir, "access.log")
        px, _ = self.start(up.port, [
            {"name": "up-delay", "match": {"path": "/up/*"}, "direction": "upstream", "delay": {"fixed": "100ms"}},
            {"name": "down-delay", "match": {"path": "/down/*"}, "direction": "downstream",
             "delay": {"fixed": "100ms"}},
        ], "--access-log", log)
        conn = self.connection(px.port)
        sent, answered, took = {}, {}, {"up": [], "down": [], "plain": []}
        for i in range(30):
            kinds = ("up", "plain") if i < 20 else ("down", "plain")
            for kind in kinds:
                path = f"/{kind}/{i}"
                sent[path] = time.monotonic()
                status, _, seconds = self.timed_get(conn, path)
                answered[path] = time.monotonic()
                self.assertEqual(status, 200, path)
                took[kind].append(seconds)
        waits = self.logged_waits(px, log, 60)
        for path, wait in waits.items():
            self.assertEqual(wait, None if path.startswith("/plain/") else 0.1, path)
        self.assertGreaterEqual(min(took["up"] + took["down"]), 0.1)
        # a sanity bound, not a figure: the delay is 100 ms, not seconds
        self.assertLess(statistics.median(took["up"] + took["down"]), 1.0)
        # where the delay sits: upstream holds the request back, downstream holds the answer
        arrived = {a[2]: a[0] for a in list(up.arrivals)}
        up_wait = [arrived[f"/up/{i}"] - sent[f"/up/{i}"] for i in range(20)]
        down_held = [answered[f"/down/{i}"] - arrived[f"/down/{i}"] for i in range(20, 30)]
        self.assertGreaterEqual(min(up_wait), 0.1, "an upstream-direction request reached the upstream early")
        self.assertGreaterEqual(min(down_held), 0.1, "a downstream-direction answer was not held back")

    def test_jitter_normal_and_pareto_delays(self):
        up = self.counting()
        log = os.path.join(self.dir, "access.log")
        px, _ = self.start(up.port, [
            {"name": "jit", "match": {"path": "/jit/*"}, "delay": {"fixed": "100ms", "jitter": "50ms"}},
            {"name": "norm", "match": {"path": "/norm/*"},
             "delay": {"distribution": "normal", "mean": "100ms", "stddev": "10ms"}},
            {"name": "par", "match": {"path": "/par/*"},
             "delay": {"distribution": "pareto", "scale": "50ms", "shape": 2}},
        ], "--seed", "5", "--access-log", log)  # seeded: the draws are decided, not a 1-in-300 chance
        conn = self.connection(px.port)
        took = {}
        for i in range(15):
            for kind in ("jit", "norm", "par"):
                status, _, seconds = self.timed_get(conn, f"/{kind}/{i}")
                self.assertEqual(status, 200)
                took[f"/{kind}/{i}"] = seconds
        waits = self.logged_waits(px, log, 45)
        for path, seconds in took.items():
            self.assertGreaterEqual(seconds, waits[path], f"{path} answered before its drawn delay")
        drawn = {kind: [waits[f"/{kind}/{i}"] for i in range(15)] for kind in ("jit", "norm", "par")}
        ms = {k: [round(x * 1000, 1) for x in v] for k, v in drawn.items()}
        # jitter: within fixed ± jitter, and not all the same
        self.assertGreaterEqual(min(drawn["jit"]), 0.05, ms["jit"])
        self.assertLessEqual(max(drawn["jit"]), 0.15, ms["jit"])
        self.assertGreater(max(drawn["jit"]) - min(drawn["jit"]), 0.01, ms["jit"])
        # normal(100 ms, 10 ms): median near the mean, a real spread
        self.assertAlmostEqual(statistics.median(drawn["norm"]), 0.1, delta=0.01, msg=ms["norm"])
        self.assertGreater(statistics.stdev(drawn["norm"]), 0.003, ms["norm"])
        # pareto(scale 50 ms, shape 2): never below the scale, median 50·2^(1/2) ≈ 71 ms
        self.assertGreaterEqual(min(drawn["par"]), 0.05, ms["par"])
        self.assertLessEqual(statistics.median(drawn["par"]), 0.12, ms["par"])
        self.assertGreater(max(drawn["par"]) - min(drawn["par"]), 0.005, ms["par"])


class MatchTest(FaultsCase):
    def test_method_path_and_header_must_all_match(self):
        up = self.counting()
        px, _ = self.start(up.port, [
            {"name": "send", "match": {"method": "POST", "path": "/api/chat/rooms/*/messages", "header": {"X-A": "1"}},
             "abort": {"status": 503, "body": "matched"}},
        ])
        cases = [
            ("POST", "/api/chat/rooms/42/messages", {"X-A": "1"}, 503),
            ("POST", "/api/chat/rooms/7/messages", {"x-a": "1"}, 503),  # header names are case-insensitive
            ("GET", "/api/chat/rooms/42/messages", {"X-A": "1"}, 200),
            ("POST", "/api/chat/rooms/42/messages", {}, 200),
            ("POST", "/api/chat/rooms/42/messages", {"X-A": "2"}, 200),
            ("POST", "/api/chat/rooms/42/members", {"X-A": "1"}, 200),
            ("POST", "/api/chat/users/42/messages", {"X-A": "1"}, 200),
        ]
        for method, path, headers, want in cases:
            status, _, body = request(px.port, method, path, headers=headers, body=b"{}", timeout=5)
            self.assertEqual(status, want, (method, path, headers))
            if want == 503:
                self.assertEqual(body, b"matched")
        up.wait_quiet(0.2, 5)
        self.assertEqual(up.count(), 5, up.requests())


class AbortTest(FaultsCase):
    def test_twenty_percent_of_2000_keepalive_requests_are_aborted(self):
        up = self.counting()
        # seeded, so that the test is decided: an unseeded draw lands outside a 99 % interval once in 100 runs
        px, _ = self.start(up.port, [{"name": "ab20", "percent": 20, "abort": {"status": 503, "body": "try later"}}],
                           "--seed", "20")
        conn = self.connection(px.port)
        aborted, other = 0, {}
        for i in range(2000):
            conn.request("GET", f"/a/{i}")
            res = conn.getresponse()
            body = res.read()
            if res.status == 503:
                aborted += 1
                self.assertEqual(body, b"try later")
            elif res.status != 200:
                other[res.status] = other.get(res.status, 0) + 1
        self.assertEqual(other, {})
        # binomial(2000, 0.2): mean 400, sd 17.9, 99 % interval 400 ± 2.576 sd
        self.assertTrue(354 <= aborted <= 446, f"{aborted} of 2000 aborted")
        up.wait_quiet(0.3, 10)
        self.assertEqual(up.count(), 2000 - aborted)


    def test_an_abort_of_head_has_no_body_and_the_connection_goes_on(self):
        up = self.counting()
        px, _ = self.start(up.port, [{"name": "h", "match": {"method": "HEAD"}, "abort": {"status": 503, "body": "later"}}])
        with socket.create_connection(("127.0.0.1", px.port), timeout=5) as s:
            s.sendall(b"HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n" + raw_get("/after"))
            data, how, _ = read_until(s, 5, lambda d: d.count(b"HTTP/1.1 ") == 2 and response_complete(
                d[d.index(b"HTTP/1.1 ", 1):]))
        self.assertEqual(how, "complete", data)
        first, second = data[:data.index(b"HTTP/1.1 ", 1)], data[data.index(b"HTTP/1.1 ", 1):]
        self.assertTrue(first.startswith(b"HTTP/1.1 503"), first)
        self.assertIn(b"Content-Length: 5", first)
        self.assertTrue(first.endswith(b"\r\n\r\n"), "no body after the head of a HEAD answer")
        self.assertEqual(status_and_body(second)[0], 200)

    def test_a_delay_and_an_abort_on_one_request_both_act(self):
        up = self.counting()
        px, _ = self.start(up.port, [{"name": "d", "delay": {"fixed": "300ms"}},
                                     {"name": "a", "abort": {"status": 503}}])
        status, _, seconds = self.timed_get(self.connection(px.port), "/x")
        self.assertEqual(status, 503)
        self.assertGreaterEqual(seconds, 0.29)


class ResetTest(FaultsCase):
    def test_client_gets_a_tcp_reset_and_no_answer(self):
        up = self.counting()
        px, _ = self.start(up.port, [{"name": "rst", "match": {"path": "/reset"}, "reset": {}}])
        for _ in range(2):
            with socket.create_connection(("127.0.0.1", px.port), timeout=5) as s:
                s.sendall(raw_get("/reset"))
                data, how, _ = read_to_end(s, 3)
            self.assertEqual(how, "reset", f"expected ECONNRESET, got {how} after {data[:200]!r}")
            self.assertEqual(data, b"")
        # the proxy is still there for requests the fault does not match
        self.assertEqual(request(px.port, "GET", "/fine", timeout=5)[0], 200)


class TimeoutTest(FaultsCase):
    def test_no_bytes_then_eof_after_hold(self):
        up = self.counting()
        px, _ = self.start(up.port, [{"name": "hold", "match": {"path": "/hold"}, "timeout": {"hold": "600ms"}}])
        with socket.create_connection(("127.0.0.1", px.port), timeout=5) as s:
            start = time.monotonic()
            s.sendall(raw_get("/hold"))
            data, how, _ = read_to_end(s, 3)
            elapsed = time.monotonic() - start
        self.assertEqual(how, "eof", f"{how} after {elapsed:.2f}s")
        self.assertEqual(data, b"")
        self.assertGreaterEqual(elapsed, 0.6)
        self.assertLess(elapsed, 2.5, "the hold ends by itself")

    def test_a_client_that_leaves_ends_its_hold(self):
        up = self.counting()
        px, _ = self.start(up.port, [{"name": "hold", "match": {"path": "/hold"}, "timeout": {"hold": "10s"}}],
                           "--max-connections", "1")
        with socket.create_connection(("127.0.0.1", px.port), timeout=5) as s:
            s.sendall(raw_get("/hold"))
            time.sleep(0.3)  # the client gives up
        time.sleep(0.3)
        status, _, _ = self.timed_get(self.connection(px.port), "/after")
        self.assertEqual(status, 200, "the held connection went with its client, not after 10 s")


class BandwidthTest(FaultsCase):
    def test_50_kb_at_10_kb_per_second_takes_5_seconds(self):
        up = self.big_upstream()
        px, _ = self.start(up.port, [{"name": "bw", "match": {"path": "/big"}, "bandwidth": {"bytes_per_sec": 10240}}])
        with socket.create_connection(("127.0.0.1", px.port), timeout=5) as s:
            start = time.monotonic()
            s.sendall(raw_get("/big?bytes=51200"))
            data, how, pieces = read_response(s, 12)
            elapsed = time.monotonic() - start
        self.assertEqual(how, "complete", f"{how} after {elapsed:.2f}s with {len(data)} bytes")
        status, body = status_and_body(data)
        self.assertEqual(status, 200)
        self.assertEqual(body, big_body(51200))
        # A twentieth of the rate every 50 ms: never ahead of the rate at any moment (what holds
        # on any machine; a slow one only falls behind), so the whole takes at least 5 s less one tick.
        self.assertGreaterEqual(elapsed, 4.9)
        received = 0
        for t, n in pieces:
            received += n
            self.assertLessEqual(received, 10240 * (t - start) + 512 + 200, f"{received} bytes by {t - start:.2f}s")
        # a trickle, not one burst at the end
        self.assertGreaterEqual(len(pieces), 10)


    def test_a_request_body_upstream_at_10_kb_per_second(self):
        up = self.counting()
        px, _ = self.start(up.port, [{"name": "up", "direction": "upstream", "match": {"method": "POST"},
                                      "bandwidth": {"bytes_per_sec": 10240}}])
        body = b"x" * 20480
        start = time.monotonic()
        conn = self.connection(px.port)
        conn.request("POST", "/upload", body=body, headers={"Content-Type": "application/octet-stream"})
        res = conn.getresponse()
        res.read()
        elapsed = time.monotonic() - start
        self.assertEqual(res.status, 200)
        self.assertEqual(up.arrivals[-1][3], body, "the whole body reached the upstream")
        self.assertGreaterEqual(elapsed, 1.95)  # 20 KiB at 10 KiB/s, less the first tick
        self.assertLess(elapsed, 6.0)


class SliceTest(FaultsCase):
    def test_answer_arrives_in_small_pieces_spread_in_time(self):
        up = self.big_upstream()
        px, _ = self.start(up.port, [{"name": "sl", "match": {"path": "/big"},
                                      "slice": {"bytes": 64, "pause": "20ms"}}])
        with socket.create_connection(("127.0.0.1", px.port), timeout=5) as s:
            start = time.monotonic()
            s.sendall(raw_get("/big?bytes=1024"))
            data, how, pieces = read_response(s, 5)
            elapsed = time.monotonic() - start
        self.assertEqual(how, "complete", f"{how} after {elapsed:.2f}s")
        status, body = status_and_body(data)
        self.assertEqual(status, 200)
        self.assertEqual(body, big_body(1024))
        self.assertGreaterEqual(len(pieces), 10, [n for _, n in pieces])
        self.assertGreaterEqual(elapsed, 14 * 0.020 * 0.8)


class SlowCloseTest(FaultsCase):
    def test_whole_answer_at_once_then_eof_a_second_later(self):
        up = self.counting()
        px, _ = self.start(up.port, [{"name": "sc", "match": {"path": "/sc"}, "slow_close": {"delay": "1s"}}])
        with socket.create_connection(("127.0.0.1", px.port), timeout=5) as s:
            start = time.monotonic()
            s.sendall(raw_get("/sc"))  # HTTP/1.1 without Connection: close: keep-alive
            data, how, _ = read_response(s, 3)
            answered = time.monotonic()
            rest, end_how, _ = read_to_end(s, 3)
            closed = time.monotonic()
        self.assertEqual(how, "complete", data[:300])
        self.assertEqual(status_and_body(data), (200, CountingUpstream.BODY))
        self.assertEqual(end_how, "eof", f"{end_how} {closed - answered:.2f}s after the answer")
        self.assertEqual(rest, b"")
        # the answer came whole, well before the close, which waited its second (less what the
        # client took to read the answer on a busy machine)
        self.assertGreaterEqual(closed - answered, 0.8)
        self.assertLess(closed - answered, 2.9)


class SseDropTest(FaultsCase):
    def read_stream(self, port, path):
        """(body bytes received before the end, seconds from the request to the end)."""
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            start = time.monotonic()
            s.sendall(raw_get(path, b"Accept: text/event-stream\r\n"))
            stream = HttpStream(s)
            head = stream.read_head()
            self.assertIsNotNone(head)
            self.assertEqual(head.status, 200)
            self.assertIn("text/event-stream", head.header("content-type", ""))
            body = b""
            try:
                for piece in stream.body_pieces(head):
                    body += piece
            except EOFError:
                pass
            except socket.timeout:
                self.fail(f"stream not cut within 5s; got {body!r}")
            if not stream.eof:  # the body ended cleanly: the connection must still close
                rest, how, _ = read_to_end(s, 3)
                self.assertEqual((rest, how), (b"", "eof"))
            return body, time.monotonic() - start

    def test_cut_after_exactly_three_events(self):
        up = self.counting()
        px, _ = self.start(up.port, [{"name": "drop3", "match": {"path": "/events"}, "sse_drop": {"after_events": 3}}])
        body, elapsed = self.read_stream(px.port, "/events?n=10&every_ms=50")
        events, tail = sse_events(body)
        self.assertEqual(len(events), 3, body)
        self.assertEqual(tail, b"", body)
        self.assertEqual([e.split(b"data: ")[1] for e in events], [b'{"n":0}', b'{"n":1}', b'{"n":2}'])
        self.assertLess(elapsed, 4.0)  # the upstream's stream stays open: only the cut ends it

    def test_heartbeats_and_retry_blocks_are_not_events(self):
        # A browser's EventSource dispatches only blocks with data: the cut comes after the third
        # of those, whatever comment and retry-only blocks came between them.
        up = self.counting()
        px, _ = self.start(up.port, [{"name": "drop3", "match": {"path": "/events"}, "sse_drop": {"after_events": 3}}])
        body, _ = self.read_stream(px.port, "/events?n=10&every_ms=50&heartbeat=1")
        data = [line for line in body.replace(b"\r\n", b"\n").split(b"\n") if line.startswith(b"data: ")]
        self.assertEqual(data, [b'data: {"n":0}', b'data: {"n":1}', b'data: {"n":2}'], body)
        self.assertTrue(body.endswith(b'data: {"n":2}\n\n'), body)

    def test_cut_after_a_time(self):
        up = self.counting()
        px, _ = self.start(up.port, [{"name": "drop-t", "match": {"path": "/events"}, "sse_drop": {"after": "300ms"}}])
        body, elapsed = self.read_stream(px.port, "/events?n=40&every_ms=50")
        events, tail = sse_events(body)
        # not before its time, and a cut (the upstream would send 40 events over 2 s, then hold)
        self.assertGreaterEqual(elapsed, 0.3)
        self.assertLess(len(events), 40, f"{len(events)} events in {elapsed:.2f}s")
        self.assertEqual(tail, b"", "the stream is cut between events")


class UpstreamDownTest(FaultsCase):
    def test_502_and_the_upstream_sees_nothing(self):
        up = self.counting()
        px, _ = self.start(up.port, [{"name": "down", "match": {"path": "/down"}, "upstream_down": {}}])
        for _ in range(3):
            self.assertEqual(request(px.port, "GET", "/down", timeout=5)[0], 502)
        time.sleep(0.1)
        self.assertEqual(up.count(), 0)
        self.assertEqual(up.connections, 0)
        self.assertEqual(request(px.port, "GET", "/up", timeout=5)[0], 200)  # the upstream is really there
        self.assertEqual(list(up.requests()), [("GET", "/up")])


class WindowTest(FaultsCase):
    def test_fault_only_between_2s_and_4s_after_start(self):
        # The window counts from the proxy's start, which lies somewhere between the moment the
        # test launches it and the moment its port answers (longer on a busy machine, or under a
        # sanitizer): a request is judged only where it is inside or outside the window for any
        # start in that span.
        up = self.counting()
        launched = time.monotonic()
        px, _ = self.start(up.port, [{"name": "win", "percent": 100, "window": {"start": "2s", "end": "4s"},
                                      "abort": {"status": 503, "body": "window"}}])
        ready = time.monotonic()
        conn = self.connection(px.port)
        seen = []  # (sent, answered, status), seconds from `launched`
        tick = 0
        while True:
            at = ready + tick * 0.1
            tick += 1
            if at - ready > 5.0:
                break
            now = time.monotonic()
            if at > now:
                time.sleep(at - now)
            sent = time.monotonic()
            status, _, _ = self.timed_get(conn, f"/w/{tick}")
            seen.append((sent - launched, time.monotonic() - launched, status))
        late = ready - launched  # the latest the proxy can have started, from `launched`
        # Judged on the times as taken; rounded only to be read in a failure's message (a time
        # rounded up across a window's edge would judge a request on the wrong side of it).
        shown = (round(late, 3), [(round(a, 3), round(b, 3), s) for a, b, s in seen])
        before = [s for sent, answered, s in seen if answered < 2.0]
        inside = [s for sent, answered, s in seen if sent >= 2.0 + late and answered <= 4.0]
        after = [s for sent, answered, s in seen if sent > 4.0 + late]
        self.assertTrue(before and inside and after, shown)
        self.assertEqual(set(before), {200}, shown)
        self.assertEqual(set(inside), {503}, shown)
        self.assertEqual(set(after), {200}, shown)
        runs = [s for i, (_, _, s) in enumerate(seen) if i == 0 or seen[i - 1][2] != s]
        self.assertEqual(runs, [200, 503, 200], shown)


class AdminTest(FaultsCase):
    FILE_FAULTS = [
        {"name": "slow-never", "match": {"method": "POST", "path": "/never/*/x", "header": {"X-A": "1"}},
         "percent": 50, "direction": "downstream", "delay": {"fixed": "200ms", "jitter": "50ms"}},
        {"name": "file-abort", "match": {"path": "/file-abort"}, "abort": {"status": 503, "body": "from file"}},
    ]

    def test_list_add_replace_delete_and_count(self):
        up = self.counting()
        px, admin = self.start(up.port, self.FILE_FAULTS, admin=True)
        self.assertEqual(admin_call(admin, "GET", "/healthz")[0], 200)

        status, body = admin_call(admin, "GET", "/faults")
        self.assertEqual(status, 200, body)
        listed = json.loads(body)["faults"]
        self.assertTrue(contains(listed, self.FILE_FAULTS), listed)

        for _ in range(3):
            self.assertEqual(request(px.port, "GET", "/file-abort", timeout=5)[::2], (503, b"from file"))
        self.assertEqual(request(px.port, "GET", "/api/0", timeout=5)[0], 200)

        fault = {"name": "api-abort", "match": {"path": "/api/*"}, "abort": {"status": 503, "body": "posted"}}
        status, body = admin_call(admin, "POST", "/faults", fault)
        self.assertEqual(status, 201, body)
        self.assertEqual(request(px.port, "GET", "/api/1", timeout=5)[::2], (503, b"posted"))
        self.assertEqual(admin_call(admin, "POST", "/faults", fault)[0], 409)

        status, body = admin_call(admin, "GET", "/faults/api-abort")
        self.assertEqual(status, 200, body)
        self.assertTrue(contains(json.loads(body), fault), body)

        counts = self.wait_counts(admin, {"file-abort": 3, "api-abort": 1})
        self.assertNotIn("slow-never", {k for k, v in counts.items() if v})

        replaced = dict(fault, abort={"status": 418, "body": "teapot"})
        status, body = admin_call(admin, "PUT", "/faults/api-abort", replaced)
        self.assertEqual(status, 200, body)
        self.assertEqual(request(px.port, "GET", "/api/2", timeout=5)[::2], (418, b"teapot"))
        extra = {"name": "extra", "match": {"path": "/never"}, "abort": {"status": 500}}
        self.assertEqual(admin_call(admin, "PUT", "/faults/extra", extra)[0], 201)
        names = [f["name"] for f in json.loads(admin_call(admin, "GET", "/faults")[1])["faults"]]
        self.assertEqual(sorted(names), ["api-abort", "extra", "file-abort", "slow-never"])

        self.assertEqual(admin_call(admin, "DELETE", "/faults/api-abort")[0], 204)
        self.assertEqual(request(px.port, "GET", "/api/3", timeout=5)[0], 200)
        self.assertEqual(admin_call(admin, "DELETE", "/faults/api-abort")[0], 404)
        self.assertEqual(admin_call(admin, "GET", "/faults/api-abort")[0], 404)
        self.assertEqual(admin_call(admin, "GET", "/faults/nothing")[0], 404)

        up.wait_quiet(0.2, 5)
        self.assertEqual(sorted(t for _, t in up.requests()), ["/api/0", "/api/3"])

    def test_malformed_bodies_are_400_with_an_error(self):
        up = self.counting()
        px, admin = self.start(up.port, [], admin=True)
        # 1e999: a number no double holds, which aborted the proxy (found by tests/fuzz/faults.cpp)
        bad = [b"{not json", {"name": "no-kind"}, {"name": "bad-duration", "delay": {"fixed": "soon"}},
               {"name": "bad-percent", "percent": 150, "abort": {"status": 503}}, {"abort": {"status": 503}},
               b'{"name": "huge", "abort": {"status": 1e999}}']
        for body in bad:
            status, answer = admin_call(admin, "POST", "/faults", body,
                                        headers={"Content-Type": "application/json"})
            self.assertEqual(status, 400, (body, answer))
            error = json.loads(answer)["error"]
            self.assertIsInstance(error, str)
            self.assertTrue(error)
        self.assertEqual(json.loads(admin_call(admin, "GET", "/faults")[1])["faults"], [])
        self.assertEqual(request(px.port, "GET", "/still/fine", timeout=5)[0], 200)

    def wait_counts(self, admin, want, timeout=5.0):
        end = time.monotonic() + timeout
        while True:
            counts = injected(admin)
            if all(counts.get(k) == v for k, v in want.items()) or time.monotonic() > end:
                break
            time.sleep(0.05)
        for name, value in want.items():
            self.assertEqual(counts.get(name), value, counts)
        return counts


class TokenTest(FaultsCase):
    def test_every_admin_call_needs_the_bearer_token(self):
        up = self.counting()
        _, admin = self.start(up.port, [], admin=True, token="s3cret")
        for path in ("/faults", "/metrics"):
            self.assertEqual(admin_call(admin, "GET", path)[0], 401, path)
            self.assertEqual(admin_call(admin, "GET", path, token="wrong")[0], 401, path)
            self.assertEqual(admin_call(admin, "GET", path, headers={"Authorization": "s3cret"})[0], 401, path)
            self.assertEqual(admin_call(admin, "GET", path, token="s3cret")[0], 200, path)
            self.assertEqual(admin_call(admin, "GET", path, headers={"Authorization": "bearer  s3cret"})[0], 200,
                             "the scheme in any case (RFC 9110)")
            self.assertEqual(admin_call(admin, "GET", path, headers={"Authorization": "Bearer s3cre"})[0], 401, path)
        fault = {"name": "sneaky", "abort": {"status": 503}}
        self.assertEqual(admin_call(admin, "POST", "/faults", fault)[0], 401)
        self.assertEqual(admin_call(admin, "GET", "/faults/sneaky", token="s3cret")[0], 404)
        self.assertEqual(admin_call(admin, "POST", "/faults", fault, token="s3cret")[0], 201)

    def test_non_loopback_admin_without_token_is_refused_before_binding(self):
        # Never let a binary that does not know --admin-token near a non-loopback address: it
        # would bind it. And when unshare can, run it in an empty network namespace anyway.
        usage = subprocess.run([BIN, "proxy", "--help"], capture_output=True, text=True, timeout=10)
        if "--admin-token" not in usage.stdout + usage.stderr:
            self.fail("the binary has no --admin-token option; not starting it with --admin 0.0.0.0:0")
        up = self.counting()
        args = [BIN, "proxy", "--listen", f"127.0.0.1:{free_port()}", "--upstream", f"http://127.0.0.1:{up.port}",
                "--faults", self.fault_file([]), "--threads", "1", "--admin", "0.0.0.0:0"]
        isolated = subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=10).returncode == 0 \
            if shutil.which("unshare") else False
        run = subprocess.run((["unshare", "-n"] if isolated else []) + args, capture_output=True, text=True,
                             timeout=5)
        self.assertEqual(run.returncode, 1, run.stderr)
        lines = run.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, run.stderr)
        self.assertIn("token", lines[0].lower())


class SeedTest(FaultsCase):
    def pattern(self, up, seed):
        with proxy(up.port, "--faults", self.fault_file([{"name": "p30", "percent": 30, "abort": {"status": 503}}]),
                   "--threads", "1", "--seed", str(seed)) as px:
            conn = http.client.HTTPConnection("127.0.0.1", px.port, timeout=10)
            try:
                hits = []
                for i in range(200):
                    status, _, _ = self.timed_get(conn, f"/s/{i}")
                    self.assertIn(status, (200, 503))
                    hits.append(status == 503)
            finally:
                conn.close()
        self.assertTrue(33 <= sum(hits) <= 87, f"seed {seed}: {sum(hits)} of 200 hit at 30 %")
        return hits

    def test_same_seed_same_hits_other_seed_other_hits(self):
        up = self.counting()
        first, second, other = self.pattern(up, 7), self.pattern(up, 7), self.pattern(up, 8)
        self.assertEqual(first, second)
        self.assertNotEqual(first, other)


class MalformedFileTest(FaultsCase):
    def test_one_line_naming_file_and_field_then_exit_1(self):
        up = self.counting()
        cases = [
            ('{"faults": [{"name": "x", "delay": {"fixed": "soon"}}]}', "faults[0].delay.fixed"),
            ('{"faults": [{"name": "x", "percent": 150, "abort": {"status": 503}}]}', "faults[0].percent"),
            ('{"faults": [{"name": "x", "direction": "sideways", "delay": {"fixed": "1ms"}}]}',
             "faults[0].direction"),
            ('{"faults": [{"name": "x", "explode": {}}]}', "faults[0]"),
            ('{"faults": [{"name": "x", "window": {"start": "later"}, "abort": {"status": 503}}]}',
             "faults[0].window"),
            ('{"faults": [{"name": "ok", "abort": {"status": 503}}, {"name": "y", "abort": {"status": "soon"}}]}',
             "faults[1].abort.status"),
            ('{"faults": [{"name": "x", "abort": {"status": 503}}', None),  # not JSON
        ]
        for n, (text, field) in enumerate(cases):
            path = self.fault_file(text, f"bad-{n}.json")
            run = subprocess.run([BIN, "proxy", "--listen", f"127.0.0.1:{free_port()}", "--upstream",
                                  f"http://127.0.0.1:{up.port}", "--faults", path, "--threads", "1"],
                                 capture_output=True, text=True, timeout=5)
            self.assertEqual(run.returncode, 1, (text, run.stderr))
            lines = run.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, (text, run.stderr))
            self.assertTrue(lines[0].startswith(f"reprise: {path}:"), (text, lines[0]))  # main prefixes every error
            if field:
                self.assertIn(field, lines[0], text)
        self.assertEqual(up.connections, 0)


class AccessLogTest(FaultsCase):
    def test_injected_exchanges_are_marked(self):
        up = self.counting()
        log = os.path.join(self.dir, "access.log")
        px, _ = self.start(up.port, [
            {"name": "logged-abort", "match": {"path": "/logged"}, "abort": {"status": 503, "body": "x"}},
            {"name": "logged-delay", "match": {"path": "/delayed"}, "delay": {"fixed": "10ms"}},
        ], "--access-log", log)
        self.assertEqual(request(px.port, "GET", "/logged", timeout=5)[0], 503)
        self.assertEqual(request(px.port, "GET", "/delayed", timeout=5)[0], 200)
        self.assertEqual(request(px.port, "GET", "/clean", timeout=5)[0], 200)
        time.sleep(0.2)  # the client may read an answer a moment before the worker logs the exchange
        self.assertEqual(px.stop(), 0)  # the log is complete (flushed) once the proxy has exited
        with open(log) as f:
            lines = f.read().splitlines()

        def line_for(target):
            found = [l for l in lines if f" {target} " in l or f" {target}\"" in l]
            self.assertEqual(len(found), 1, (target, lines))
            return found[0]

        self.assertIn("fault=logged-abort", line_for("/logged"))
        self.assertIn("fault=logged-delay", line_for("/delayed"))
        self.assertNotIn("fault=", line_for("/clean"))

    def test_lines_reach_the_file_while_the_proxy_runs(self):
        # A user tails the access log during a drill: whole lines arrive within about a second
        # (10 s allowed here), not when a buffer fills or the proxy exits.
        up = self.counting()
        log = os.path.join(self.dir, "tailed.log")
        px, _ = self.start(up.port, [], "--access-log", log)
        for i in range(3):
            self.assertEqual(request(px.port, "GET", f"/tailed/{i}", timeout=5)[0], 200)
        deadline = time.monotonic() + 10
        text = ""
        while time.monotonic() < deadline and text.count("\n") < 3:
            time.sleep(0.1)
            with open(log) as f:
                text = f.read()
        self.assertIsNone(px.popen.poll())  # still running: nothing was flushed by an exit
        lines = text.splitlines()
        self.assertEqual(len(lines), 3, text)
        self.assertTrue(text.endswith("\n"), text)  # whole lines only
        for i, line in enumerate(lines):
            self.assertIn(f"/tailed/{i}", line)


if __name__ == "__main__":
    unittest.main()
