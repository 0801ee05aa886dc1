"""Response comparison end to end: `reprise replay --compare` of the demo's recording against the
built-in chat service, clean (nothing differs, every answer compared) and with each of its
deliberate regressions (exactly the regressed route differs, on the expected field and kind, and a
response_diffs threshold on that route exits 99); `--baseline` against a second known-good
instance (Diffy's rule: a field both instances add is noise, the real change is still reported);
the JUnit suite and HTML section of a comparison; `reprise proxy --mirror URL --compare` (the
mirror's answers against the primary's, GET /mirror's "compare", the stop's log lines); and the
refused inputs.

The demo's traffic is recorded once for the module (`reprise demo --record`, about 7 s); every replay
is per-vu-iterations, 10 VUs of one iteration each (10 copies of each recorded user), bounded by
maxDuration, against a service of its own started here on a free loopback port. Nothing is timed.

Run: cd tests/integration && /usr/bin/python3 -m unittest test_compare -v"""
import http.client
import os
import shutil
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ET

from chat_traffic import run_chat_traffic
from harness import BIN, demo_upstream, free_port, proxy, record_demo, replay, wait_port, write_profile
from test_mirror import chat, settled

PROFILE = {"executor": "per-vu-iterations", "vus": 10, "iterations": 1, "maxDuration": "60s"}

SEND_MESSAGE = ("/api/chat/rooms/{id}/messages", "POST")
GET_MESSAGES = ("/api/chat/rooms/{id}/messages", "GET")
CREATE_ROOM = ("/api/chat/rooms", "POST")
STREAM = ("/api/notifications/stream", "GET")

# upstream-demo --regression KIND: the one route it changes and the (field, kind) the comparison
# must name there (docs/demo.md#regressions).
REGRESSIONS = {
    "renamed-field": (SEND_MESSAGE, [("$.content", "missing"), ("$.text", "added")]),
    "number-string": (SEND_MESSAGE, [("$.sender_id", "type")]),
    "status": (CREATE_ROOM, [("status", "status")]),
    "sse-event": (STREAM, [("event connected", "event type missing")]),
    "empty-list": (GET_MESSAGES, [("$.messages", "length")]),
}


def route_threshold(route, field=None):
    name, method = route
    return f"response_diffs{{name:{name},method:{method}" + (f",field:{field}}}" if field else "}")


def regression_thresholds():
    """A zero-tolerance threshold on every regressed route, and on its first field: each holds
    on the clean service and is breached by exactly its own regressions."""
    out = {"response_diffs": ["rate<1.01"]}  # the whole run: a threshold that always holds
    for route, fields in REGRESSIONS.values():
        out[route_threshold(route)] = ["rate<0.001"]
        out[route_threshold(route, fields[0][0])] = ["rate<0.001"]
    return out


def routes(run):
    """{(name, method): route} of the summary's response_diffs."""
    return {(r["name"], r["method"]): r for r in run.summary["response_diffs"]["routes"]}


def fields(route):
    return {(f["field"], f["kind"]): f for f in route["fields"]}


def setUpModule():
    """The demo's traffic, recorded once for every test here."""
    global WORK, CAPTURE
    WORK = tempfile.mkdtemp(prefix="reprise-compare-")
    CAPTURE = record_demo(WORK)


def tearDownModule():
    shutil.rmtree(WORK, ignore_errors=True)


class CompareCase(unittest.TestCase):
    @property
    def capture(self):
        return CAPTURE

    @property
    def dir(self):
        return WORK

    def path(self, name):
        return os.path.join(self.dir, f"{self.id().rsplit('.', 1)[-1]}-{name}")

    def service(self, *flags):
        up = demo_upstream(*flags)
        self.addCleanup(up.__exit__)
        return up

    def compare(self, target, *flags, capture=None, thresholds=None, profile_extra=None):
        """replay --compare of the demo's recording (or `capture`) against the service `target`."""
        profile = dict(PROFILE, **(profile_extra or {}))
        if thresholds:
            profile["thresholds"] = thresholds
        path = write_profile(self.path("profile.json"), profile)
        run = replay(capture or self.capture, f"http://127.0.0.1:{target.port}", path, "--compare", *flags,
                     timeout=70)
        self.assertIsNotNone(run.summary, f"no summary written: {run}")
        self.assertIn("response_diffs", run.summary, run)
        return run

    def assertDiffering(self, run, expected):
        """The routes that differ are exactly `expected`, {(name, method)}."""
        got = {key for key, r in routes(run).items() if r["differing"]}
        shown = {key: [(f["field"], f["kind"], f["count"]) for f in r["fields"]] for key, r in routes(run).items()
                 if r["fields"]}
        self.assertEqual(got, expected, shown)


# ---------------------------------------------------------------------------------------------
# 1. Against the same service: nothing differs


class CleanReplayTest(CompareCase):
    def test_a_clean_service_answers_identically_at_10x(self):
        """Three runs, a fresh service each: a comparison that is flaky shows it here."""
        for attempt in range(3):
            with self.subTest(attempt=attempt):
                run = self.compare(self.service(), thresholds=regression_thresholds())
                self.assertEqual(run.returncode, 0, run)
                self.assertEqual(run.counters["http_req_failed"], 0, run.stdout)
                all_routes = routes(run)
                self.assertDiffering(run, set())
                for key, r in all_routes.items():
                    self.assertGreater(r["compared"], 0, key)
                    self.assertEqual(r["identical"], r["compared"], key)
                    self.assertEqual(r["fields"], [], key)
                for route, _ in REGRESSIONS.values():
                    self.assertIn(route, all_routes, "every regressed route is exercised")
                # every answer of the run is compared: each request's, and each stream's at its end
                self.assertEqual(sum(r["compared"] for r in all_routes.values()), run.counters["http_reqs"])
                self.assertEqual(run.counters["http_reqs"], 10 * 31, "10 copies of the 31 recorded exchanges")
                self.assertEqual(all_routes[SEND_MESSAGE]["compared"], 10 * 11)
                self.assertTrue(all(v["ok"] for v in run.summary["verdicts"]), run.summary["verdicts"])
                self.assertIn("response comparison (each answer against the recorded one)", run.stdout)
                self.assertIn("all thresholds passed", run.stdout)


# ---------------------------------------------------------------------------------------------
# 2. One regression at a time: exactly its route differs, on its field


class RegressionTest(CompareCase):
    def check_regression(self, kind, *flags):
        route, expected_fields = REGRESSIONS[kind]
        run = self.compare(self.service("--regression", kind), *flags, thresholds=regression_thresholds())
        self.assertEqual(run.returncode, 99, run)
        self.assertDiffering(run, {route})
        r = routes(run)[route]
        self.assertEqual(r["differing"], r["compared"], "every answer of the route is regressed")
        self.assertEqual(r["identical"], 0)
        got = fields(r)
        for field, field_kind in expected_fields:
            self.assertIn((field, field_kind), got, r["fields"])
            f = got[(field, field_kind)]
            self.assertEqual(f["count"], r["compared"], f)
            self.assertFalse(f["noise"], f)
        # the verdicts: breached are exactly the thresholds on this route and on its fields
        verdicts = {v["threshold"]: v for v in run.summary["verdicts"]}
        failed = {t for t, v in verdicts.items() if not v["ok"]}
        self.assertEqual(failed, {route_threshold(route)} | {route_threshold(route, f) for f, _ in expected_fields
                                                             if route_threshold(route, f) in verdicts}, verdicts)
        self.assertEqual(verdicts[route_threshold(route)]["actual"], 1.0)
        total = sum(x["compared"] for x in routes(run).values())
        self.assertAlmostEqual(verdicts["response_diffs"]["actual"], r["differing"] / total, places=6)
        first_field = expected_fields[0][0]
        self.assertIn(f"    {first_field} ({expected_fields[0][1]}): {r['compared']} answers; recorded ", run.stdout)
        self.assertIn("THRESHOLDS FAILED (exit 99)", run.stdout)
        return run

    def test_renamed_field(self):
        run = self.check_regression("renamed-field")
        f = fields(routes(run)[SEND_MESSAGE])
        self.assertEqual(f[("$.content", "missing")]["live"], "absent")
        self.assertEqual(f[("$.text", "added")]["recorded"], "absent")

    def test_number_string(self):
        run = self.check_regression("number-string")
        f = fields(routes(run)[SEND_MESSAGE])[("$.sender_id", "type")]
        self.assertTrue(f["recorded"].startswith("number "), f)
        self.assertTrue(f["live"].startswith("string "), f)

    def test_status(self):
        f = fields(routes(self.check_regression("status"))[CREATE_ROOM])[("status", "status")]
        self.assertEqual((f["recorded"], f["live"]), ("201", "200"))

    def test_sse_event(self):
        self.check_regression("sse-event")

    def test_empty_list(self):
        f = fields(routes(self.check_regression("empty-list"))[GET_MESSAGES])[("$.messages", "length")]
        self.assertEqual((f["recorded"], f["live"]), ("11 items", "0 items"))

    def test_a_threshold_alone_turns_comparison_on(self):
        """No --compare flag: a response_diffs threshold in the profile is enough."""
        path = write_profile(self.path("profile.json"), dict(PROFILE, thresholds={
            route_threshold(SEND_MESSAGE, "$.content"): ["rate<0.001"]}))
        up = self.service("--regression", "renamed-field")
        run = replay(self.capture, f"http://127.0.0.1:{up.port}", path, timeout=70)
        self.assertEqual(run.returncode, 99, run)
        self.assertDiffering(run, {SEND_MESSAGE})

    def test_the_printed_verdict_of_a_share_is_a_share(self):
        """response_diffs' rate is a share of answers (as http_req_failed's), not a rate per second."""
        run = self.compare(self.service("--regression", "status"), thresholds={"response_diffs": ["rate==0"]})
        self.assertEqual(run.returncode, 99, run)
        line = next(l for l in run.stdout.splitlines() if "response_diffs" in l and "measured" in l)
        self.assertNotIn("/s", line, line)
        self.assertIn("%", line, line)

    def test_junit_and_html_report(self):
        junit, html = self.path("junit.xml"), self.path("report.html")
        self.check_regression("renamed-field", "--junit", junit, "--report", html)
        suites = {s.get("name"): s for s in ET.parse(junit).getroot().iter("testsuite")}
        self.assertIn("response comparison", suites, list(suites))
        suite = suites["response comparison"]
        cases = {c.get("name"): c for c in suite.iter("testcase")}
        failed = {name for name, c in cases.items() if c.find("failure") is not None}
        self.assertEqual(failed, {" ".join(SEND_MESSAGE)})
        self.assertEqual((suite.get("tests"), suite.get("failures")), (str(len(cases)), "1"))
        self.assertGreaterEqual(len(cases), 10, list(cases))
        self.assertIn("$.content (missing)", cases[" ".join(SEND_MESSAGE)].find("failure").text)
        with open(html) as f:
            page = f.read()
        self.assertIn("<h2>Response comparison</h2>", page)
        self.assertIn("<code>$.content</code> missing", page)
        self.assertIn("<code>$.text</code> added", page)


# ---------------------------------------------------------------------------------------------
# 3. --baseline: what two known-good instances differ on is noise


class BaselineTest(CompareCase):
    def test_a_field_both_instances_add_is_noise_and_the_real_change_is_reported(self):
        """The recording has no `nonce`; both instances add one to every JSON object answer. Without
        --baseline every such route differs on it; with it, it is noise (counted as often on the
        baseline) and only SendMessage's `sender_id` type is left."""
        target = self.service("--noise-field", "nonce", "--regression", "number-string")
        known_good = self.service("--noise-field", "nonce")

        alone = self.compare(target)
        self.assertEqual(alone.returncode, 0, alone)
        with_nonce = {key for key, r in routes(alone).items() if ("$.nonce", "added") in fields(r)}
        self.assertIn(SEND_MESSAGE, with_nonce)
        self.assertIn(CREATE_ROOM, with_nonce)
        self.assertGreater(len({key for key, r in routes(alone).items() if r["differing"]}), 3)

        run = self.compare(target, "--baseline", f"http://127.0.0.1:{known_good.port}")
        self.assertEqual(run.returncode, 0, run)
        self.assertDiffering(run, {SEND_MESSAGE})
        for key, r in routes(run).items():
            for f in r["fields"]:
                if f["field"] == "$.nonce":
                    self.assertTrue(f["noise"], (key, f))
                else:  # the known-good instance answers as recorded: the nonce is all it adds
                    self.assertEqual(f["baseline"], 0, (key, f))
            if key != STREAM:  # streams are not sent to the baseline
                self.assertEqual(r["baseline_compared"], r["compared"], key)
        send = routes(run)[SEND_MESSAGE]
        self.assertEqual(send["differing"], send["compared"])
        f = fields(send)[("$.sender_id", "type")]
        self.assertEqual((f["count"], f["baseline"], f["noise"]), (send["compared"], 0, False))
        self.assertIn("differing fields left out as noise", run.stdout)

    def test_a_recorded_16_hex_nonce_is_volatile_without_a_baseline(self):
        """Recorded through the proxy in front of a --noise-field instance: the nonce is 16 hex
        digits on both sides, a volatile format, so it never differs even without --baseline."""
        capture = self.path("nonce.jsonl")
        recorded_on = self.service("--noise-field", "nonce")
        with proxy(recorded_on.port, "--record", capture) as px:
            run_chat_traffic(px.port, sse_seconds=1.0)
        with open(capture) as f:
            self.assertIn('\\"nonce\\":\\"', f.read(), "the recording holds the nonce")
        run = self.compare(self.service("--noise-field", "nonce"), capture=capture,
                           profile_extra={"vus": 2})
        self.assertEqual(run.returncode, 0, run)
        self.assertGreater(sum(r["compared"] for r in routes(run).values()), 0)
        named = [(key, f) for key, r in routes(run).items() for f in r["fields"] if f["field"] == "$.nonce"]
        self.assertEqual(named, [])


# ---------------------------------------------------------------------------------------------
# 4. The mirror's answers against the primary's


class MirrorCompareTest(CompareCase):
    def mirrored_session(self, *mirror_flags):
        """A short chat session through `proxy --mirror --compare`: (GET /mirror once settled, the
        proxy's log after SIGTERM, the mirror's URL)."""
        primary = self.service()
        mirror = self.service(*mirror_flags)
        mirror_url = f"http://127.0.0.1:{mirror.port}"
        admin_port = free_port()
        px = proxy(primary.port, "--mirror", mirror_url, "--compare", "--admin", f"127.0.0.1:{admin_port}")
        self.addCleanup(px.__exit__)
        wait_port(admin_port, proc=px.popen)

        conn = http.client.HTTPConnection("127.0.0.1", px.port, timeout=15)
        self.addCleanup(conn.close)
        account = {"email": "carol@example.com", "username": "carol", "password": "carol-pass-9d2"}
        self.assertEqual(chat(conn, "POST", "/api/users/register", body=account)[0], 201)
        status, login = chat(conn, "POST", "/api/users/login", body={k: account[k] for k in ("email", "password")})
        self.assertEqual(status, 200, login)
        token = login["access_token"]
        self.assertEqual(chat(conn, "GET", "/api/users/me", token)[0], 200)
        status, room = chat(conn, "POST", "/api/chat/rooms", token, {"name": "mirrored"})
        self.assertEqual(status, 201, room)
        for i in range(5):
            self.assertEqual(chat(conn, "POST", f"/api/chat/rooms/{room['id']}/messages", token,
                                  {"content": f"copy {i}"})[0], 200)
        self.assertEqual(chat(conn, "GET", f"/api/chat/rooms/{room['id']}/messages", token)[0], 200)
        conn.close()

        state = settled(admin_port, timeout=30)
        self.assertEqual((state["copies"], state["answered"], state["failed"]), (10, 10, 0), state)
        self.assertIn("compare", state, state)
        self.assertEqual(px.stop(), 0, px.output()[-3000:])
        return state, px.output(), mirror_url

    def test_a_renamed_field_on_the_mirror_is_found_on_its_route_only(self):
        state, log, url = self.mirrored_session("--regression", "renamed-field")
        compared = {(r["name"], r["method"]): r for r in state["compare"]["routes"]}
        differing = {key for key, r in compared.items() if r["differing"]}
        self.assertEqual(differing, {SEND_MESSAGE}, state["compare"])
        send = compared[SEND_MESSAGE]
        self.assertEqual((send["compared"], send["differing"]), (5, 5), send)
        got = fields(send)
        for field, kind in REGRESSIONS["renamed-field"][1]:
            self.assertIn((field, kind), got, send["fields"])
            self.assertEqual(got[(field, kind)]["count"], 5)
        self.assertEqual(sum(r["compared"] for r in compared.values()), 10, compared)
        self.assertIn(f"mirror {url}: 10 answers compared with the primary's, 5 differ", log)
        warned = [line for line in log.splitlines()
                  if f"mirror {url}: " in line and "differ from the primary's" in line]
        self.assertEqual(len(warned), 1, warned)
        self.assertIn(" ".join(SEND_MESSAGE), warned[0])
        self.assertIn("$.content (missing, 5 answers)", warned[0])

    def test_a_clean_mirror_differs_nowhere(self):
        state, log, url = self.mirrored_session()
        compared = state["compare"]["routes"]
        self.assertEqual([r for r in compared if r["differing"]], [], compared)
        self.assertEqual(sum(r["compared"] for r in compared), 10, compared)
        self.assertIn(f"mirror {url}: 10 answers compared with the primary's, 0 differ", log)
        self.assertNotIn("differ from the primary's", log)


# ---------------------------------------------------------------------------------------------
# 5. Refused inputs: one line naming the flag or the profile's field, exit 1


class RefusedInputTest(CompareCase):
    def refused(self, *args):
        run = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=20)
        lines = run.stderr.strip().splitlines()
        self.assertEqual(run.returncode, 1, run)
        self.assertEqual(len(lines), 1, lines)
        self.assertEqual(run.stdout, "")
        return lines[0]

    def test_a_malformed_ignore_path(self):
        profile = write_profile(self.path("bad.json"), dict(PROFILE, compare={"ignore": ["$.created_at", "$.a["]}))
        line = self.refused("replay", self.capture, "--target", "http://127.0.0.1:9", "--profile", profile,
                            "--compare")
        for part in (profile, "compare.ignore", "$.a["):
            self.assertIn(part, line)

    def test_baseline_without_compare(self):
        profile = write_profile(self.path("p.json"), PROFILE)
        line = self.refused("replay", self.capture, "--target", "http://127.0.0.1:9", "--profile", profile,
                            "--baseline", "http://127.0.0.1:9")
        self.assertIn("--baseline", line)
        self.assertIn("--compare", line)

    def test_proxy_compare_without_mirror(self):
        line = self.refused("proxy", "--listen", f"127.0.0.1:{free_port()}", "--upstream", "http://127.0.0.1:9",
                            "--compare")
        self.assertIn("--compare", line)
        self.assertIn("--mirror", line)


if __name__ == "__main__":
    unittest.main()
