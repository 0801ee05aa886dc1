"""The chat services' asynchronous delivery path (tests/upstreams/README.md, "Delivery queue"):
`reprise upstream-demo --delivery-rate N` and the FastAPI app with CHAT_DELIVERY_RATE=N. A burst
of messages into a room with a streaming member, far faster than a small rate, shows on
GET /metrics as a consumer lag well above 100; then the lag falls back to 0 and the stream has
every message, in the order the service numbered them, no sooner than the rate allows.

Run: cd tests/integration && /usr/bin/python3 -m unittest -v test_delivery_lag
Every wait is bounded; every server is started here and stopped by its PID.
"""
import http.client
import json
import os
import subprocess
import threading
import time
import unittest

import harness
from test_chat_api import SseClient, api, start_fastapi

RATE = 20        # events a second: small, so a burst sent in a few seconds builds a backlog
BURST = 200      # messages; the consumer takes at most RATE a second plus RATE / 10 saved
SENDERS = 8      # connections the burst is sent on at once
DRAIN = 30.0     # seconds allowed for the backlog to go (BURST / RATE = 10 s at the rate)
LAG_LINE = 'kafka_consumergroup_lag{consumergroup="notification-delivery",topic="message.events",partition="0"} '


def metrics(port):
    status, text, headers = api(port, "GET", "/metrics")
    assert status == 200, (status, text)
    return text.decode(), headers


def figure(port, prefix):
    text, _ = metrics(port)
    values = [float(line[len(prefix):]) for line in text.splitlines() if line.startswith(prefix)]
    assert len(values) == 1, text
    return values[0]


def lag(port):
    return figure(port, LAG_LINE)


def user(port, name):
    creds = {"email": f"{name}@example.org", "username": name, "password": f"pw-{name}"}
    status, body, _ = api(port, "POST", "/api/users/register", body=creds)
    assert status == 201, body
    status, body, _ = api(port, "POST", "/api/users/login", body={"email": creds["email"], "password": creds["password"]})
    assert status == 200, body
    return body["access_token"]


def send_burst(port, token, room, count, senders):
    """`count` messages on `senders` keep-alive connections at once; their message ids."""
    ids, errors = [], []

    def run(first):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            for i in range(first, count, senders):
                conn.request("POST", f"/api/chat/rooms/{room}/messages", body=json.dumps({"content": f"burst {i}"}),
                             headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
                res = conn.getresponse()
                body = json.loads(res.read())
                if res.status != 200:
                    errors.append((res.status, body))
                else:
                    ids.append(body["message_id"])
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(s,)) for s in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[:3]
    assert len(ids) == count, len(ids)
    return ids


class DeliveryScenario:
    """Subclasses start the service at cls.port with a delivery rate of RATE."""

    def test_metrics_for_anyone(self):
        text, headers = metrics(self.port)
        self.assertTrue(headers["content-type"].startswith("text/plain; version=0.0.4"), headers)
        for name, kind in (("kafka_consumergroup_lag", "gauge"), ("chat_events_published_total", "counter"),
                           ("chat_events_consumed_total", "counter"), ("chat_events_lag_max", "gauge")):
            self.assertIn(f"# TYPE {name} {kind}\n", text)
            self.assertIn(f"# HELP {name} ", text)
        self.assertIn("\n" + LAG_LINE, text)
        self.assertEqual(api(self.port, "POST", "/metrics", body={})[0], 404)

    def test_burst_builds_lag_then_drains_in_order(self):
        alice, bob = user(self.port, "alice"), user(self.port, "bob")
        status, room, _ = api(self.port, "POST", "/api/chat/rooms", alice, {"name": "burst"})
        self.assertEqual(status, 201)
        with SseClient(self.port, bob) as sse:
            sse.event("connected")
            api(self.port, "POST", f"/api/chat/rooms/{room['id']}/messages", bob, {"content": "bob joins"})
            sse.event("message", {"content": "bob joins"}, timeout=DRAIN)
            published = figure(self.port, "chat_events_published_total ")
            start = time.monotonic()
            ids = send_burst(self.port, alice, room["id"], BURST, SENDERS)
            sent_in = time.monotonic() - start
            # At most RATE a second (plus RATE / 10 saved) can have gone while the burst was sent.
            self.assertGreater(lag(self.port), 100, f"burst sent in {sent_in:.1f}s")
            self.assertEqual(figure(self.port, "chat_events_published_total "), published + BURST)
            self.assertTrue(harness.wait_for(lambda: lag(self.port) == 0, DRAIN, step=0.2),
                            f"lag still {lag(self.port)} after {DRAIN}s")
            received = [sse.event("message", timeout=5)["message_id"] for _ in range(BURST)]
            drained_in = time.monotonic() - start
        self.assertEqual(received, sorted(ids))
        self.assertGreaterEqual(figure(self.port, "chat_events_lag_max "), 100)
        # No faster than the rate allows, on any machine: (BURST - saved tokens) / RATE seconds.
        self.assertGreater(drained_in, 0.9 * (BURST - RATE / 10) / RATE)


@unittest.skipUnless(os.path.exists(harness.BIN), f"reprise binary not built yet: {harness.BIN}")
class DemoUpstream(DeliveryScenario, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        proc = harness.demo_upstream("--heartbeat", "1s", "--delivery-rate", str(RATE))
        cls.addClassCleanup(proc.stop)
        cls.port = proc.port

    def test_bad_rate_is_one_line_and_exit_1(self):
        for value in ("-1", "fast"):
            res = subprocess.run([harness.BIN, "upstream-demo", "--listen", "127.0.0.1:0", "--delivery-rate", value],
                                 capture_output=True, text=True, timeout=10)
            self.assertEqual(res.returncode, 1, res.stderr)
            lines = res.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, res.stderr)
            self.assertIn("--delivery-rate", lines[0])


class FastApi(DeliveryScenario, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        proc = start_fastapi(CHAT_DELIVERY_RATE=str(RATE))
        cls.addClassCleanup(proc.stop)
        cls.port = proc.port

    def test_bad_rate_stops_the_app(self):
        res = subprocess.run([harness.PYTHON, "-m", "uvicorn", "chat_app:app", "--host", "127.0.0.1",
                              "--port", str(harness.free_port())], env=dict(os.environ, CHAT_DELIVERY_RATE="fast"),
                             cwd=os.path.join(harness.SOURCE, "tests/upstreams"), capture_output=True, text=True,
                             timeout=30)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("CHAT_DELIVERY_RATE: 'fast' is not a number", res.stderr)


if __name__ == "__main__":
    unittest.main()
