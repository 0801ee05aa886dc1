"""The seed's whole SLA table, the row no HTTP client can measure included: the chat service's
notification consumer lag, read from its own /metrics and from a real Prometheus server scraping
it (Debian's `prometheus`), judged on both sides of the limit; and `reprise demo` judging the
whole table, read back from its summary."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import (BIN, SOURCE, Prometheus, ReplayRun, demo_upstream, request, wait_for,
                     write_profile)

SEED_ROWS = [("http_reqs", "rate>50"), ("http_req_duration{name:SendMessage}", "p(95)<500"),
             ("http_req_duration{name:SendMessage}", "p(99)<1000"), ("http_req_failed", "rate<0.01"),
             ("sse_connections", "value>=100"), ("notification_lag", "max<100")]


def post(port, path, body, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    status, _, data = request(port, "POST", path, headers, json.dumps(body).encode())
    return status, json.loads(data or b"null")


def lag(port):
    _, _, page = request(port, "GET", "/metrics")
    for line in page.decode().splitlines():
        if line.startswith("kafka_consumergroup_lag{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no kafka_consumergroup_lag on /metrics: {page[:500]!r}")


def fill_backlog(port, messages):
    """A user, a room and `messages` messages sent as fast as one connection goes."""
    post(port, "/api/users/register", {"email": "lag@test.com", "username": "lag", "password": "pw-123456"})
    _, login = post(port, "/api/users/login", {"email": "lag@test.com", "password": "pw-123456"})
    token = login["access_token"]
    _, room = post(port, "/api/chat/rooms", {"name": "lag"}, token)
    for i in range(messages):
        status, _ = post(port, f"/api/chat/rooms/{room['id']}/messages", {"content": f"m{i}"}, token)
        assert status == 200, status


def prometheus(workdir, targets):
    """Debian's prometheus on loopback scraping `targets` (job chat) every second."""
    config = os.path.join(workdir, "prometheus.yml")
    with open(config, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n"
                "  - job_name: chat\n    static_configs:\n"
                f"      - targets: [{', '.join(repr(t) for t in targets)}]\n")
    return Prometheus(config)


class SeedSlaTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="reprise-seed-sla-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_the_lag_read_from_the_service_and_from_prometheus_on_both_sides_of_the_limit(self):
        with demo_upstream("--delivery-rate", "5") as service:
            fill_backlog(service.port, 200)  # at most 5 a second are consumed: the backlog stays over 100
            self.assertGreater(lag(service.port), 100)
            with prometheus(self.dir, [f"127.0.0.1:{service.port}"]) as prom:
                self.assertTrue(wait_for(lambda: prom.query("max(kafka_consumergroup_lag) > 100"), 30, 0.5),
                                "prometheus never scraped the lag")
                capture = os.path.join(SOURCE, "captures/seed-messages.jsonl")
                profile = write_profile(self.path("p.json"), {
                    "executor": "constant-vus", "vus": 1, "duration": "2s",
                    "sources": {
                        "lag": {"prometheus": f"http://127.0.0.1:{service.port}/metrics",
                                "metric": "kafka_consumergroup_lag",
                                "labels": {"topic": "message.events"}, "every": "500ms"},
                        "lag_promql": {"promql": 'max(kafka_consumergroup_lag{topic="message.events"})',
                                       "server": prom.url, "every": "500ms"}},
                    "thresholds": {"lag": ["max>100", "max<100"], "lag_promql": ["max>100", "max<100"]}})
                summary = self.path("s.json")
                done = subprocess.run([BIN, "replay", capture, "--target", f"http://127.0.0.1:{service.port}",
                                       "--profile", profile, "--summary", summary, "--log-level", "warn"],
                                      capture_output=True, text=True, timeout=60)
        run = ReplayRun(done, summary, 0)
        self.assertEqual(run.returncode, 99, run)
        verdicts = {(v["threshold"], v["condition"]): v for v in run.summary["verdicts"]}
        for source in ("lag", "lag_promql"):
            self.assertTrue(verdicts[(source, "max>100")]["ok"], verdicts)
            self.assertFalse(verdicts[(source, "max<100")]["ok"], verdicts)
            self.assertGreater(verdicts[(source, "max<100")]["actual"], 100)
            self.assertEqual(run.summary["sources"][source]["failed"], 0, run.summary["sources"][source])

    def demo(self, *flags):
        summary = self.path("demo-summary.json")
        done = subprocess.run([BIN, "demo", "--log-level", "warn", "--record", self.path("demo.jsonl"),
                               "--summary", summary, *flags], capture_output=True, text=True, timeout=120,
                              cwd=self.dir)
        self.assertEqual(done.returncode, 0, done.stdout[-3000:] + done.stderr)
        with open(summary) as f:
            return done.stdout, json.load(f)

    def test_the_demo_judges_the_seeds_whole_table(self):
        out, summary = self.demo()
        verdicts = {(v["threshold"], v["condition"]): v for v in summary["verdicts"]}
        self.assertEqual(set(verdicts), set(SEED_ROWS))
        for row in SEED_ROWS:
            self.assertIsNotNone(verdicts[row]["actual"], row)  # every row measured, the lag included
        self.assertGreater(summary["sources"]["notification_lag"]["reads"], 2)
        self.assertEqual(summary["sources"]["notification_lag"]["failed"], 0)
        self.assertIn("the seed's SLA table", out)
        self.assertIn("Kafka consumer lag", out)

    def test_a_slow_consumer_shows_the_lag_rising_and_the_row_failing(self):
        out, summary = self.demo("--delivery-rate", "20")
        verdicts = {(v["threshold"], v["condition"]): v for v in summary["verdicts"]}
        row = verdicts[("notification_lag", "max<100")]
        self.assertFalse(row["ok"], row)
        self.assertGreater(row["actual"], 100)
        samples = [v for _, v in summary["sources"]["notification_lag"]["samples"]]
        self.assertLess(samples[0], row["actual"])  # it rose during the spike
        self.assertRegex(out, r"Kafka consumer lag .* ✗")


if __name__ == "__main__":
    unittest.main()
