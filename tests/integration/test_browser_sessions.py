"""A real browser's page load replays as page loads: headless Chromium (driven by
tests/browser/load_page.js) opens the built-in chat service's anonymous lobby page through
`reprise proxy --record`. The page holds an EventSource on one connection and makes its calls on
others; `inspect --correlations` must see one user holding all of them, and a replay with 10 VUs
of one iteration each must be 10 page loads and 10 lobby streams at a fresh service, counted by
the service itself (`GET /api/lobby/stats`). The same holds for the HAR the browser wrote of that
page load, imported with `reprise import har`.

Chromium, node and tests/browser/node_modules are installed by docker/install-deps.sh (which
`make test` runs); the tests are skipped, with the reason, only where one of them is missing."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import unittest

from harness import BIN, SOURCE, demo_upstream, proxy, replay, request, write_profile

BROWSER_TOOLS = os.path.join(SOURCE, "tests/browser")
LOAD_PAGE = os.path.join(BROWSER_TOOLS, "load_page.js")
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium")
NODE = shutil.which("node")
VUS = 10


def missing_tool():
    """Why the browser cannot be driven here, or None."""
    if not CHROMIUM:
        return "chromium is not installed (docker/install-deps.sh installs it)"
    if not NODE:
        return "node is not installed (docker/install-deps.sh installs it)"
    if not os.path.isdir(os.path.join(BROWSER_TOOLS, "node_modules/puppeteer-core")):
        return "tests/browser/node_modules is missing (docker/install-deps.sh runs npm ci there)"
    return None


def load_page(url, har):
    """Loads `url` in headless Chromium until the page's title is "ready", writing its HAR. The
    script bounds itself (--timeout); past a margin it gets SIGTERM, on which puppeteer closes
    the browser it started."""
    proc = subprocess.Popen([NODE, LOAD_PAGE, url, "--har", har, "--wait-title", "ready", "--timeout", "20s",
                             "--stay", "1s"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, CHROMIUM=CHROMIUM))
    try:
        out, _ = proc.communicate(timeout=40)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
    if proc.returncode != 0:
        raise AssertionError(f"load_page.js exited {proc.returncode}: {out}")
    return out


def lobby_stats(port):
    status, _, body = request(port, "GET", "/api/lobby/stats")
    if status != 200:
        raise AssertionError(f"GET /api/lobby/stats answered {status}: {body[:200]!r}")
    return json.loads(body)


def capture_records(path):
    with open(path) as f:
        return [r for r in map(json.loads, f) if "req" in r]


def correlated_sessions(capture):
    done = subprocess.run([BIN, "inspect", capture, "--correlations", "--json"], capture_output=True, text=True,
                          timeout=30)
    if done.returncode != 0:
        raise AssertionError(f"inspect --correlations exited {done.returncode}: {done.stderr}")
    return json.loads(done.stdout)["sessions"]


class BrowserSessionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        reason = missing_tool()
        if reason:
            raise unittest.SkipTest(reason)
        cls.dir = tempfile.mkdtemp(prefix="reprise-browser-")
        cls.capture = os.path.join(cls.dir, "cap.jsonl")
        cls.har = os.path.join(cls.dir, "page.har")
        cls.profile = write_profile(os.path.join(cls.dir, "page-loads.json"), {
            "executor": "per-vu-iterations", "vus": VUS, "iterations": 1, "maxDuration": "30s",
            "gracefulStop": "5s"})
        with demo_upstream() as app, proxy(app.port, "--record", cls.capture) as front:
            cls.load_output = load_page(f"http://127.0.0.1:{front.port}/", cls.har)
            cls.recorded_stats = lobby_stats(app.port)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_the_browser_loaded_the_page_once_with_its_stream(self):
        self.assertEqual(self.recorded_stats["page_loads"], 1, self.recorded_stats)
        self.assertEqual(self.recorded_stats["lobby_streams"], 1, self.recorded_stats)
        self.assertGreaterEqual(self.recorded_stats["lobby_calls"], 1, self.recorded_stats)
        records = capture_records(self.capture)
        streams = [r for r in records if r.get("stream", {}).get("kind") == "sse"]
        self.assertEqual(len(streams), 1, [r["req"]["target"] for r in records])
        self.assertEqual(streams[0]["req"]["target"], "/api/lobby/stream")

    def test_the_har_holds_one_page_with_its_event_stream(self):
        with open(self.har) as f:
            log = json.load(f)["log"]
        self.assertEqual(len(log["pages"]), 1)
        entries = log["entries"]
        self.assertTrue(all(e["pageref"] == log["pages"][0]["id"] and e.get("connection") for e in entries), entries)
        streams = [e for e in entries if e["response"]["content"].get("mimeType") == "text/event-stream"]
        self.assertEqual(len(streams), 1, [e["request"]["url"] for e in entries])
        self.assertIn("data:", streams[0]["response"]["content"]["text"])
        # Held open from the first event to the title and a second more: `time` covers it.
        self.assertGreater(streams[0]["time"], 900)

    def test_inspect_sees_one_user_holding_every_connection(self):
        connections = {r["session"] for r in capture_records(self.capture)}
        stream_connection = next(r["session"] for r in capture_records(self.capture) if "stream" in r)
        self.assertGreaterEqual(len(connections), 2, "the stream shares no connection with the page's calls")
        sessions = correlated_sessions(self.capture)
        self.assertEqual(len(sessions), 1, sessions)
        self.assertEqual(set(sessions[0]["connections"]), connections, sessions)
        self.assertIn(stream_connection, sessions[0]["connections"])

    def assert_replays_as_page_loads(self, capture):
        with demo_upstream() as app:
            before = lobby_stats(app.port)
            run = replay(capture, f"http://127.0.0.1:{app.port}", self.profile, timeout=60)
            after = lobby_stats(app.port)
        self.assertEqual(run.returncode, 0, run)
        self.assertEqual(run.counters["iterations"], VUS, run.counters)
        self.assertEqual(run.counters["http_req_failed"], 0, run.summary.get("status"))
        self.assertEqual(run.counters["sse_connections"], VUS, run.counters)
        self.assertEqual(after["page_loads"] - before["page_loads"], VUS, (before, after))
        self.assertEqual(after["lobby_streams"] - before["lobby_streams"], VUS, (before, after))
        # and each page load made the calls the browser's did
        self.assertEqual(after["lobby_calls"] - before["lobby_calls"], VUS * self.recorded_stats["lobby_calls"],
                         (before, after, self.recorded_stats))

    def test_the_proxy_capture_replays_as_ten_page_loads(self):
        self.assert_replays_as_page_loads(self.capture)

    def test_the_har_replays_as_ten_page_loads(self):
        imported = os.path.join(self.dir, "har.jsonl")
        done = subprocess.run([BIN, "import", "har", self.har, "-o", imported], capture_output=True, text=True,
                              timeout=30)
        self.assertEqual(done.returncode, 0, done.stderr)
        sessions = correlated_sessions(imported)
        self.assertEqual(len(sessions), 1, sessions)
        self.assert_replays_as_page_loads(imported)


if __name__ == "__main__":
    unittest.main()
