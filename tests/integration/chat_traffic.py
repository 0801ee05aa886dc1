"""Real chat traffic through a reprise proxy, and the comparison of two captures of it: used by
the pcap import and live recording tests, which record the same traffic twice (the proxy's own
recording and a capture from packets) and expect the same exchanges. Every request carries an
X-Test-Conn header naming its connection, so exchanges are grouped the same way in both
captures whatever each names its sessions."""
import http.client
import json
import re
import socket
import threading
import time

PASSWORD = "alice-pw-s3cret"


def _call(conn, tag, method, path, body=None, token=None, chunked=False):
    headers = {"X-Test-Conn": tag}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body).encode()
    if chunked:
        pieces = [body[:7], body[7:15], body[15:]]
        conn.request(method, path, body=iter(pieces), headers=headers, encode_chunked=True)
    else:
        conn.request(method, path, body=body, headers=headers)
    res = conn.getresponse()
    data = res.read()
    return res.status, data


def _connection(port):
    return http.client.HTTPConnection("127.0.0.1", port, timeout=10)


class _SseReader(threading.Thread):
    """Holds an SSE stream open for `seconds`, then closes it; `connected` is set at the first event."""

    def __init__(self, port, token, seconds):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.sendall(f"GET /api/notifications/stream HTTP/1.1\r\nHost: chat\r\nX-Test-Conn: sse\r\n"
                          f"Authorization: Bearer {token}\r\n\r\n".encode())
        self.seconds = seconds
        self.connected = threading.Event()
        self.received = b""

    def run(self):
        end = time.monotonic() + self.seconds
        try:
            while time.monotonic() < end:
                self.sock.settimeout(max(0.01, end - time.monotonic()))
                try:
                    piece = self.sock.recv(65536)
                except socket.timeout:
                    break
                if not piece:
                    break
                self.received += piece
                if b"event: connected" in self.received:
                    self.connected.set()
        finally:
            self.sock.close()


def run_chat_traffic(port, sse_seconds=2.5):
    """Sends one scripted chat session through the proxy at `port` over six connections:
    keep-alive calls with JSON bodies and tokens, an SSE stream with the heartbeat and message
    events, a chunked upload, a HEAD and two pipelined requests. Returns after the SSE stream
    closed (`sse_seconds` after it opened)."""
    started = time.monotonic()
    users = _connection(port)
    assert _call(users, "users", "POST", "/api/users/register",
                 {"email": "alice@test.com", "username": "alice", "password": PASSWORD})[0] == 201
    assert _call(users, "users", "POST", "/api/users/register",
                 {"email": "bob@test.com", "username": "bob", "password": "bob-pw"})[0] == 201
    status, body = _call(users, "users", "POST", "/api/users/login", {"email": "alice@test.com", "password": PASSWORD})
    alice = json.loads(body)["access_token"]
    status, body = _call(users, "users", "POST", "/api/users/login", {"email": "bob@test.com", "password": "bob-pw"})
    bob_id, bob = json.loads(body)["user_id"], json.loads(body)["access_token"]
    assert _call(users, "users", "GET", "/api/users/me", token=alice)[0] == 200
    assert _call(users, "users", "GET", "/api/users/me")[0] == 401
    assert _call(users, "users", "GET", "/api/users/search?q=bo", token=alice)[0] == 200
    users.close()

    sse = _SseReader(port, bob, sse_seconds)
    sse.start()
    if not sse.connected.wait(5):
        raise RuntimeError("the SSE stream did not open")

    chat, chat_bob = _connection(port), _connection(port)
    status, body = _call(chat, "chat", "POST", "/api/chat/rooms", {"name": "general"}, token=alice)
    room = json.loads(body)["id"]
    for i in range(3):
        assert _call(chat, "chat", "POST", f"/api/chat/rooms/{room}/messages", {"content": f"hi {i}"}, alice)[0] == 200
    for i in range(2):
        assert _call(chat_bob, "chat-bob", "POST", f"/api/chat/rooms/{room}/messages", {"content": f"yo {i}"},
                     bob)[0] == 200
    assert _call(chat, "chat", "GET", f"/api/chat/rooms/{room}/messages?limit=10", token=alice)[0] == 200
    _call(chat, "chat", "HEAD", "/api/users/me", token=alice)
    status, body = _call(chat, "chat", "POST", "/api/friends/requests", {"addressee_id": bob_id}, alice)
    assert _call(chat_bob, "chat-bob", "POST", f"/api/friends/requests/{json.loads(body)['id']}/accept",
                 token=bob)[0] == 200
    chat.close()
    chat_bob.close()

    upload = _connection(port)
    assert _call(upload, "upload", "POST", f"/api/chat/rooms/{room}/messages", {"content": "sent in chunks"}, alice,
                 chunked=True)[0] == 200
    upload.close()

    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"GET /api/users/me HTTP/1.1\r\nHost: chat\r\nX-Test-Conn: pipelined\r\n"
                  f"Authorization: Bearer {bob}\r\n\r\n"
                  f"GET /api/chat/rooms HTTP/1.1\r\nHost: chat\r\nX-Test-Conn: pipelined\r\n"
                  f"Authorization: Bearer {bob}\r\nConnection: close\r\n\r\n".encode())
        while s.recv(65536):
            pass

    sse.join(sse_seconds + 5)
    return time.monotonic() - started


# ---------------------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{\{redacted:\d+\}\}")


class _Placeholders:
    """Two captures redact the same secrets under their own numbering: text must match outside
    the placeholders, and the placeholders must pair one to one."""

    def __init__(self):
        self.a_to_b, self.b_to_a = {}, {}

    def same(self, a, b):
        if _PLACEHOLDER.split(a) != _PLACEHOLDER.split(b):
            return False
        for x, y in zip(_PLACEHOLDER.findall(a), _PLACEHOLDER.findall(b)):
            if self.a_to_b.setdefault(x, y) != y or self.b_to_a.setdefault(y, x) != x:
                return False
        return True


def _tag(record):
    for name, value in record["req"]["headers"]:
        if name.lower() == "x-test-conn":
            return value
    return "untagged:" + record["session"]


def by_connection(records):
    out = {}
    for r in records:
        out.setdefault(_tag(r), []).append(r)
    return out


def _body(part):
    return part.get("body", part.get("body_b64", ""))


def assert_same_exchanges(test, expected, actual):
    """Same connections, and on each the same exchanges in the same order: method, target,
    request headers and body, status, response body, SSE event count."""
    names = _Placeholders()
    want, got = by_connection(expected), by_connection(actual)
    test.assertEqual(sorted(want), sorted(got))
    for tag in want:
        test.assertEqual([(r["req"]["method"], r["req"]["target"]) for r in want[tag]],
                         [(r["req"]["method"], r["req"]["target"]) for r in got[tag]], tag)
        for w, g in zip(want[tag], got[tag]):
            where = f"{tag} {w['req']['method']} {w['req']['target']}"
            test.assertEqual(w.get("res", {}).get("status"), g.get("res", {}).get("status"), where)
            test.assertEqual(len(w["req"]["headers"]), len(g["req"]["headers"]), where)
            for (wn, wv), (gn, gv) in zip(w["req"]["headers"], g["req"]["headers"]):
                test.assertEqual(wn, gn, where)
                test.assertTrue(names.same(wv, gv), f"{where}: header {wn}: {wv!r} != {gv!r}")
            test.assertTrue(names.same(_body(w["req"]), _body(g["req"])),
                            f"{where}: request bodies differ: {_body(w['req'])!r} != {_body(g['req'])!r}")
            if "res" in w:
                test.assertTrue(names.same(_body(w["res"]), _body(g["res"])),
                                f"{where}: response bodies differ: {_body(w['res'])!r} != {_body(g['res'])!r}")
            test.assertEqual(w.get("stream", {}).get("kind"), g.get("stream", {}).get("kind"), where)
            test.assertEqual(len(w.get("stream", {}).get("events", [])), len(g.get("stream", {}).get("events", [])),
                             where)
