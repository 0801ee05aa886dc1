"""The Grafana dashboard (docker/grafana/dashboards/reprise.json) against a real Prometheus:
Debian's `prometheus`, with the jobs of docker/prometheus/prometheus.yml pointed at loopback and a
1 s scrape interval, scrapes a live proxy (--admin with its token, --sla, --faults with faults that
fire, --mirror with --mirror-sla) in front of the built-in chat service and a live replay
(--metrics) of the chat sample through that proxy (an SSE stream included). Once both have been
scraped for a few seconds, every variable's label_values and every panel's every query, with the
variables put in as Grafana would (All: .*, $__rate_interval: 15s), is run through Prometheus's
HTTP API at one moment while the replay ran: each must succeed and give at least one series with
a number. A panel added without a series source fails here; so does a query naming a metric no
reprise process exposes. The replay's --metrics has the profile's thresholds judged on the run so
far, under the proxy's family names.

Run: cd tests/integration && /usr/bin/python3 -m unittest test_grafana_dashboard -v"""
import json
import math
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import yaml  # Debian's python3-yaml

import dashboard_queries
from harness import SOURCE, Prometheus, demo_upstream, free_port, proxy, reprise, wait_port

PROXY_JOB, REPLAY_JOB = "reprise-proxy", "reprise-replay"
ROUTES = {"SendMessage": "POST /api/chat/rooms/*/messages", "Login": "POST /api/users/login",
          "Stream": "GET /api/notifications/stream"}
SLA = {"window": "10s", "routes": ROUTES,
       "thresholds": {"http_req_duration{name:SendMessage}": ["p(95)<2000"], "http_req_failed": ["rate<0.01"]}}
FAULTS = {"faults": [
    {"name": "slow-login", "match": {"path": "/api/users/login"}, "delay": {"fixed": "2ms"}},
    {"name": "search-503", "match": {"path": "/api/users/search"}, "percent": 50, "abort": {"status": 503}}]}
# 3 iterations a second of the chat sample (its stream included) for up to 25 s: stopped sooner,
# once Prometheus has what the queries need.
PROFILE = {"executor": "constant-arrival-rate", "rate": 3, "timeUnit": "1s", "duration": "25s",
           "preAllocatedVUs": 5, "maxVUs": 20, "gracefulStop": "1s", "sse": {"hold": "2s"}, "routes": ROUTES,
           "thresholds": {"http_req_duration{name:SendMessage}": ["p(95)<2000"],
                          "http_req_failed": ["rate<0.01"]}}
SCRAPES_WANTED = 6  # of each job, data in every one: several samples inside $__rate_interval


def scrape_config(workdir, targets, token_file):
    """docker/prometheus/prometheus.yml with its jobs' targets on loopback, a 1 s interval and the
    token file in the test's folder: the compose file's jobs and authorization, checked live."""
    with open(os.path.join(SOURCE, "docker/prometheus/prometheus.yml")) as f:
        config = yaml.safe_load(f)
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == set(targets), f"prometheus.yml's jobs {sorted(jobs)}"
    for name, job in jobs.items():
        job["static_configs"] = [{"targets": [targets[name]]}]
        if "authorization" in job:
            job["authorization"]["credentials_file"] = token_file
    path = os.path.join(workdir, "prometheus.yml")
    with open(path, "w") as f:
        yaml.safe_dump(config, f)
    return path


class GrafanaDashboardTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="reprise-grafana-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def write(self, name, value):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(value if isinstance(value, str) else json.dumps(value))
        return path

    def start(self, proc):
        self.addCleanup(proc.__exit__)
        return proc

    def wait_for_scrapes(self, prom, replay, timeout=40.0):
        """Until each job has had SCRAPES_WANTED scrapes with reprise's series in them, and the
        faults, the mirror and the replay's thresholds have shown up; the moment (Prometheus's
        clock) to run the queries at."""
        wanted = {f'count_over_time(reprise_http_reqs_total{{job="{job}",name="Login",target!="mirror"}}[1m])':
                  SCRAPES_WANTED for job in (PROXY_JOB, REPLAY_JOB)}
        wanted.update({'count(reprise_faults_injected_total{name="search-503"} > 0)': 1,
                       'count(reprise_http_reqs_total{target="mirror"} > 0)': 1,
                       'count(reprise_sse_events_total > 0)': 1,
                       f'count(reprise_threshold_ok{{job="{REPLAY_JOB}"}})': 1})
        end = time.monotonic() + timeout
        while True:
            missing = {q: prom.value(q) for q, n in wanted.items() if prom.value(q) < n}
            if not missing:
                return prom.api("query", query="time()")["result"][1]
            if replay.popen.poll() is not None or time.monotonic() > end:
                self.fail(f"Prometheus did not get what the dashboard needs: {missing}\n{replay.output()}")
            time.sleep(0.5)

    def test_every_panel_query_returns_series_from_a_live_proxy_and_replay(self):
        dashboard = dashboard_queries.load()
        queries = dashboard_queries.queries(dashboard)  # raises on a panel without a query
        token = self.write("admin.token", "grafana-test-token\n")
        chat = self.start(demo_upstream())
        shadow = self.start(demo_upstream())
        admin = free_port()
        px = self.start(proxy(chat.port, "--admin", f"127.0.0.1:{admin}", "--admin-token-file", token,
                              "--sla", self.write("sla.json", SLA), "--faults", self.write("faults.json", FAULTS),
                              "--mirror", f"http://127.0.0.1:{shadow.port}",
                              "--mirror-sla", self.write("mirror-sla.json", SLA), "--threads", "1"))
        wait_port(admin, proc=px.popen)
        metrics = free_port()
        config = scrape_config(self.dir, {PROXY_JOB: f"127.0.0.1:{admin}", REPLAY_JOB: f"127.0.0.1:{metrics}"},
                               token)
        check = subprocess.run(["promtool", "check", "config", config], capture_output=True, text=True, timeout=30)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        prom = self.start(Prometheus(config))
        replay = self.start(reprise("replay", os.path.join(SOURCE, "captures/chat-sample.jsonl"),
                                    "--target", f"http://127.0.0.1:{px.port}",
                                    "--profile", self.write("profile.json", PROFILE),
                                    "--metrics", f"127.0.0.1:{metrics}", port=metrics))
        at = self.wait_for_scrapes(prom, replay)

        targets = prom.api("targets")["activeTargets"]
        self.assertEqual({t["labels"]["job"]: t["health"] for t in targets}, {PROXY_JOB: "up", REPLAY_JOB: "up"},
                         [t.get("lastError") for t in targets])

        for name, selector, label in dashboard_queries.variable_queries(dashboard):
            params = {"match[]": [selector]} if selector else {}
            values = prom.api(f"label/{label}/values", **params)
            self.assertTrue(values, f"variable {name}: label_values({selector}, {label}) is empty")
            if name == "job":
                self.assertEqual(set(values), {PROXY_JOB, REPLAY_JOB})

        empty = []
        for title, ref, expr in queries:
            result = prom.api("query", query=expr, time=at)["result"]
            numbers = [float(r["value"][1]) for r in result if math.isfinite(float(r["value"][1]))]
            if not numbers:
                empty.append(f"{title} [{ref}]: {expr} -> {result}")
        self.assertEqual(empty, [], "panels whose query gives no series with a number")

        exposed = set(prom.api("label/__name__/values"))
        self.assertEqual(dashboard_queries.metric_names(dashboard) - exposed, set(),
                         "metrics the dashboard names that no reprise process exposed")

        # The replay's thresholds, judged on the run so far, under the proxy's family names.
        ok = prom.api("query", query=f'reprise_threshold_ok{{job="{REPLAY_JOB}"}}', time=at)["result"]
        self.assertEqual({(r["metric"]["threshold"], r["metric"]["condition"]) for r in ok},
                         {("http_req_duration{name:SendMessage}", "p(95)<2000"), ("http_req_failed", "rate<0.01")})
        states = {r["metric"]["threshold"]: r["value"][1] for r in ok}
        self.assertEqual(states["http_req_failed"], "0", "half the searches get the fault's 503: failing")
        self.assertEqual(states["http_req_duration{name:SendMessage}"], "1")
        failed = prom.value(f'reprise_threshold_value{{job="{REPLAY_JOB}",threshold="http_req_failed"}}', -1)
        self.assertGreater(failed, 0.01)
        self.assertLess(failed, 1)


if __name__ == "__main__":
    unittest.main()
