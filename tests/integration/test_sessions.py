"""Sessions as users see them. An anonymous page load in a browser uses two connections (the page
and its calls, and its event stream): recorded through `reprise proxy --record`, the capture names
the client on every record, `inspect --correlations` shows one session with both connections, and
a replay of 4 VUs x 1 iteration sends 4 page loads, each with its stream (counted at the
upstream). Two such page loads from one address at the same time are not merged into one user. A
browser's HAR with two page loads and an EventSource entry imports as two sessions and one
stream, left out of the overall latency."""
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

from harness import BIN, CountingUpstream, capture_records, proxy, replay, write_profile

STREAM_OPEN_S = 0.8  # how long a recorded page keeps its stream open


def run(*args, timeout=30):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout)


def read_until(sock, marker, timeout=5.0):
    """Reads from `sock` until `marker` has come (or the time is up); returns what was read."""
    sock.settimeout(timeout)
    data = b""
    end = time.monotonic() + timeout
    while marker not in data and time.monotonic() < end:
        piece = sock.recv(65536)
        if not piece:
            break
        data += piece
    return data


def browse(port):
    """One anonymous page load: the page and its script on one connection, its event stream on
    another (opened once the script ran), a call on the page's connection while the stream is
    open. No cookie, no token: only the address and the time tie them together."""
    page = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        for path in ("/page", "/app.js"):
            page.request("GET", path)
            page.getresponse().read()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as stream:
            stream.sendall(b"GET /events?n=3&every_ms=50 HTTP/1.1\r\nHost: shop.test\r\n"
                           b"Accept: text/event-stream\r\n\r\n")
            read_until(stream, b"data: {\"n\":2}")
            page.request("GET", "/api/lobby")
            page.getresponse().read()
            time.sleep(STREAM_OPEN_S)
    finally:
        page.close()


class RecordedPageLoad(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="reprise-sessions-")
        cls.capture = os.path.join(cls.dir, "page.jsonl")
        with CountingUpstream() as upstream:
            with proxy(upstream.port, "--record", cls.capture, "--log-level", "warn") as px:
                browse(px.port)
        cls.header, cls.records = capture_records(cls.capture)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_every_record_names_the_client_address(self):
        self.assertEqual(len(self.records), 4)
        self.assertEqual({r["client"] for r in self.records}, {"127.0.0.1"})
        self.assertEqual(len({r["session"] for r in self.records}), 2, "two connections")
        self.assertEqual([r for r in self.records if "stream" in r][0]["req"]["target"], "/events?n=3&every_ms=50")

    def test_inspect_shows_one_session_with_both_connections(self):
        res = run("inspect", self.capture, "--correlations", "--json")
        self.assertEqual(res.returncode, 0, res.stderr)
        sessions = json.loads(res.stdout)["sessions"]
        self.assertEqual(len(sessions), 1, sessions)
        self.assertEqual(sorted(sessions[0]["connections"]), sorted({r["session"] for r in self.records}))
        self.assertEqual(sessions[0]["requests"], 4)

    def test_four_vus_replay_four_page_loads_each_with_its_stream(self):
        profile = write_profile(os.path.join(self.dir, "four.json"), {
            "executor": "per-vu-iterations", "vus": 4, "iterations": 1, "maxDuration": "30s"})
        with CountingUpstream() as target:
            run_ = replay(self.capture, target.url, profile, timeout=60)
            target.wait_quiet()
            paths = [a[2].partition("?")[0] for a in list(target.arrivals)]
            self.assertEqual(run_.returncode, 0, run_)
            self.assertEqual(run_.counters["iterations"], 4)
            self.assertEqual(paths.count("/page"), 4, paths)
            self.assertEqual(paths.count("/events"), 4, "one stream per page load")
            self.assertEqual(paths.count("/api/lobby"), 4)
            self.assertEqual(len(paths), 16)


class TwoBrowsersAtOnce(unittest.TestCase):
    """Two anonymous page loads from one address at the same time: nothing tells whose stream is
    whose, so nothing is guessed; above all the two pages are not merged into one user."""

    def test_the_two_page_loads_stay_apart(self):
        work = tempfile.mkdtemp(prefix="reprise-sessions-two-")
        try:
            capture = os.path.join(work, "two.jsonl")
            with CountingUpstream() as upstream:
                with proxy(upstream.port, "--record", capture, "--log-level", "warn") as px:
                    browsers = [threading.Thread(target=browse, args=(px.port,)) for _ in range(2)]
                    for b in browsers:
                        b.start()
                    for b in browsers:
                        b.join(30)
            _, records = capture_records(capture)
            self.assertEqual(len(records), 8)
            pages = {r["session"] for r in records if r["req"]["target"] == "/page"}
            self.assertEqual(len(pages), 2)
            res = run("inspect", capture, "--correlations", "--json")
            self.assertEqual(res.returncode, 0, res.stderr)
            for session in json.loads(res.stdout)["sessions"]:
                self.assertLess(len(pages & set(session["connections"])), 2, session)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def har_entry(started, page, connection, url, status=200, mime="application/json", text=None, time_ms=5.0,
              resource=None):
    content = {"size": len(text or ""), "mimeType": mime}
    if text is not None:
        content["text"] = text
    entry = {"startedDateTime": started, "time": time_ms, "pageref": page, "connection": connection,
             "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1", "headers": [],
                         "cookies": [], "queryString": [], "headersSize": -1, "bodySize": 0},
             "response": {"status": status, "statusText": "OK", "httpVersion": "HTTP/1.1",
                          "headers": [{"name": "Content-Type", "value": mime}], "cookies": [],
                          "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1},
             "cache": {}, "timings": {"send": 0.5, "wait": 2, "receive": max(0.0, time_ms - 2.5)}}
    if resource:
        entry["_resourceType"] = resource
    return entry


class BrowserHar(unittest.TestCase):
    """What a Chromium "Save all as HAR" holds for two page loads, the first with an EventSource:
    the stream's entry has no body and a `time` of how long it stayed open (4 s)."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="reprise-sessions-har-")
        har = {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                       "pages": [{"startedDateTime": "2024-05-01T10:00:00.000Z", "id": "page_1", "title": "Lobby",
                                  "pageTimings": {}},
                                 {"startedDateTime": "2024-05-01T10:00:10.000Z", "id": "page_2", "title": "Room",
                                  "pageTimings": {}}],
                       "entries": [
                           har_entry("2024-05-01T10:00:00.000Z", "page_1", "101", "http://shop.test/lobby",
                                     mime="text/html", text="<html>", resource="document"),
                           har_entry("2024-05-01T10:00:00.050Z", "page_1", "101", "http://shop.test/app.js",
                                     mime="text/javascript", text="go()", resource="script"),
                           har_entry("2024-05-01T10:00:00.200Z", "page_1", "102", "http://shop.test/api/lobby/stream",
                                     mime="text/event-stream", time_ms=4000.0, resource="eventsource"),
                           har_entry("2024-05-01T10:00:00.300Z", "page_1", "101", "http://shop.test/api/rooms",
                                     text="[]", resource="fetch"),
                           har_entry("2024-05-01T10:00:10.000Z", "page_2", "101", "http://shop.test/room/7",
                                     mime="text/html", text="<html>", resource="document")]}}
        cls.har = os.path.join(cls.dir, "browser.har")
        with open(cls.har, "w") as f:
            json.dump(har, f)
        cls.capture = os.path.join(cls.dir, "browser.jsonl")
        res = run("import", "har", cls.har, "-o", cls.capture)
        assert res.returncode == 0, res.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_inspect_shows_the_stream_and_two_sessions(self):
        res = run("inspect", self.capture, "--json")
        self.assertEqual(res.returncode, 0, res.stderr)
        s = json.loads(res.stdout)
        self.assertEqual(s["sse"]["streams"], 1)
        self.assertEqual(s["sse"]["duration_s"]["max"], 4.0)
        self.assertEqual(s["sessions"]["count"], 2, "two page loads")
        self.assertEqual(s["latency_ms"]["samples"], 4, "the stream is left out")
        self.assertLess(s["latency_ms"]["max"], 100)
        table = run("inspect", self.capture).stdout
        self.assertIn("sse         1 stream", table)

    def test_the_first_page_load_is_one_session_with_its_stream_on_a_flow_of_its_own(self):
        res = run("inspect", self.capture, "--correlations", "--json")
        self.assertEqual(res.returncode, 0, res.stderr)
        sessions = json.loads(res.stdout)["sessions"]
        self.assertEqual(len(sessions), 1, "the second page load has one connection and nothing to correlate")
        self.assertEqual(sessions[0]["connections"], ["page_1/101", "page_1/102/sse-3"])
        self.assertEqual(sessions[0]["requests"], 4)
        text = run("inspect", self.capture, "--correlations").stdout
        self.assertIn("2 of 2 sessions carry no value", text)
