"""The chat API of tests/upstreams/README.md, walked end to end against three targets:
the FastAPI app directly, the FastAPI app through `reprise proxy`, and the built-in
`reprise upstream-demo` through `reprise proxy`. The same scenario must pass on all three, which
proves both that the proxy is transparent (including SSE streaming) and that the C++ demo
service speaks the same API as the Python one.

Run: cd tests/integration && /usr/bin/python3 -m unittest -v test_chat_api
Every wait is bounded; every server is started here and stopped by its PID.
"""
import datetime
import http.client
import json
import os
import socket
import threading
import time
import unittest
import uuid

import harness

HEARTBEAT = "1"          # seconds, for both the FastAPI app (env) and upstream-demo (--heartbeat 1s)
WAIT = 5.0               # seconds to wait for any one SSE event


def start_fastapi(**env):
    """harness.fastapi_app() with a short SSE heartbeat (it has no env parameter) and `env`."""
    port = harness.free_port()
    return harness.Proc([harness.PYTHON, "-m", "uvicorn", "chat_app:app", "--host", "127.0.0.1",
                         "--port", str(port), "--log-level", "warning"],
                        port=port, env={"CHAT_HEARTBEAT_SECONDS": HEARTBEAT, **env},
                        cwd=os.path.join(harness.SOURCE, "tests/upstreams"), timeout=30)


def api(port, method, path, token=None, body=None, headers=None):
    """One JSON request: (status, parsed JSON body or raw bytes, lower-cased headers)."""
    hdrs = dict(headers or {})
    if token is not None:
        hdrs["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        hdrs["Content-Type"] = "application/json"
    status, res_headers, raw = harness.request(port, method, path, hdrs, data)
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw
    return status, parsed, res_headers


class SseClient:
    """A notification stream (or, with `path`, the anonymous lobby's when `token` is None) read
    incrementally from a raw socket in a thread. It decodes chunked or close-delimited bodies and
    splits them into SSE events and comments."""

    def __init__(self, port, token, timeout=10.0, path="/api/notifications/stream"):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        auth = "" if token is None else f"Authorization: Bearer {token}\r\n"
        request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                   f"{auth}Accept: text/event-stream\r\n\r\n")
        self.sock.sendall(request.encode())
        self.status, self.headers, rest = self._read_head(timeout)
        self.chunked = "chunked" in self.headers.get("transfer-encoding", "").lower()
        self.items = []          # ("event", name, data dict) or ("comment", text, None), in order
        self.raw = b""           # the decoded body so far, for failure messages
        self.ended = False
        self.error = None
        self._wire = rest
        self._text = b""
        self._closed = False
        self._cond = threading.Condition()
        self.sock.settimeout(0.2)
        self._decode()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _read_head(self, timeout):
        buf = b""
        end = time.monotonic() + timeout
        while b"\r\n\r\n" not in buf:
            if time.monotonic() > end:
                raise AssertionError(f"no response head within {timeout}s: {buf!r}")
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError(f"connection closed before the response head: {buf!r}")
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        return status, headers, rest

    def _run(self):
        while not self._closed and not self.ended:
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError as e:
                if not self._closed:
                    self.error = e
                break
            with self._cond:
                if not chunk:
                    self.ended = True
                else:
                    self._wire += chunk
                    self._decode()
                self._cond.notify_all()
        with self._cond:
            self.ended = True
            self._cond.notify_all()

    def _decode(self):
        if not self.chunked:
            self._feed(self._wire)
            self._wire = b""
            return
        while True:
            line_end = self._wire.find(b"\r\n")
            if line_end < 0:
                return
            size = int(self._wire[:line_end].split(b";")[0], 16)
            if size == 0:
                self.ended = True
                return
            if len(self._wire) < line_end + 2 + size + 2:
                return
            self._feed(self._wire[line_end + 2:line_end + 2 + size])
            self._wire = self._wire[line_end + 2 + size + 2:]

    def _feed(self, data):
        self.raw += data
        self._text += data.replace(b"\r\n", b"\n")
        while b"\n\n" in self._text:
            block, _, self._text = self._text.partition(b"\n\n")
            name, data_lines = "message", []
            for line in block.decode().split("\n"):
                if line.startswith(":"):
                    self.items.append(("comment", line[1:].strip(), None))
                elif line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    data_lines.append(line[5:].removeprefix(" "))
            if data_lines:
                self.items.append(("event", name, json.loads("\n".join(data_lines))))

    def wait(self, kind, name, match=None, timeout=WAIT):
        """Removes and returns the first received item of that kind and name (and data matching
        `match`, a dict of expected fields); fails after `timeout` seconds."""
        end = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, (k, n, data) in enumerate(self.items):
                    if k == kind and n == name and all((data or {}).get(f) == v for f, v in (match or {}).items()):
                        del self.items[i]
                        return data
                left = end - time.monotonic()
                if left <= 0 or self.ended:
                    raise AssertionError(f"no {kind} {name!r} {match or ''} within {timeout}s "
                                         f"(ended={self.ended}, error={self.error}); stream so far: {self.raw[-2000:]!r}")
                self._cond.wait(left)

    def event(self, name, match=None, timeout=WAIT):
        return self.wait("event", name, match, timeout)

    def pending(self, kind, name):
        with self._cond:
            return [data for k, n, data in self.items if k == kind and n == name]

    def close(self):
        self._closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self._thread.join(2.0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class ChatApiScenario:
    """The scenario; subclasses set cls.port (where the client connects) in setUpClass."""

    port = None

    @classmethod
    def start(cls, proc):
        cls.addClassCleanup(cls.stop, proc)
        return proc

    @staticmethod
    def stop(proc):
        proc.stop()
        if os.environ.get("REPRISE_TEST_KEEP_LOGS"):
            print(f"\n{proc.args[:2]} log kept: {proc.log.name}")
        else:
            os.unlink(proc.log.name)

    # ---- helpers ------------------------------------------------------------------------------

    def call(self, method, path, token=None, body=None, expect=200):
        status, data, headers = api(self.port, method, path, token, body)
        self.assertEqual(status, expect, f"{method} {path} -> {status} {data!r}")
        self.assertTrue(headers.get("content-type", "").startswith("application/json"),
                        f"{method} {path}: content-type {headers.get('content-type')!r}")
        if expect >= 400:
            self.assertIsInstance(data, dict, f"{method} {path}: error body {data!r}")
            self.assertIsInstance(data.get("detail"), str, f"{method} {path}: error body {data!r}")
        return data

    def register(self, tag, name, display_name=None):
        body = {"email": f"{name}-{tag}@test.com", "username": f"{name}_{tag}", "password": f"pw-{name}-1234!"}
        if display_name is not None:
            body["display_name"] = display_name
        user = self.call("POST", "/api/users/register", body=body, expect=201)
        self.assertEqual(set(user), {"id", "email", "username", "display_name"}, user)
        self.assertIsInstance(user["id"], int)
        self.assertEqual((user["email"], user["username"]), (body["email"], body["username"]))
        if display_name is not None:
            self.assertEqual(user["display_name"], display_name)
        return user, body

    def login(self, creds):
        res = self.call("POST", "/api/users/login", body={"email": creds["email"], "password": creds["password"]})
        self.assertEqual(res["token_type"], "bearer")
        token = res["access_token"]
        self.assertRegex(token, r"^tok_[0-9a-f]{32}$")
        return token, res["user_id"]

    def assert_message(self, msg, room_id, sender_id, content, message_type="text"):
        self.assertEqual(set(msg), {"message_id", "room_id", "sender_id", "content", "message_type", "created_at"}, msg)
        self.assertEqual((msg["room_id"], msg["sender_id"], msg["content"], msg["message_type"]),
                         (room_id, sender_id, content, message_type))
        created = datetime.datetime.fromisoformat(msg["created_at"].replace("Z", "+00:00"))
        self.assertEqual(created.utcoffset(), datetime.timedelta(0), msg["created_at"])
        age = abs((datetime.datetime.now(datetime.timezone.utc) - created).total_seconds())
        self.assertLess(age, 120, f"created_at {msg['created_at']} is not now")

    # ---- the scenario -------------------------------------------------------------------------

    def test_scenario(self):
        tag = uuid.uuid4().hex[:8]
        # register two users; ids go up by one
        alice, alice_creds = self.register(tag, "alice", f"Alice {tag.upper()}")
        bob, bob_creds = self.register(tag, "bob")
        self.assertEqual(bob["id"], alice["id"] + 1)

        # duplicate email or username: 400; missing fields: 422
        dup = dict(alice_creds, username=f"other_{tag}")
        self.assertEqual(self.call("POST", "/api/users/register", body=dup, expect=400)["detail"], "user already exists")
        dup = dict(alice_creds, email=f"other-{tag}@test.com")
        self.assertEqual(self.call("POST", "/api/users/register", body=dup, expect=400)["detail"], "user already exists")
        self.call("POST", "/api/users/register", body={"email": f"x-{tag}@test.com", "username": f"x_{tag}"}, expect=422)
        self.call("POST", "/api/users/register", body={"username": f"y_{tag}", "password": "p"}, expect=422)

        # login; bad credentials: 401
        alice_tok, uid = self.login(alice_creds)
        self.assertEqual(uid, alice["id"])
        bob_tok, uid = self.login(bob_creds)
        self.assertEqual(uid, bob["id"])
        self.assertNotEqual(alice_tok, bob_tok)
        self.call("POST", "/api/users/login", body={"email": alice_creds["email"], "password": "wrong"}, expect=401)
        self.call("POST", "/api/users/login", body={"email": f"nobody-{tag}@test.com", "password": "x"}, expect=401)

        # no or unknown token: 401 {"detail":"not authenticated"}
        for path in ("/api/users/me", "/api/chat/rooms", "/api/notifications/stream"):
            self.assertEqual(self.call("GET", path, expect=401), {"detail": "not authenticated"}, path)
        self.assertEqual(self.call("GET", "/api/users/me", token="tok_" + "0" * 32, expect=401),
                         {"detail": "not authenticated"})
        self.call("POST", "/api/chat/rooms", body={"name": "x"}, expect=401)

        # me
        self.assertEqual(self.call("GET", "/api/users/me", alice_tok), alice)
        self.assertEqual(self.call("GET", "/api/users/me", bob_tok), bob)

        # search: case-insensitive over username, email, display_name; ordered by id
        self.assertEqual(self.call("GET", f"/api/users/search?q={tag.upper()}", bob_tok), [alice, bob])
        self.assertEqual(self.call("GET", f"/api/users/search?q=ALICE_{tag}", bob_tok), [alice])
        self.assertEqual(self.call("GET", f"/api/users/search?q=bob-{tag}%40TEST", alice_tok), [bob])
        self.assertEqual(self.call("GET", f"/api/users/search?q=alice%20{tag}", bob_tok), [alice])
        self.assertEqual(self.call("GET", f"/api/users/search?q=nomatch-{tag}", bob_tok), [])
        everyone = self.call("GET", "/api/users/search", bob_tok)
        self.assertLessEqual(len(everyone), 20)
        self.assertEqual([u["id"] for u in everyone], sorted(u["id"] for u in everyone))

        with SseClient(self.port, alice_tok) as alice_sse, SseClient(self.port, bob_tok) as bob_sse:
            for sse, user in ((alice_sse, alice), (bob_sse, bob)):
                self.assertEqual(sse.status, 200)
                self.assertTrue(sse.headers.get("content-type", "").startswith("text/event-stream"), sse.headers)
                self.assertEqual(sse.headers.get("cache-control"), "no-cache")
                self.assertEqual(sse.event("connected"), {"user_id": user["id"]})

            # rooms
            room = self.call("POST", "/api/chat/rooms", alice_tok, {"name": f"Room {tag}"}, expect=201)
            self.assertEqual(room, {"id": room["id"], "name": f"Room {tag}", "room_type": "group", "created_by": alice["id"]})
            direct = self.call("POST", "/api/chat/rooms", bob_tok, {"name": f"DM {tag}", "room_type": "direct"}, expect=201)
            self.assertEqual((direct["id"], direct["room_type"], direct["created_by"]), (room["id"] + 1, "direct", bob["id"]))
            self.call("POST", "/api/chat/rooms", alice_tok, {"room_type": "group"}, expect=422)
            rooms = self.call("GET", "/api/chat/rooms", bob_tok)
            self.assertEqual([r["id"] for r in rooms], sorted(r["id"] for r in rooms))
            self.assertIn(room, rooms)
            self.assertIn(direct, rooms)

            # ten messages: bob first (he joins the room by sending), then alice
            sent = []
            for i in range(10):
                sender, tok = (bob, bob_tok) if i == 0 else (alice, alice_tok)
                body = {"content": f"message {i} {tag}"}
                if i == 9:
                    body["message_type"] = "image"
                msg = self.call("POST", f"/api/chat/rooms/{room['id']}/messages", tok, body)
                self.assert_message(msg, room["id"], sender["id"], body["content"], body.get("message_type", "text"))
                if sent:
                    self.assertEqual(msg["message_id"], sent[-1]["message_id"] + 1)
                sent.append(msg)
            for msg in sent:   # every member, the sender included, gets every message, in order
                self.assertEqual(alice_sse.event("message"), msg)
                self.assertEqual(bob_sse.event("message"), msg)
            self.call("POST", f"/api/chat/rooms/{room['id']}/messages", alice_tok, {"message_type": "text"}, expect=422)

            # message history: the last N, oldest first
            page = self.call("GET", f"/api/chat/rooms/{room['id']}/messages?limit=3", bob_tok)
            self.assertEqual(page, {"room_id": room["id"], "messages": sent[-3:]})
            page = self.call("GET", f"/api/chat/rooms/{room['id']}/messages", bob_tok)
            self.assertEqual(page, {"room_id": room["id"], "messages": sent})
            page = self.call("GET", f"/api/chat/rooms/{direct['id']}/messages?limit=5", bob_tok)
            self.assertEqual(page, {"room_id": direct["id"], "messages": []})

            # unknown room: 404
            missing = direct["id"] + 100000
            self.assertEqual(self.call("POST", f"/api/chat/rooms/{missing}/messages", alice_tok, {"content": "x"},
                                       expect=404), {"detail": "room not found"})
            self.assertEqual(self.call("GET", f"/api/chat/rooms/{missing}/messages", alice_tok, expect=404),
                             {"detail": "room not found"})

            # friend request alice -> bob; bob's stream hears of it
            req = self.call("POST", "/api/friends/requests", alice_tok, {"addressee_id": bob["id"]})
            self.assertEqual(req, {"id": req["id"], "requester_id": alice["id"], "addressee_id": bob["id"],
                                   "status": "pending"})
            self.assertEqual(bob_sse.event("friend_request"), req)
            for body, tok in (({"addressee_id": bob["id"]}, alice_tok),          # again
                              ({"addressee_id": alice["id"]}, bob_tok),          # the other way round
                              ({"addressee_id": alice["id"]}, alice_tok),        # self
                              ({"addressee_id": bob["id"] + 100000}, alice_tok)):  # nobody
                self.call("POST", "/api/friends/requests", tok, body, expect=400)

            # accept: only the addressee may; the requester's stream hears of it
            self.call("POST", f"/api/friends/requests/{req['id']}/accept", alice_tok, expect=403)
            self.call("POST", f"/api/friends/requests/{req['id'] + 100000}/accept", bob_tok, expect=404)
            accepted = self.call("POST", f"/api/friends/requests/{req['id']}/accept", bob_tok)
            self.assertEqual(accepted, dict(req, status="accepted"))
            self.assertEqual(alice_sse.event("friend_accepted"), accepted)

            # nothing else was delivered to the wrong stream
            self.assertEqual(alice_sse.pending("event", "friend_request"), [])
            self.assertEqual(bob_sse.pending("event", "friend_accepted"), [])
            self.assertEqual(alice_sse.pending("event", "message") + bob_sse.pending("event", "message"), [])

    def test_heartbeat(self):
        tag = uuid.uuid4().hex[:8]
        _, creds = self.register(tag, "hb")
        token, uid = self.login(creds)
        with SseClient(self.port, token) as sse, SseClient(self.port, token) as second:
            self.assertEqual(sse.event("connected"), {"user_id": uid})
            self.assertEqual(second.event("connected"), {"user_id": uid})   # several streams per user
            start = time.monotonic()
            sse.wait("comment", "heartbeat", timeout=float(HEARTBEAT) * 3 + 2)
            sse.wait("comment", "heartbeat", timeout=float(HEARTBEAT) * 3 + 2)
            elapsed = time.monotonic() - start
            self.assertGreater(elapsed, float(HEARTBEAT) * 0.5, "two heartbeats came too fast")
            second.wait("comment", "heartbeat", timeout=float(HEARTBEAT) * 3 + 2)
            # both of the user's streams get events
            room = self.call("POST", "/api/chat/rooms", token, {"name": f"hb {tag}"}, expect=201)
            msg = self.call("POST", f"/api/chat/rooms/{room['id']}/messages", token, {"content": "ping"})
            self.assertEqual(sse.event("message"), msg)
            self.assertEqual(second.event("message"), msg)

    def test_events_are_prompt(self):
        """Events published back to back (sends on parallel connections) each reach the stream at
        once, not at the next heartbeat."""
        tag = uuid.uuid4().hex[:8]
        _, creds = self.register(tag, "pr")
        token, _ = self.login(creds)
        room = self.call("POST", "/api/chat/rooms", token, {"name": f"prompt {tag}"}, expect=201)
        with SseClient(self.port, token) as sse:
            sse.event("connected")
            for trial in range(10):
                conns = [socket.create_connection(("127.0.0.1", self.port), timeout=10) for _ in range(8)]
                try:
                    start = time.monotonic()
                    for i, conn in enumerate(conns):
                        body = json.dumps({"content": f"prompt {trial}.{i} {tag}"}).encode()
                        conn.sendall((f"POST /api/chat/rooms/{room['id']}/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                      f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                                      f"Content-Length: {len(body)}\r\n\r\n").encode() + body)
                    for i in range(len(conns)):
                        sse.event("message", {"content": f"prompt {trial}.{i} {tag}"})
                        self.assertLess(time.monotonic() - start, 0.4,
                                        f"event {trial}.{i} came late (held until a heartbeat?)")
                finally:
                    for conn in conns:
                        conn.close()

    def test_unknown_path(self):
        for method, path in (("GET", "/nope"), ("GET", "/api/users/nope"), ("POST", "/api/chat/nope")):
            self.assertEqual(self.call(method, path, expect=404), {"detail": "not found"}, path)

    def test_keepalive(self):
        """Several requests on one connection (the proxy must keep it open and in step)."""
        tag = uuid.uuid4().hex[:8]
        _, creds = self.register(tag, "ka")
        token, _ = self.login(creds)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            for i in range(5):
                conn.request("POST", "/api/chat/rooms", body=json.dumps({"name": f"ka {i} {tag}"}),
                             headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
                res = conn.getresponse()
                self.assertEqual(res.status, 201)
                self.assertEqual(json.loads(res.read())["name"], f"ka {i} {tag}")
                conn.request("GET", "/api/users/me", headers={"Authorization": f"Bearer {token}"})
                res = conn.getresponse()
                self.assertEqual(res.status, 200)
                self.assertEqual(json.loads(res.read())["email"], creds["email"])
        finally:
            conn.close()


class FastApiDirect(ChatApiScenario, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.port = cls.start(start_fastapi()).port


@unittest.skipUnless(os.path.exists(harness.BIN), f"reprise binary not built yet: {harness.BIN}")
class FastApiThroughProxy(ChatApiScenario, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        app = cls.start(start_fastapi())
        cls.port = cls.start(harness.proxy(app.port)).port


@unittest.skipUnless(os.path.exists(harness.BIN), f"reprise binary not built yet: {harness.BIN}")
class DemoUpstreamThroughProxy(ChatApiScenario, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        demo = cls.start(harness.demo_upstream("--heartbeat", f"{HEARTBEAT}s"))
        cls.port = cls.start(harness.proxy(demo.port)).port


if __name__ == "__main__":
    unittest.main()
