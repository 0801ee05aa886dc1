"""`sources`: gauges read from what the service itself reports (a Prometheus /metrics page, or a
Prometheus server's query API), polled during a replay, a drill or the proxy's SLA, and judged by
thresholds like any other metric. The exporter here is prometheus_client (the library services
use) serving a gauge the test sets; the chat service's own consumer lag is test_seed_sla's."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import CollectorRegistry, Gauge, make_wsgi_app

from harness import (BIN, CountingUpstream, Proc, ReplayRun, free_port, proxy, recorded_exchange, request,
                     wait_for, wait_port, write_capture, write_profile)


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class Exporter:
    """A /metrics page on loopback with one gauge, `queue_lag{topic=...}`, set by the test; counts
    the pages it served."""

    def __init__(self):
        self.registry = CollectorRegistry()
        self.lag = Gauge("queue_lag", "Events not yet consumed", ["topic"], registry=self.registry)
        self.lag.labels(topic="message.events").set(0)
        self.lag.labels(topic="audit").set(1000)  # another topic: a source filtering by label never sees it
        self.scrapes = 0
        app = make_wsgi_app(self.registry)

        self.first_scrape = None

        def counting(environ, start_response):
            self.scrapes += 1
            if self.first_scrape is None:
                self.first_scrape = time.monotonic()
            return app(environ, start_response)

        self.server = make_server("127.0.0.1", 0, counting, handler_class=_Quiet)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}/metrics"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def set(self, value):
        self.lag.labels(topic="message.events").set(value)

    def follow(self, value_at):
        """The gauge as a function of the seconds since the first scrape (a run reads its sources
        when it starts, so these are the run's seconds, give or take a read)."""
        def value():
            return value_at(0 if self.first_scrape is None else time.monotonic() - self.first_scrape)
        self.lag.labels(topic="message.events").set_function(value)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SourcesTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="reprise-sources-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.up = CountingUpstream()
        self.addCleanup(self.up.close)
        self.exporter = Exporter()
        self.addCleanup(self.exporter.close)
        self.capture = write_capture(self.path("c.jsonl"), [
            recorded_exchange("c0-1", 0, "GET", "/api/items/1"), recorded_exchange("c0-2", 10, "POST", "/api/send")])

    def path(self, name):
        return os.path.join(self.dir, name)

    def lag_source(self, **extra):
        return {"prometheus": self.exporter.url, "metric": "queue_lag", "labels": {"topic": "message.events"},
                "every": "200ms", **extra}

    def profile(self, sources, thresholds, duration="3s"):
        return write_profile(self.path("p.json"), {
            "executor": "constant-arrival-rate", "rate": 10, "timeUnit": "1s", "duration": duration,
            "preAllocatedVUs": 5, "maxVUs": 10, "sources": sources, "thresholds": thresholds})

    def run_cmd(self, *args, timeout=60):
        summary = self.path("s.json")
        start = time.monotonic()
        done = subprocess.run([BIN, *args, "--summary", summary, "--log-level", "warn"], capture_output=True,
                              text=True, timeout=timeout)
        return ReplayRun(done, summary, time.monotonic() - start)

    def replay(self, profile, *flags):
        return self.run_cmd("replay", self.capture, "--target", self.up.url, "--profile", profile, *flags)

    def verdicts(self, run, where=None):
        return {(v["threshold"], v["condition"]): v for v in (where or run.summary)["verdicts"]}

    def test_thresholds_pass_and_fail_on_both_sides_of_the_limit(self):
        self.exporter.set(42)
        profile = self.profile({"lag": self.lag_source()},
                               {"lag": ["max<100", "value<50", "min>=42", "avg<=42", "last==42"]})
        run = self.replay(profile)
        self.assertEqual(run.returncode, 0, run)
        for v in run.summary["verdicts"]:
            self.assertEqual(v["actual"], 42, v)
        source = run.summary["sources"]["lag"]
        self.assertGreaterEqual(source["reads"], 3)  # at the start, every 200 ms, and at the end
        self.assertEqual(source["failed"], 0)
        self.assertEqual(len(source["samples"]), source["reads"])
        self.assertIn('queue_lag{topic="message.events"}', source["source"])
        self.assertRegex(run.stdout, r"lag \.+ min=42 avg=42 max=42 last=42")

        self.exporter.set(150)
        run = self.replay(profile, "--junit", self.path("j.xml"))
        self.assertEqual(run.returncode, 99, run)
        v = self.verdicts(run)
        self.assertFalse(v[("lag", "max<100")]["ok"])
        self.assertEqual(v[("lag", "max<100")]["actual"], 150)
        self.assertTrue(v[("lag", "min>=42")]["ok"])
        self.assertIn("✗ lag", run.stdout)
        with open(self.path("j.xml")) as f:
            junit = f.read()
        self.assertIn('<testcase classname="lag" name="max&lt;100"><failure message="lag max&lt;100: measured 150"/>',
                      junit)
        self.assertIn('<testcase classname="lag" name="min&gt;=42"><system-out>', junit)

    def test_a_gauge_that_rises_mid_run_is_caught_by_max_and_not_by_value(self):
        profile = self.profile({"lag": self.lag_source()}, {"lag": ["max<100", "value<100"]}, duration="4s")
        timer = threading.Timer(1.0, self.exporter.set, (500,))
        back = threading.Timer(2.0, self.exporter.set, (3,))
        timer.start()
        back.start()
        self.addCleanup(timer.cancel)
        self.addCleanup(back.cancel)
        run = self.replay(profile, "--summary-export", self.path("k6.json"))
        v = self.verdicts(run)
        self.assertEqual(v[("lag", "max<100")]["actual"], 500, run.stdout)
        with open(self.path("k6.json")) as f:
            k6 = json.load(f)["metrics"]["lag"]  # a gauge as k6 writes one; true means failed
        self.assertEqual(k6, {"value": 3, "min": 0, "max": 500, "thresholds": {"max<100": True, "value<100": False}})
        self.assertFalse(v[("lag", "max<100")]["ok"])
        self.assertEqual(v[("lag", "value<100")]["actual"], 3)  # k6's value: the last reading
        self.assertTrue(v[("lag", "value<100")]["ok"])
        self.assertEqual(run.returncode, 99)

    def test_an_unreadable_source_is_no_data_with_a_warning_not_a_crash(self):
        port = closed_port()
        profile = self.profile(
            {"lag": {"prometheus": f"http://127.0.0.1:{port}/metrics", "metric": "queue_lag", "every": "500ms"},
             "missing": self.lag_source(metric="no_such_metric")},
            {"lag": ["max<100"], "missing": ["max<100"], "http_reqs": ["count>0"]}, duration="2s")
        run = self.replay(profile)
        self.assertEqual(run.returncode, 99, run)  # a condition on nothing measured fails, and says why
        self.assertEqual(run.stderr.count("source lag: cannot read"), 1, run.stderr)  # once, not per read
        self.assertIn("Connection refused", run.stderr)
        self.assertIn("source missing: cannot read", run.stderr)
        self.assertIn("no sample no_such_metric", run.stderr)
        v = self.verdicts(run)
        self.assertIsNone(v[("lag", "max<100")]["actual"])
        self.assertTrue(v[("http_reqs", "count>0")]["ok"])  # the run itself went on
        self.assertGreater(run.counters["http_reqs"], 0)
        self.assertRegex(run.stdout, r"✗ lag .*nothing measured — all \d+ reads of the source failed")
        self.assertEqual(run.summary["sources"]["lag"]["failed"], run.summary["sources"]["lag"]["reads"])

    def test_a_malformed_source_block_is_one_line_and_exit_1(self):
        cases = [
            ({"lag": {"prometheus": self.exporter.url}}, "field sources.lag.metric: is missing"),
            ({"lag": {"promql": "up"}}, "field sources.lag.server: is missing"),
            ({"lag": {"prometheus": "localhost/metrics", "metric": "x"}}, "must start with http:// or https://"),
            ({"lag": {"prometheus": self.exporter.url, "metric": "x", "aggregate": "median"}},
             "field sources.lag.aggregate"),
            ({"http_reqs": {"promql": "up", "server": "http://127.0.0.1:9"}}, "is a metric reprise measures"),
        ]
        for sources, says in cases:
            with self.subTest(says=says):
                profile = self.profile(sources, {})
                run = self.replay(profile)
                self.assertEqual(run.returncode, 1, run)
                lines = run.stderr.strip().splitlines()
                self.assertEqual(len(lines), 1, run.stderr)
                self.assertIn(profile, lines[0])
                self.assertIn(says, lines[0])
        profile = self.profile({"lag": self.lag_source()}, {"lagg": ["max<100"]})
        run = self.replay(profile)
        self.assertEqual(run.returncode, 1)
        self.assertIn("field thresholds.lagg: names no metric", run.stderr)
        self.assertIn("lag", run.stderr)

    def test_a_drill_judges_a_source_inside_and_outside_its_fault_window(self):
        with open(self.path("faults.json"), "w") as f:
            json.dump({"faults": [{"name": "slow", "match": {"path": "/api/send"}, "delay": {"fixed": "50ms"},
                                   "window": {"start": "2s", "end": "4s"}}]}, f)
        profile = self.profile({"lag": self.lag_source()}, {"lag": ["max<100"]}, duration="6s")
        self.exporter.follow(lambda t: 300 if 2.4 <= t <= 3.6 else 1)  # within the 2s–4s window only
        run = self.run_cmd("drill", self.capture, "--upstream", self.up.url, "--profile", profile,
                           "--faults", self.path("faults.json"), "--report", self.path("r.html"))
        self.assertEqual(run.returncode, 99, run)
        windows = {w["name"]: self.verdicts(run, w) for w in run.summary["windows"]}
        inside, outside = windows["slow"][("lag", "max<100")], windows["outside"][("lag", "max<100")]
        self.assertEqual(inside["actual"], 300, run.summary["windows"])
        self.assertFalse(inside["ok"])
        self.assertTrue(outside["ok"], outside)
        self.assertLessEqual(outside["actual"], 1)
        with open(self.path("r.html")) as f:
            html = f.read()
        self.assertIn("lag (source: ", html)

    def test_shards_merge_their_readings(self):
        self.exporter.set(7)
        profile = self.profile({"lag": self.lag_source()}, {"lag": ["max<100"]}, duration="2s")
        runs = []
        for shard in (1, 2):
            run = self.run_cmd("replay", self.capture, "--target", self.up.url, "--profile", profile,
                               "--shard", f"{shard}/2")
            self.assertEqual(run.returncode, 0, run)
            shutil.copy(self.path("s.json"), self.path(f"s{shard}.json"))
            runs.append(run)
        merged = self.path("m.json")
        done = subprocess.run([BIN, "merge", self.path("s1.json"), self.path("s2.json"), "-o", merged],
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(done.returncode, 0, done.stderr)
        with open(merged) as f:
            m = json.load(f)
        reads = sum(r.summary["sources"]["lag"]["reads"] for r in runs)
        self.assertEqual(m["sources"]["lag"]["reads"], reads)
        self.assertEqual(len(m["sources"]["lag"]["samples"]), reads)
        self.assertEqual(self.verdicts(None, m)[("lag", "max<100")]["actual"], 7)

    def test_the_proxy_judges_a_source_over_its_rolling_window(self):
        sla = self.path("sla.json")
        with open(sla, "w") as f:
            json.dump({"window": "2s", "sources": {"lag": self.lag_source()}, "thresholds": {"lag": ["max<100"]}}, f)
        admin = free_port()
        self.exporter.set(10)
        with proxy(self.up.port, "--sla", sla, "--admin", f"127.0.0.1:{admin}", "--log-level", "info") as p:
            wait_port(admin, proc=p.popen)  # the admin server may open after the proxy's port
            def state():
                status, _, body = request(admin, "GET", "/sla")
                return json.loads(body)["verdicts"][0]
            self.assertTrue(wait_for(lambda: state()["state"] == "pass", 10, 0.2), state())
            self.assertEqual(state()["measured"], 10)
            self.exporter.set(250)
            self.assertTrue(wait_for(lambda: state()["state"] == "fail", 10, 0.2), state())
            self.assertEqual(state()["measured"], 250)
            _, _, metrics = request(admin, "GET", "/metrics")
            self.assertIn('reprise_threshold_ok{threshold="lag",condition="max<100"} 0', metrics.decode())
            self.exporter.set(0)  # the high reading leaves the 2 s window
            self.assertTrue(wait_for(lambda: state()["state"] == "pass", 10, 0.2), state())
            self.assertIn("SLA breach started: lag max<100 measured 250", p.output())


if __name__ == "__main__":
    unittest.main()
