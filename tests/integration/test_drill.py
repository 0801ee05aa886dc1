"""`reprise drill`: the proxy with faults and the replay through it in one process, one exit
code, and the SLA inside each fault window beside the SLA outside them."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import BIN, CountingUpstream, ReplayRun, recorded_exchange, write_capture, write_profile


class DrillTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="reprise-drill-test-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.up = CountingUpstream()
        self.addCleanup(self.up.close)

    def path(self, name):
        return os.path.join(self.dir, name)

    def drill(self, faults, profile, *flags, timeout=40):
        with open(self.path("faults.json"), "w") as f:
            json.dump({"faults": faults}, f)
        capture = write_capture(self.path("c.jsonl"), [
            recorded_exchange("c0-1", 0, "GET", "/api/items/1"), recorded_exchange("c0-2", 10, "POST", "/api/send")])
        write_profile(self.path("p.json"), profile)
        summary = self.path("s.json")
        args = [BIN, "drill", capture, "--upstream", self.up.url, "--profile", self.path("p.json"),
                "--faults", self.path("faults.json"), "--summary", summary, "--log-level", "warn", *flags]
        start = time.monotonic()
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
        return ReplayRun(done, summary, time.monotonic() - start)

    def test_the_sla_inside_a_fault_window_beside_outside_it(self):
        profile = {"executor": "constant-arrival-rate", "rate": 20, "timeUnit": "1s", "duration": "7s",
                   "preAllocatedVUs": 10, "maxVUs": 20, "routes": {"Send": "POST /api/send"},
                   "thresholds": {"http_req_duration{name:Send}": ["p(95)<150"], "http_reqs": ["count>0"]}}
        faults = [{"name": "slow-send", "match": {"method": "POST", "path": "/api/send"},
                   "window": {"start": "2s", "end": "5s"}, "delay": {"fixed": "200ms"}}]
        run = self.drill(faults, profile, "--report", self.path("r.html"))
        self.assertEqual(run.returncode, 99, run)  # the whole run's p95 takes in the slow seconds
        windows = {w["name"]: w for w in run.summary["windows"]}
        self.assertEqual(set(windows), {"slow-send", "outside"})
        inside = {v["threshold"]: v for v in windows["slow-send"]["verdicts"]}
        outside = {v["threshold"]: v for v in windows["outside"]["verdicts"]}
        self.assertFalse(inside["http_req_duration{name:Send}"]["ok"])
        # What holds on any machine: the window's requests took their 200 ms at least; outside it
        # none did (a request at a window's edge may fall either way, too few to move a p95).
        self.assertGreaterEqual(inside["http_req_duration{name:Send}"]["actual"], 200)
        self.assertLess(inside["http_req_duration{name:Send}"]["actual"], 1000)
        self.assertTrue(outside["http_req_duration{name:Send}"]["ok"], outside)
        self.assertAlmostEqual(windows["slow-send"]["covered_s"], 3, delta=1.1)
        self.assertIn("thresholds by fault window", run.stdout)
        with open(self.path("r.html")) as f:
            html = f.read()
        self.assertIn("Thresholds by fault window", html)
        self.assertIn("slow-send 2–5 s", html)
        # everything went through the proxy to the upstream
        self.assertEqual(len(self.up.arrivals), run.counters["http_reqs"])

    def test_an_abort_fault_shows_in_the_verdict_and_the_exit_code(self):
        profile = {"executor": "constant-arrival-rate", "rate": 30, "timeUnit": "1s", "duration": "3s",
                   "preAllocatedVUs": 10, "thresholds": {"http_req_failed": ["rate<0.01"]}}
        faults = [{"name": "items-503", "match": {"path": "/api/items/*"}, "abort": {"status": 503}}]
        run = self.drill(faults, profile, "--seed", "3")
        self.assertEqual(run.returncode, 99, run)
        self.assertAlmostEqual(run.summary["verdicts"][0]["actual"], 0.5, delta=0.02)
        self.assertEqual(run.status(503), run.counters["http_reqs"] // 2)
        self.assertNotIn("windows", run.summary, "no fault has a window: nothing to split")

    def test_a_malformed_fault_file_is_one_line_and_exit_1(self):
        run = self.drill([{"name": "x", "delay": {"fixed": "soon"}}], {"executor": "replay-timing"})
        self.assertEqual(run.returncode, 1, run)
        lines = run.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, run.stderr)
        self.assertIn("faults.json:field faults[0].delay.fixed", lines[0])


if __name__ == "__main__":
    unittest.main()
