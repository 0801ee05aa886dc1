"""`reprise replay` against a live chat service: a session recorded through `reprise proxy
--record` (register, login, authenticated calls, a created room) replays against a freshly
started demo service only because the token and the room id are correlated, and fails with 401
without correlation; identities turn one recorded registration into 1,000 distinct users who
can log in afterwards with the password the profile names."""
import collections
import http.client
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import BIN, SOURCE, capture_records, demo_upstream, proxy, replay, write_profile

PASSWORD = "Replay-Pass-42"


def call(conn, method, path, body=None, token=None):
    """One request on an open connection: (status, decoded JSON body or None)."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    res = conn.getresponse()
    data = res.read()
    return res.status, json.loads(data) if data else None


def login(port, email, password):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        return call(conn, "POST", "/api/users/login", {"email": email, "password": password})
    finally:
        conn.close()


def record(path, session, prepare=None):
    """Records `session(conn)` (one client connection, so one session) through the proxy in front
    of a fresh demo service; `prepare(port)` first talks to the demo directly, unrecorded."""
    with demo_upstream("--log-level", "warn") as demo:
        if prepare:
            prepare(demo.port)
        with proxy(demo.port, "--record", path, "--log-level", "warn") as px:
            conn = http.client.HTTPConnection("127.0.0.1", px.port, timeout=10)
            try:
                result = session(conn)
            finally:
                conn.close()
            time.sleep(0.2)
    return result


def five_rooms_first(port):
    """Another user and five rooms, so that the recorded user and room ids are not the ones a
    fresh service hands out."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        call(conn, "POST", "/api/users/register", {"email": "prep@test.com", "username": "prep", "password": "p"})
        _, token = call(conn, "POST", "/api/users/login", {"email": "prep@test.com", "password": "p"})
        for i in range(5):
            call(conn, "POST", "/api/chat/rooms", {"name": f"prep {i}"}, token["access_token"])
    finally:
        conn.close()


def chat_session(conn):
    statuses = []
    alice = {"email": "alice@corr.test", "username": "alice", "password": "Secret-pass-1", "display_name": "Alice"}
    statuses.append(call(conn, "POST", "/api/users/register", alice)[0])
    status, body = call(conn, "POST", "/api/users/login", {"email": alice["email"], "password": alice["password"]})
    statuses.append(status)
    token = body["access_token"]
    statuses.append(call(conn, "GET", "/api/users/me", token=token)[0])
    status, room = call(conn, "POST", "/api/chat/rooms", {"name": "corr room"}, token)
    statuses.append(status)
    statuses.append(call(conn, "POST", f"/api/chat/rooms/{room['id']}/messages", {"content": "hello"}, token)[0])
    statuses.append(call(conn, "GET", f"/api/chat/rooms/{room['id']}/messages?limit=10", token=token)[0])
    statuses.append(call(conn, "GET", "/api/users/search?q=alice", token=token)[0])
    return statuses, room["id"]


class CorrelationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="reprise-correlation-")
        cls.capture = os.path.join(cls.dir, "session.jsonl")
        cls.recorded_statuses, cls.recorded_room = record(cls.capture, chat_session, five_rooms_first)
        cls.profile = write_profile(os.path.join(cls.dir, "timing.json"), {"executor": "replay-timing"})

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_the_recording_is_one_session_with_a_non_fresh_room_id(self):
        self.assertEqual(self.recorded_statuses, [201, 200, 200, 201, 200, 200, 200])
        self.assertEqual(self.recorded_room, 6)
        _, records = capture_records(self.capture)
        self.assertEqual(len(records), 7)
        self.assertEqual(len({r["session"] for r in records}), 1)
        with open(self.capture) as f:
            self.assertNotIn("Secret-pass-1", f.read())

    def test_correlated_replay_against_a_fresh_service_answers_as_recorded(self):
        with demo_upstream("--log-level", "warn") as demo:
            run = replay(self.capture, f"http://127.0.0.1:{demo.port}", self.profile, timeout=30)
            self.assertEqual(run.returncode, 0, run)
            self.assertEqual(run.summary["status"], {"200": 5, "201": 2}, "no 401 (token) and no 404 (room id)")
            self.assertEqual(run.counters["http_req_failed"], 0)
            # the message went to the room the live service created (id 1), under the replayed user
            _, records = capture_records(self.capture)
            password = json.loads(records[0]["req"]["body"])["password"]
            # the copy registered as a user of its own: automatic identities made the recorded email
            # unique with the run's mark and the copy's number (1: the run's first copy)
            status, body = login(demo.port, f"alice_1_{run.summary['run']}@corr.test", password)
            self.assertEqual(status, 200)
            conn = http.client.HTTPConnection("127.0.0.1", demo.port, timeout=10)
            try:
                status, messages = call(conn, "GET", "/api/chat/rooms/1/messages", token=body["access_token"])
            finally:
                conn.close()
            self.assertEqual(status, 200)
            self.assertEqual([m["content"] for m in messages["messages"]], ["hello"])

    def test_without_correlation_the_recorded_token_is_refused(self):
        with demo_upstream("--log-level", "warn") as demo:
            run = replay(self.capture, f"http://127.0.0.1:{demo.port}", self.profile, "--no-correlate", timeout=30)
        self.assertEqual(run.returncode, 0, run)
        self.assertGreater(run.status(401), 0)
        self.assertEqual(run.status(401), 5, "every request after the login carries the dead token")
        self.assertEqual((run.status(201), run.status(200)), (1, 1), "register and login need no token")

    def test_the_sample_capture_replays_without_new_401s(self):
        sample = os.path.join(SOURCE, "captures/chat-sample.jsonl")
        _, records = capture_records(sample)
        recorded_401 = sum(1 for r in records if r.get("res", {}).get("status") == 401)
        foreign = tokens_from_other_sessions(records)
        self.assertEqual(recorded_401, 1, "the sample's one GET /api/users/me without a token")
        self.assertEqual(foreign, ["GET /api/notifications/stream"], "c0-4's stream uses c0-2's login")
        with demo_upstream("--log-level", "warn", "--heartbeat", "1s") as demo:
            run = replay(sample, f"http://127.0.0.1:{demo.port}", self.profile, timeout=30)
        self.assertEqual(run.returncode, 0, run)
        self.assertEqual(run.counters["http_reqs"], len(records))
        # the only 401 is the recorded one: the stream opened on another connection gets the token
        # that the live login of its user's first connection handed out
        self.assertEqual(run.status(401), recorded_401, run.summary["status"])
        self.assertEqual((run.status(201), run.status(400), run.status(403)), (4, 1, 1), run.summary["status"])
        self.assertEqual(run.counters["sse_connections"], 1)


def tokens_from_other_sessions(records):
    """Requests answered other than 401 when recorded whose Bearer placeholder no earlier
    response of their own session (connection) handed out: they need the value from another."""
    out = []
    handed = collections.defaultdict(str)
    for r in sorted(records, key=lambda r: r["t_us"]):
        auth = [v for k, v in r["req"]["headers"] if k.lower() == "authorization"]
        token = auth[0].split(" ", 1)[1] if auth else None
        if token and token not in handed[r["session"]] and r.get("res", {}).get("status") != 401:
            out.append(f"{r['req']['method']} {r['req']['target']}")
        handed[r["session"]] += r.get("res", {}).get("body", "")
    return out


def register_and_login(conn):
    seed = {"email": "seed@test.com", "username": "seed", "password": "Seed-pass-1", "display_name": "Seed"}
    statuses = [call(conn, "POST", "/api/users/register", seed)[0]]
    statuses.append(call(conn, "POST", "/api/users/login", {"email": seed["email"], "password": seed["password"]})[0])
    return statuses


class IdentityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="reprise-identities-")
        cls.capture = os.path.join(cls.dir, "register.jsonl")
        cls.recorded_statuses = record(cls.capture, register_and_login)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def identities_profile(self, name, vus, password="${env:REPRISE_PASSWORD}"):
        return write_profile(os.path.join(self.dir, name), {
            "executor": "per-vu-iterations", "vus": vus, "iterations": 1, "maxDuration": "60s",
            "identities": {"template": {"email": "user{vu}@test.com", "username": "user{vu}"}, "password": password}})

    def test_one_registration_becomes_a_thousand_users(self):
        self.assertEqual(self.recorded_statuses, [201, 200])
        profile = self.identities_profile("thousand.json", 1000)
        with demo_upstream("--log-level", "warn") as demo:
            run = replay(self.capture, f"http://127.0.0.1:{demo.port}", profile, timeout=60,
                         env={"REPRISE_PASSWORD": PASSWORD})
            self.assertEqual(run.returncode, 0, run)
            self.assertEqual(run.status(201), 1000, run.summary["status"])
            self.assertEqual(run.status(400), 0, "no duplicate user")
            self.assertEqual(run.status(200), 1000, "every user logged in with the profile's password")
            self.assertEqual(run.counters["iterations"], 1000)
            for n in (1, 500, 1000):
                status, body = login(demo.port, f"user{n}@test.com", PASSWORD)
                self.assertEqual(status, 200, f"user{n}: {body}")
            self.assertEqual(login(demo.port, "user1001@test.com", PASSWORD)[0], 401)
            self.assertEqual(login(demo.port, "seed@test.com", "Seed-pass-1")[0], 401, "the recorded user is not sent")

    def test_vu_numbers_are_global_across_shards(self):
        profile = self.identities_profile("four.json", 4)
        with demo_upstream("--log-level", "warn") as demo:
            run = replay(self.capture, f"http://127.0.0.1:{demo.port}", profile, "--shard", "2/2", timeout=30,
                         env={"REPRISE_PASSWORD": PASSWORD})
            self.assertEqual(run.returncode, 0, run)
            self.assertEqual(run.status(201), 2)
            self.assertEqual([login(demo.port, f"user{n}@test.com", PASSWORD)[0] for n in (1, 2, 3, 4)],
                             [401, 200, 401, 200])

    def test_a_missing_environment_variable_is_an_error_at_start(self):
        profile = self.identities_profile("unset.json", 2, "${env:REPRISE_TEST_UNSET_VARIABLE}")
        env = {k: v for k, v in os.environ.items() if k != "REPRISE_TEST_UNSET_VARIABLE"}
        with demo_upstream("--log-level", "warn") as demo:
            res = subprocess.run([BIN, "replay", self.capture, "--target", f"http://127.0.0.1:{demo.port}",
                                  "--profile", profile], capture_output=True, text=True, timeout=30, env=env)
        self.assertEqual(res.returncode, 1, res.stderr)
        lines = [l for l in res.stderr.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, res.stderr)
        self.assertIn("unset.json", lines[0])
        self.assertIn("REPRISE_TEST_UNSET_VARIABLE", lines[0])


if __name__ == "__main__":
    unittest.main()
