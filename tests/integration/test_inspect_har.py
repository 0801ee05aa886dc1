"""`reprise inspect` and `reprise import har` / `export har` on a real recording: chat traffic
recorded through `reprise proxy --record` in front of `reprise upstream-demo` (keep-alive
sessions for two users and an SSE stream with a 1 s heartbeat). inspect must count exactly what
was sent, per folded route; a cut last line is reported and still exits 0; a malformed middle
line exits 1 naming the line; HAR export → import → export is the same document; malformed HAR
exits 1 with one line naming the place."""
import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from harness import BIN, demo_upstream, proxy

MESSAGES = 6  # alice's messages; bob sends one more

# What the test sends, per folded route: the numbers inspect must report.
EXPECTED_ROUTES = {
    ("POST", "/api/users/register"): 2,
    ("POST", "/api/users/login"): 2,
    ("GET", "/api/users/me"): 2,  # one without a token: 401
    ("GET", "/api/users/search"): 1,
    ("POST", "/api/chat/rooms"): 1,
    ("POST", "/api/chat/rooms/{id}/messages"): MESSAGES + 1,
    ("GET", "/api/chat/rooms/{id}/messages"): 1,
    ("POST", "/api/friends/requests"): 1,
    ("POST", "/api/friends/requests/{id}/accept"): 1,
    ("GET", "/api/notifications/stream"): 1,
}
TOTAL = sum(EXPECTED_ROUTES.values())
AUTHORIZED = TOTAL - 2 - 2 - 1  # every request but register, login and the tokenless me
SSE_EVENTS = 1 + (MESSAGES + 1) + 1  # connected, every message once bob is in the room, the friend request


def run(*args, timeout=30):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout)


class User:
    """One keep-alive connection through the proxy: one recorded session."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.token = None

    def call(self, method, path, body=None, auth=True):
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if auth and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        self.conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        res = self.conn.getresponse()
        data = res.read()
        return res.status, json.loads(data) if data else None


class EventStream(threading.Thread):
    """Bob's SSE stream on its own connection, held for `hold` seconds after it opened."""

    def __init__(self, port, token, hold):
        super().__init__(daemon=True)
        self.port, self.token, self.hold = port, token, hold
        self.connected = threading.Event()
        self.data = b""

    def run(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            s.sendall(f"GET /api/notifications/stream HTTP/1.1\r\nHost: chat\r\n"
                      f"Authorization: Bearer {self.token}\r\n\r\n".encode())
            end = time.monotonic() + self.hold
            while time.monotonic() < end:
                s.settimeout(max(0.01, end - time.monotonic()))
                try:
                    piece = s.recv(65536)
                except socket.timeout:
                    break
                if not piece:
                    break
                self.data += piece
                if b"event: connected" in self.data:
                    self.connected.set()


def record_chat(capture):
    with demo_upstream("--heartbeat", "1s") as up, proxy(up.port, "--record", capture) as px:
        alice, bob = User(px.port), User(px.port)
        assert alice.call("POST", "/api/users/register",
                          {"email": "alice@test.com", "username": "alice", "password": "pw-alice"})[0] == 201
        assert bob.call("POST", "/api/users/register",
                        {"email": "bob@test.com", "username": "bob", "password": "pw-bob"})[0] == 201
        alice.token = alice.call("POST", "/api/users/login", {"email": "alice@test.com", "password": "pw-alice"})[1][
            "access_token"]
        bob.token = bob.call("POST", "/api/users/login", {"email": "bob@test.com", "password": "pw-bob"})[1][
            "access_token"]
        assert alice.call("GET", "/api/users/me", auth=False)[0] == 401
        assert alice.call("GET", "/api/users/me")[0] == 200
        assert alice.call("GET", "/api/users/search?q=bo")[0] == 200
        stream = EventStream(px.port, bob.token, hold=2.5)
        stream.start()
        assert stream.connected.wait(5), stream.data
        room = alice.call("POST", "/api/chat/rooms", {"name": "general"})[1]["id"]
        assert bob.call("POST", f"/api/chat/rooms/{room}/messages", {"content": "hi"})[0] == 200
        for i in range(MESSAGES):
            assert alice.call("POST", f"/api/chat/rooms/{room}/messages", {"content": f"message {i}"})[0] == 200
        assert alice.call("GET", f"/api/chat/rooms/{room}/messages?limit=5")[0] == 200
        req = alice.call("POST", "/api/friends/requests", {"addressee_id": 2})[1]["id"]
        assert bob.call("POST", f"/api/friends/requests/{req}/accept")[0] == 200
        alice.conn.close()
        bob.conn.close()
        stream.join(10)
        time.sleep(0.3)  # the proxy sees the stream's client go and ends that exchange
        assert px.stop() == 0, px.output()


class InspectAndHarTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="reprise-inspect-")
        cls.capture = os.path.join(cls.dir, "chat.jsonl")
        record_chat(cls.capture)
        with open(cls.capture, "rb") as f:
            cls.lines = f.read().split(b"\n")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, data):
        with open(self.path(name), "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        return self.path(name)

    def inspect_json(self, capture):
        res = run("inspect", capture, "--json")
        self.assertEqual(res.returncode, 0, res.stderr)
        return json.loads(res.stdout)

    def assert_one_line_error(self, res, *parts):
        self.assertEqual(res.returncode, 1, res.stdout + res.stderr)
        lines = res.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, res.stderr)
        for part in parts:
            self.assertIn(part, lines[0])

    def test_table_shows_folded_routes_with_their_counts_and_the_stream(self):
        res = run("inspect", self.capture)
        self.assertEqual(res.returncode, 0, res.stderr)
        out = res.stdout
        rows = {}
        in_routes = False
        for line in out.splitlines():
            if line.startswith("routes ("):
                in_routes = True
                continue
            if in_routes and not line.strip():
                break
            cells = line.split()
            if in_routes and cells[0].isdigit():
                rows[(cells[1], cells[2])] = int(cells[0])
        self.assertEqual(rows, EXPECTED_ROUTES, out)
        counts = list(rows.values())
        table_order = [int(l.split()[0]) for l in out.splitlines() if l.strip() and l.split()[0].isdigit()]
        self.assertEqual(table_order, sorted(counts, reverse=True))
        self.assertIn(f"exchanges   {TOTAL} in ", out)
        self.assertRegex(out, r"sse +1 stream, \d+ events")
        self.assertIn("redaction   default: 4 distinct placeholders", out)
        self.assertRegex(out, r"header authorization +%d\n" % AUTHORIZED)
        self.assertRegex(out, r"json password +4\n")
        self.assertIn("damage      none", out)

    def test_json_counts_exactly_what_was_sent(self):
        s = self.inspect_json(self.capture)
        routes = {(r["method"], r["path"]): r["count"] for r in s["routes"]}
        self.assertEqual(routes, EXPECTED_ROUTES)
        self.assertEqual(s["exchanges"], TOTAL)
        self.assertEqual(s["statuses"], {"1xx": 0, "2xx": TOTAL - 1, "3xx": 0, "4xx": 1, "5xx": 0, "none": 0})
        me = next(r for r in s["routes"] if r["path"] == "/api/users/me")
        self.assertEqual(me["statuses"]["4xx"], 1)
        sends = next(r for r in s["routes"] if r["path"] == "/api/chat/rooms/{id}/messages" and r["method"] == "POST")
        lat = sends["latency_ms"]
        self.assertEqual(lat["samples"], MESSAGES + 1)
        self.assertTrue(0 < lat["p50"] <= lat["p95"] <= lat["p99"] <= lat["max"] < 1000, lat)
        self.assertEqual(s["latency_ms"]["samples"], TOTAL - 1)  # the stream is left out

        # Three connections: alice's, bob's and the stream's.
        self.assertEqual(s["sessions"]["count"], 3)
        alice = 1 + 1 + 2 + 1 + 1 + MESSAGES + 1 + 1  # register, login, me x2, search, room, messages, list, request
        bob = 4  # register, login, one message, accept
        self.assertEqual(s["sessions"]["exchanges_per_session"], {"min": 1, "median": bob, "max": alice})

        sse = s["sse"]
        self.assertEqual(sse["streams"], 1)
        # The heartbeat comments (at 1 s and 2 s while the stream was held 2.5 s) are no events: a
        # browser dispatches none for them.
        self.assertEqual(sse["events"], SSE_EVENTS)
        self.assertGreaterEqual(sse["duration_s"]["max"], 2.0)
        self.assertLess(sse["duration_s"]["max"], 5.0)
        self.assertEqual(s["websocket"]["tunnels"], 0)

        red = s["redaction"]
        self.assertEqual(red["mode"], "default")
        self.assertEqual(red["placeholders"], 4)  # two passwords, two tokens (a token and its Bearer use share one)
        self.assertEqual(red["by_place"]["header"], {"authorization": AUTHORIZED})
        self.assertEqual(red["by_place"]["json"], {"password": 4, "access_token": 2})
        self.assertEqual(red["occurrences"], AUTHORIZED + 6)

        self.assertGreaterEqual(s["span"]["seconds"], 2.0)
        self.assertAlmostEqual(s["span"]["rate_per_s"], TOTAL / s["span"]["seconds"], delta=0.01)
        self.assertEqual(s["truncated_bodies"], 0)
        self.assertEqual(s["without_response"], 0)
        self.assertEqual(s["damage"], {"tail_cut": False, "dropped_records": 0})
        self.assertEqual(s["capture"]["source"], "proxy")

    def test_cut_last_line_is_reported_and_exits_0(self):
        whole = b"\n".join(self.lines).rstrip(b"\n")
        cut = self.write("cut.jsonl", whole[:len(whole) - len(self.lines[-2]) // 2])
        res = run("inspect", cut)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn("the last line was cut (a crash while recording?)", res.stdout)
        s = self.inspect_json(cut)
        self.assertTrue(s["damage"]["tail_cut"])
        self.assertEqual(s["exchanges"], TOTAL - 1)

    def test_malformed_middle_line_exits_1_naming_the_line(self):
        lines = list(self.lines)
        lines[3] = lines[3][:40]
        bad = self.write("bad.jsonl", b"\n".join(lines))
        res = run("inspect", bad)
        self.assert_one_line_error(res, bad, "line 4")
        res = run("export", "har", bad, "-o", self.path("bad.har"))
        self.assert_one_line_error(res, bad, "line 4")
        self.assertFalse(os.path.exists(self.path("bad.har")))

    def test_har_export_import_export_is_the_same(self):
        first, second = self.path("one.har"), self.path("two.har")
        back = self.path("back.jsonl")
        for args in (("export", "har", self.capture, "-o", first), ("import", "har", first, "-o", back),
                     ("export", "har", back, "-o", second)):
            res = run(*args)
            self.assertEqual(res.returncode, 0, res.stderr)
        with open(first) as f:
            har = json.load(f)
        with open(second) as f:
            self.assertEqual(json.load(f), har)
        # Every exchange line comes back byte for byte; only the header says "har".
        with open(back, "rb") as f:
            back_lines = f.read().split(b"\n")
        self.assertEqual(back_lines[1:], self.lines[1:])
        self.assertEqual(json.loads(back_lines[0])["source"], "har")

        log = har["log"]
        self.assertEqual(log["version"], "1.2")
        self.assertEqual(log["creator"]["name"], "reprise")
        self.assertEqual(len(log["entries"]), TOTAL)
        stream = [e for e in log["entries"] if e["request"]["url"].endswith("/api/notifications/stream")]
        self.assertEqual(stream[0]["_reprise"]["stream"]["kind"], "sse")
        login = next(e for e in log["entries"] if e["request"]["url"].endswith("/api/users/login"))
        self.assertEqual(login["request"]["method"], "POST")
        self.assertIn("{{redacted:", login["request"]["postData"]["text"])
        self.assertEqual(login["response"]["status"], 200)
        self.assertGreater(login["time"], 0)
        # inspect reads the imported capture the same way.
        self.assertEqual({(r["method"], r["path"]): r["count"] for r in self.inspect_json(back)["routes"]},
                         EXPECTED_ROUTES)

    def test_malformed_har_exits_1_with_one_line_naming_the_place(self):
        entry = {"startedDateTime": "2024-05-01T10:00:00Z", "time": 1,
                 "request": {"method": "GET", "url": "http://h/a", "httpVersion": "HTTP/1.1", "headers": []},
                 "response": {"status": 200, "headers": [], "content": {"size": 0, "mimeType": ""}},
                 "timings": {"send": 0, "wait": 1, "receive": 0}}
        no_url = json.loads(json.dumps(entry))
        del no_url["request"]["url"]
        cases = [
            ("text.har", "this is not JSON", "not JSON"),
            ("nolog.har", json.dumps({"log": {"version": "1.2"}}), "log.entries: missing"),
            ("nourl.har", json.dumps({"log": {"entries": [entry, no_url]}}), "log.entries[1].request.url: missing"),
        ]
        for name, text, problem in cases:
            with self.subTest(name=name):
                har = self.write(name, text)
                out = self.path(name + ".jsonl")
                res = run("import", "har", har, "-o", out)
                self.assert_one_line_error(res, har, problem)
                self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main()
