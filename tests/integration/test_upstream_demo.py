"""`reprise upstream-demo`'s own extras over real sockets: each --regression changes its one
thing (docs/demo.md's table), --noise-field adds a random field to every JSON object answer, and
the anonymous lobby (GET /, its stream, its figures and stats) works directly and through
`reprise proxy`.

Run: cd tests/integration && /usr/bin/python3 -m unittest -v test_upstream_demo
Every wait is bounded; every server is started here and stopped by its PID.
"""
import os
import subprocess
import unittest

import harness
from test_chat_api import SseClient, api

WAIT = 5.0  # seconds for any one event or count to show


class Client:
    """The demo's calls against one service: two users, a room, a message, the room's list."""

    def __init__(self, port):
        self.port = port

    def call(self, method, path, token=None, body=None, expect=None):
        status, parsed, headers = api(self.port, method, path, token, body)
        if expect is not None:
            assert status == expect, f"{method} {path}: {status} {parsed!r}"
        return status, parsed, headers

    def user(self, name):
        creds = {"email": f"{name}@example.org", "username": name, "password": f"pw-{name}"}
        _, user, _ = self.call("POST", "/api/users/register", body=creds, expect=201)
        _, login, _ = self.call("POST", "/api/users/login", body={"email": creds["email"],
                                                                  "password": creds["password"]}, expect=200)
        return user["id"], login["access_token"]

    def walk(self):
        """The answers of the routes regressions touch, by route name, and Bob's (id, token)."""
        _, alice = self.user("alice")
        bob_id, bob = self.user("bob")
        create = self.call("POST", "/api/chat/rooms", alice, {"name": "general"})
        room = create[1]["id"]
        send = self.call("POST", f"/api/chat/rooms/{room}/messages", bob, {"content": "hi"}, expect=200)
        messages = self.call("GET", f"/api/chat/rooms/{room}/messages?limit=50", alice, expect=200)
        return {"CreateRoom": create, "SendMessage": send, "GetMessages": messages,
                "bob": (bob_id, bob)}


def first_event(port, token):
    """The name of a notification stream's first event; the stream is closed after it."""
    with SseClient(port, token) as sse:
        events = lambda: [name for kind, name, _ in list(sse.items) if kind == "event"]
        assert harness.wait_for(lambda: events(), WAIT), f"no event within {WAIT}s: {sse.raw!r}"
        return events()[0]


@unittest.skipUnless(os.path.exists(harness.BIN), f"reprise binary not built yet: {harness.BIN}")
class Regressions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.plain = cls.service()
        cls.plain_walk = Client(cls.plain.port).walk()

    @classmethod
    def service(cls, *flags):
        proc = harness.demo_upstream("--heartbeat", "1s", *flags)
        cls.addClassCleanup(proc.stop)
        return proc

    def regressed_walk(self, *kinds):
        flags = [arg for kind in kinds for arg in ("--regression", kind)]
        return Client(self.service(*flags).port).walk()

    def test_plain_answers(self):
        w = self.plain_walk
        self.assertEqual(w["CreateRoom"][0], 201)
        self.assertEqual(list(w["SendMessage"][1]),
                         ["message_id", "room_id", "sender_id", "content", "message_type", "created_at"])
        self.assertEqual(w["SendMessage"][1]["sender_id"], 2)
        self.assertEqual(len(w["GetMessages"][1]["messages"]), 1)

    def test_renamed_field(self):
        w = self.regressed_walk("renamed-field")
        self.assertEqual(list(w["SendMessage"][1]),
                         ["message_id", "room_id", "sender_id", "text", "message_type", "created_at"])
        self.assertEqual(w["SendMessage"][1]["text"], "hi")
        self.assertEqual(w["GetMessages"][1]["messages"][0]["content"], "hi")
        self.assertEqual(w["CreateRoom"][0], 201)

    def test_number_string(self):
        w = self.regressed_walk("number-string")
        self.assertEqual(w["SendMessage"][1]["sender_id"], "2")
        self.assertEqual(w["SendMessage"][1]["content"], "hi")
        self.assertEqual(w["GetMessages"][1]["messages"][0]["sender_id"], 2)

    def test_status(self):
        w = self.regressed_walk("status")
        self.assertEqual(w["CreateRoom"][0], 200)
        self.assertEqual(w["CreateRoom"][1], self.plain_walk["CreateRoom"][1])
        self.assertEqual(w["SendMessage"][0], 200)

    def test_empty_list(self):
        w = self.regressed_walk("empty-list")
        self.assertEqual(w["GetMessages"][0], 200)
        self.assertEqual(w["GetMessages"][1], {"room_id": 1, "messages": []})
        self.assertEqual(w["SendMessage"][1]["content"], "hi")

    def test_sse_event(self):
        _, plain_token = self.plain_walk["bob"]
        self.assertEqual(first_event(self.plain.port, plain_token), "connected")
        proc = self.service("--regression", "sse-event")
        client = Client(proc.port)
        w = client.walk()
        _, bob = w["bob"]
        _, carol = client.user("carol")
        with SseClient(proc.port, bob) as sse:
            self.assertEqual(sse.status, 200)
            sse.wait("comment", "heartbeat", timeout=WAIT)  # the stream is open, and said nothing before
            self.assertEqual(sse.pending("event", "connected"), [])
            client.call("POST", "/api/chat/rooms/1/messages", carol, {"content": "after"}, expect=200)
            self.assertEqual(sse.event("message")["content"], "after")
            self.assertEqual(sse.pending("event", "connected"), [])

    def test_several_kinds_in_one_flag_or_many(self):
        for flags in (["--regression", "status,empty-list"], ["--regression", "status", "--regression", "empty-list"]):
            with self.subTest(flags=flags):
                w = Client(self.service(*flags).port).walk()
                self.assertEqual(w["CreateRoom"][0], 200)
                self.assertEqual(w["GetMessages"][1]["messages"], [])
                self.assertEqual(w["SendMessage"][1]["content"], "hi")

    def test_unknown_kind_is_one_line_and_exit_1(self):
        res = subprocess.run([harness.BIN, "upstream-demo", "--listen", "127.0.0.1:0", "--regression", "typo"],
                             capture_output=True, text=True, timeout=10)
        self.assertEqual(res.returncode, 1)
        lines = res.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, res.stderr)
        self.assertIn("--regression", lines[0])
        self.assertIn("typo", lines[0])


@unittest.skipUnless(os.path.exists(harness.BIN), f"reprise binary not built yet: {harness.BIN}")
class NoiseField(unittest.TestCase):
    def test_two_instances_differ_only_in_the_noise(self):
        answers = []
        for _ in range(2):
            proc = harness.demo_upstream("--noise-field", "nonce")
            self.addCleanup(proc.stop)
            client = Client(proc.port)
            _, token = client.user("alice")
            answers.append([client.call("GET", "/api/users/me", token)[1],
                            client.call("POST", "/api/chat/rooms", token, {"name": "r"})[1],
                            client.call("GET", "/api/users/me")[1],
                            client.call("GET", "/api/chat/rooms", token)[1]])
        nonces = set()
        for me, room, refused, rooms in answers:
            for answer in (me, room, refused):
                self.assertRegex(answer.pop("nonce"), r"^[0-9a-f]{16}$")
            nonces.update(a["nonce"] for a in rooms if "nonce" in a)
            self.assertEqual(rooms, [room])  # a list gains nothing, nor its items
        self.assertEqual(nonces, set())
        self.assertEqual(answers[0], answers[1])


class LobbyScenario:
    """The lobby as a browser would walk it, with plain HTTP, at cls.port: the service's own port,
    or a proxy's in front of it when a subclass sets through_proxy. Stats come from the service."""

    through_proxy = False

    @classmethod
    def setUpClass(cls):
        app = harness.demo_upstream("--heartbeat", "10s")
        cls.addClassCleanup(app.stop)
        cls.port = cls.app_port = app.port
        if cls.through_proxy:
            proxy = harness.proxy(app.port)
            cls.addClassCleanup(proxy.stop)
            cls.port = proxy.port

    def stats(self):
        return api(self.app_port, "GET", "/api/lobby/stats")[1]

    def test_page(self):
        before = self.stats()["page_loads"]
        status, page, headers = api(self.port, "GET", "/")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/html"), headers)
        text = page.decode()
        self.assertIn('new EventSource("/api/lobby/stream")', text)
        self.assertIn('document.title = "ready"', text)
        self.assertNotIn("http://", text)
        self.assertEqual(self.stats()["page_loads"], before + 1)

    def test_stream_figures_and_end(self):
        client = Client(self.port)
        _, token = client.user(f"lobby{self.port}")
        opened = self.stats()["lobby_streams"]
        with SseClient(self.port, None, path="/api/lobby/stream") as sse:
            self.assertEqual(sse.status, 200)
            self.assertEqual(sse.headers["content-type"], "text/event-stream")
            welcome = sse.event("welcome")
            self.assertEqual(set(welcome), {"rooms", "users", "online"})
            status, figures, _ = api(self.port, "GET", "/api/lobby")
            self.assertEqual(status, 200)
            self.assertEqual(figures, welcome)
            _, room, _ = client.call("POST", "/api/chat/rooms", token, {"name": "lobby news"}, expect=201)
            self.assertEqual(sse.event("room"), room)
            self.assertEqual(api(self.port, "GET", "/api/lobby")[1]["rooms"], figures["rooms"] + 1)
            self.assertEqual(api(self.port, "GET", "/api/lobby/rooms")[1][-1], room)
            stats = self.stats()
            self.assertEqual(stats["lobby_streams"], opened + 1)
            self.assertEqual(stats["lobby_streams_open"], 1)
        # The client left: the service ends the stream at once, not at its next heartbeat (10 s).
        self.assertTrue(harness.wait_for(lambda: self.stats()["lobby_streams_open"] == 0, WAIT), self.stats())


@unittest.skipUnless(os.path.exists(harness.BIN), f"reprise binary not built yet: {harness.BIN}")
class LobbyDirect(LobbyScenario, unittest.TestCase):
    pass


@unittest.skipUnless(os.path.exists(harness.BIN), f"reprise binary not built yet: {harness.BIN}")
class LobbyThroughProxy(LobbyScenario, unittest.TestCase):
    through_proxy = True


if __name__ == "__main__":
    unittest.main()
