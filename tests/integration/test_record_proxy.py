"""`reprise proxy --record`: every kind of exchange the proxy carries lands in the capture field
by field; secrets are redacted into stable placeholders; a kill -9 under load leaves a file
that reads back up to the last whole line; a file that stops taking writes stops the recording,
not the proxy."""
import asyncio
import json
import os
import resource
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from harness import (BIN, HttpStream, ProbeUpstream, chunk, http_response, keepalive_handler, nginx, proxy,
                     request)
from test_proxy_streams import WebSocketEchoServer


def read_capture(path):
    """(header, records, cut) of a capture: a last line without newline that is not JSON is cut."""
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    cut = False
    if lines and lines[-1] == b"":
        lines.pop()
    elif lines:
        try:
            json.loads(lines[-1])
        except ValueError:
            lines.pop()
            cut = True
    header = json.loads(lines[0])
    return header, [json.loads(l) for l in lines[1:] if l], cut


def route(msg, conn):
    if msg.target.startswith("/plain"):
        return http_response(200, b"hello", headers=[("Content-Type", "text/plain"), ("X-Up", "1")], reason="OK")
    if msg.target == "/cl":
        return http_response(201, b"got " + msg.body, headers=[("Content-Type", "application/json")], reason="Created")
    if msg.target == "/chunked":
        return (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(b"part1-") + chunk(b"part2")
                + b"0\r\n\r\n")
    if msg.target == "/head":
        return b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
    if msg.target == "/204":
        return b"HTTP/1.1 204 No Content\r\n\r\n"
    if msg.target == "/binary":
        return http_response(200, bytes(range(256)), headers=[("Content-Type", "application/octet-stream")])
    if msg.target == "/big":
        return http_response(200, b"x" * 5000)
    if msg.target == "/events":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
        for i in range(3):
            time.sleep(0.1)
            conn.sendall(chunk(b"event: tick\ndata: %d\n\n" % i))
        conn.sendall(b"0\r\n\r\n")
        return None
    return http_response(404, b"")


class RecordedFieldsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="reprise-record-")
        cls.path = os.path.join(cls.dir, "cap.jsonl")
        with ProbeUpstream(keepalive_handler(route)) as up, \
                proxy(up.port, "--record", cls.path, "--record-body-limit", "1024", "--threads", "1") as px:
            with socket.create_connection(("127.0.0.1", px.port), timeout=5) as s:
                stream = HttpStream(s)
                s.sendall(b"GET /plain?x=1 HTTP/1.1\r\nHost: rec\r\nX-Test: a\r\nX-Test: b\r\n\r\n")
                stream.read_response()
                s.sendall(b"POST /cl HTTP/1.1\r\nHost: rec\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}")
                stream.read_response()
                s.sendall(b"POST /chunked HTTP/1.1\r\nHost: rec\r\nTransfer-Encoding: chunked\r\n\r\n"
                          + chunk(b"one,") + chunk(b"two,") + chunk(b"three") + b"0\r\n\r\n")
                stream.read_response()
                s.sendall(b"HEAD /head HTTP/1.1\r\nHost: rec\r\n\r\n")
                stream.read_response(method="HEAD")
                s.sendall(b"GET /204 HTTP/1.1\r\nHost: rec\r\n\r\n")
                stream.read_response()
                s.sendall(b"GET /binary HTTP/1.1\r\nHost: rec\r\n\r\n")
                stream.read_response()
                s.sendall(b"GET /big HTTP/1.1\r\nHost: rec\r\n\r\n")
                stream.read_response()
            with socket.create_connection(("127.0.0.1", px.port), timeout=5) as s:
                s.sendall(b"GET /events HTTP/1.1\r\nHost: rec\r\n\r\n")
                HttpStream(s).read_response()
            time.sleep(0.3)
            cls.log = px.output()
            px.stop()
            cls.log = px.output()
        cls.header, cls.records, cls.cut = read_capture(cls.path)
        cls.by_target = {r["req"]["target"]: r for r in cls.records}

    def test_header_line(self):
        h = self.header
        self.assertEqual((h["reprise_capture"], h["source"], h["redaction"], h["body_limit"]), (1, "proxy", "default", 1024))
        self.assertTrue(h["upstream"].startswith("http://127.0.0.1:"))
        self.assertFalse(self.cut)

    def test_every_exchange_is_one_record_in_order(self):
        self.assertEqual([r["req"]["target"] for r in self.records],
                         ["/plain?x=1", "/cl", "/chunked", "/head", "/204", "/binary", "/big", "/events"])
        self.assertEqual([r["id"] for r in self.records], list(range(1, 9)))
        starts = [r["t_us"] for r in self.records]
        self.assertEqual(starts, sorted(starts))
        sessions = [r["session"] for r in self.records]
        self.assertEqual(len(set(sessions[:7])), 1, "one client connection is one session")
        self.assertNotEqual(sessions[7], sessions[0])

    def test_request_fields(self):
        r = self.by_target["/plain?x=1"]["req"]
        self.assertEqual((r["method"], r["version"]), ("GET", "1.1"))
        self.assertEqual(r["headers"], [["Host", "rec"], ["X-Test", "a"], ["X-Test", "b"]])
        self.assertNotIn("body", r)
        self.assertEqual(self.by_target["/cl"]["req"]["body"], '{"a":1}')
        self.assertEqual(self.by_target["/chunked"]["req"]["body"], "one,two,three")

    def test_response_fields(self):
        res = self.by_target["/plain?x=1"]["res"]
        self.assertEqual(res["status"], 200)
        self.assertEqual(res["headers"], [["Content-Type", "text/plain"], ["X-Up", "1"], ["Content-Length", "5"]])
        self.assertEqual(res["body"], "hello")
        self.assertLessEqual(0, res["ttfb_us"])
        self.assertLessEqual(res["ttfb_us"], res["dur_us"])
        self.assertEqual(self.by_target["/cl"]["res"]["status"], 201)
        self.assertEqual(self.by_target["/chunked"]["res"]["body"], "part1-part2")
        self.assertNotIn("body", self.by_target["/head"]["res"])
        self.assertEqual(self.by_target["/204"]["res"]["status"], 204)

    def test_binary_and_truncated_bodies(self):
        import base64
        binary = self.by_target["/binary"]["res"]
        self.assertNotIn("body", binary)
        self.assertEqual(base64.b64decode(binary["body_b64"]), bytes(range(256)))
        big = self.by_target["/big"]["res"]
        self.assertEqual((len(big["body"]), big["body_truncated"], big["body_size"]), (1024, True, 5000))

    def test_sse_events_have_times_and_sizes(self):
        rec = self.by_target["/events"]
        stream = rec["stream"]
        self.assertEqual(stream["kind"], "sse")
        events = stream["events"]
        self.assertEqual([e["bytes"] for e in events], [len(b"event: tick\ndata: 0\n\n")] * 3)
        gaps = [b["t_us"] - a["t_us"] for a, b in zip(events, events[1:])]
        for gap in gaps:
            self.assertGreater(gap, 50_000)
            self.assertLess(gap, 300_000)
        self.assertGreaterEqual(rec["res"]["dur_us"], events[-1]["t_us"])

    def test_exit_report(self):
        self.assertIn("8 exchanges written, 0 dropped", self.log)


class LongStreamTest(unittest.TestCase):
    def test_a_long_stream_lists_the_events_of_the_kept_body_and_counts_them_all(self):
        # Its record stays in memory until it ends: the body limit bounds it, however long it lasts.
        def events(msg, conn):
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
            for i in range(200):
                conn.sendall(chunk(b"event: tick\ndata: %03d\n\n" % i))
            conn.sendall(b"0\r\n\r\n")

        path = os.path.join(tempfile.mkdtemp(prefix="reprise-record-"), "long.jsonl")
        with ProbeUpstream(keepalive_handler(events)) as up, proxy(up.port, "--record", path,
                                                                   "--record-body-limit", "256") as px:
            status, _, body = request(px.port, "GET", "/long")
            self.assertEqual((status, body.count(b"event: tick")), (200, 200))
            px.stop()
        _, records, _ = read_capture(path)
        stream = records[0]["stream"]
        size = len(b"event: tick\ndata: 000\n\n")
        self.assertEqual([e["bytes"] for e in stream["events"]], [size] * (256 // size))
        self.assertEqual((stream["events_truncated"], stream["events_count"]), (True, 200))
        self.assertEqual(len(records[0]["res"]["body"]), 256)
        summary = subprocess.run([BIN, "inspect", path, "--json"], capture_output=True, text=True, timeout=20)
        self.assertEqual(json.loads(summary.stdout)["sse"]["events"], 200, summary.stderr)


class RecordedWebSocketTest(unittest.TestCase):
    def test_frames_are_timed_and_sized_in_each_direction(self):
        import websockets
        server = WebSocketEchoServer()
        path = os.path.join(tempfile.mkdtemp(prefix="reprise-record-"), "ws.jsonl")
        try:
            with proxy(server.port, "--record", path) as px:
                async def talk():
                    # no permessage-deflate, so frame sizes are the message sizes
                    async with websockets.connect(f"ws://127.0.0.1:{px.port}/ws", open_timeout=5,
                                                  compression=None) as ws:
                        for message in ("one", "twenty-two", b"\x00" * 300):
                            await ws.send(message)
                            await asyncio.wait_for(ws.recv(), 3)

                asyncio.run(asyncio.wait_for(talk(), 15))
                time.sleep(0.3)
                px.stop()
        finally:
            server.close()
        _, records, _ = read_capture(path)
        self.assertEqual(len(records), 1)
        rec = records[0]
        self.assertEqual((rec["res"]["status"], rec["stream"]["kind"]), (101, "websocket"))
        events = rec["stream"]["events"]
        up = [e["bytes"] for e in events if e["dir"] == "up"]
        down = [e["bytes"] for e in events if e["dir"] == "down"]
        self.assertEqual(up[:3], [3, 10, 300])
        self.assertEqual(down[:3], [3, 10, 300])


SECRETS = {
    "bearer": "tok_0123456789abcdef0123456789abcdef",
    "cookie": "sess-cookie-value-42",
    "password": "Hunter2!password",
    "refresh": "refresh-secret-77",
    "form": "form-pass-99",
    "query": "query-token-55",
    "setcookie": "server-set-cookie-11",
    "apikey": "key-abc-123",
    "ssn": "123-45-6789",
    "tenant": "tenant-header-31",
}


def secret_route(msg, conn):
    if msg.target == "/api/users/login":
        body = json.dumps({"access_token": SECRETS["bearer"], "refresh_token": SECRETS["refresh"],
                           "user": {"ssn": SECRETS["ssn"], "name": "ann"}}).encode()
        return http_response(200, body, headers=[("Content-Type", "application/json"),
                                                 ("Set-Cookie", f"sid={SECRETS['setcookie']}; Path=/; HttpOnly")])
    return http_response(200, b"{}", headers=[("Content-Type", "application/json")])


class RedactionTest(unittest.TestCase):
    def record(self, *flags):
        path = os.path.join(tempfile.mkdtemp(prefix="reprise-redact-"), "cap.jsonl")
        with ProbeUpstream(keepalive_handler(secret_route)) as up, proxy(up.port, "--record", path, *flags) as px:
            def send(method, target, headers, body=None):
                status, _, _ = request(px.port, method, target, headers=headers, body=body)
                self.assertEqual(status, 200)

            send("POST", "/api/users/login", {"Content-Type": "application/json"},
                 json.dumps({"email": "ann@test.com", "password": SECRETS["password"]}))
            send("GET", "/api/users/me", {"Authorization": f"Bearer {SECRETS['bearer']}",
                                          "Cookie": f"theme=dark; sid={SECRETS['cookie']}",
                                          "X-Api-Key": SECRETS["apikey"], "X-Tenant": SECRETS["tenant"]})
            send("POST", "/form", {"Content-Type": "application/x-www-form-urlencoded"},
                 f"user=ann&password={SECRETS['form']}")
            send("GET", f"/search?q=ann&token={SECRETS['query']}", {"Authorization": f"Bearer {SECRETS['bearer']}"})
            send("POST", "/again", {"Content-Type": "application/json"},
                 json.dumps({"password": SECRETS["password"], "secret": SECRETS["password"]}))
            time.sleep(0.3)
            px.stop()
            log = px.output()
        with open(path) as f:
            text = f.read()
        return text, read_capture(path)[1], log

    def test_default_redaction_with_stable_placeholders(self):
        text, records, log = self.record()
        for name in ("bearer", "cookie", "password", "refresh", "form", "query", "setcookie"):
            self.assertNotIn(SECRETS[name], text, f"{name} secret leaked into the capture")
        by_target = {r["req"]["target"].split("?")[0]: r for r in records}
        login, me, form, search, again = (by_target[t] for t in
                                          ("/api/users/login", "/api/users/me", "/form", "/search", "/again"))
        token = json.loads(login["res"]["body"])["access_token"]
        self.assertRegex(token, r"^\{\{redacted:\d+\}\}$")
        auth = dict(me["req"]["headers"])["Authorization"]
        self.assertEqual(auth, f"Bearer {token}", "the same token keeps the same placeholder everywhere")
        self.assertEqual(dict(search["req"]["headers"])["Authorization"], f"Bearer {token}")
        password = json.loads(login["req"]["body"])["password"]
        self.assertEqual(json.loads(again["req"]["body"])["password"], password)
        self.assertEqual(json.loads(again["req"]["body"])["secret"], password)
        self.assertNotEqual(password, token)
        # every cookie value is a secret; the names stay, so replay knows which cookie is which
        self.assertRegex(dict(me["req"]["headers"])["Cookie"], r"^theme=\{\{redacted:\d+\}\}; sid=\{\{redacted:\d+\}\}$")
        self.assertRegex(dict(login["res"]["headers"])["Set-Cookie"], r"^sid=\{\{redacted:\d+\}\}; Path=/; HttpOnly$")
        self.assertIn("user=ann&password={{redacted:", form["req"]["body"])
        self.assertIn("q=ann&token={{redacted:", search["req"]["target"])
        # an API key is a secret by default; a social security number or a tenant is not a credential
        self.assertNotIn(SECRETS["apikey"], text)
        self.assertIn(SECRETS["ssn"], text)
        self.assertIn(SECRETS["tenant"], text)
        self.assertIn("redacted:", log)

    def test_rules_file_adds_headers_fields_and_paths(self):
        rules = os.path.join(tempfile.mkdtemp(prefix="reprise-rules-"), "rules.json")
        with open(rules, "w") as f:
            json.dump({"headers": ["x_tenant"], "json_paths": ["user.ssn"]}, f)  # names compare loosely
        text, records, _ = self.record("--redact-rules", rules)
        self.assertNotIn(SECRETS["tenant"], text)
        self.assertNotIn(SECRETS["ssn"], text)
        self.assertNotIn(SECRETS["bearer"], text)

    def test_redact_none_keeps_secrets_and_warns(self):
        text, _, log = self.record("--redact", "none")
        self.assertIn(SECRETS["bearer"], text)
        self.assertIn(SECRETS["password"], text)
        self.assertIn("without redaction", log)

    def test_bad_rules_file_is_one_line_and_exit_1(self):
        rules = os.path.join(tempfile.mkdtemp(prefix="reprise-rules-"), "rules.json")
        with open(rules, "w") as f:
            f.write('{"headers": "X-Api-Key"}')
        res = subprocess.run([BIN, "proxy", "--listen", "127.0.0.1:0", "--upstream", "http://127.0.0.1:1",
                              "--record", rules + ".out", "--redact-rules", rules], capture_output=True, text=True,
                             timeout=10)
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertIn(rules, res.stderr)
        self.assertIn("headers", res.stderr)
        self.assertEqual(len(res.stderr.strip().splitlines()), 1, res.stderr)


# One value per form a credential travels in; each must be gone from the capture's bytes.
LEAKS = {
    "x_api_key_header": "hdr-apikey-6f1c2d",
    "json_api_key": "json-apikey-81b7e4",
    "query_api_key": "qry-apikey-2a9d0c",
    "numeric_token": 73910264518,
    "sse_access_token": "sse-access-4c7e19",
    "nested_access_token": "nested-access-5d2a70",
    "set_cookie_1": "setcookie-one-8e41",
    "set_cookie_2": "setcookie-two-3b96",
    "cookie": "cookie-value-11f0",
    "query_access_token": "qry-access-0d7c55",
    "nested_secret": "nested-secret-9a3e",
    "form_client_secret": "form-clientsecret-44c1",
    "amz_signature": "f00dfacecafe1234abcd",
    "session_id": "sess-id-6b8f12",
    "private_key_object": "priv-key-d-7c31",
    "location_fragment_token": "frag-access-2e64",
    "api_key_camel": "camel-apikey-90ab",
}

SSE_BODY = (b"event: session\n"
            b"data: {\"access_token\":\"" + LEAKS["sse_access_token"].encode() + b"\",\"expires_in\":3600}\n\n"
            b": keep-alive\n\n"
            b"data: {\"delta\":\"hi\",\"usage\":{\"tokens_used\":17}}\n\n"
            b"data: [DONE]\n\n")


def leak_route(msg, conn):
    if msg.target == "/api/login":
        body = json.dumps({"token": LEAKS["numeric_token"], "remember": True,
                           "items": [{"access_token": LEAKS["nested_access_token"], "author": "ann"},
                                     {"list": [{"access_token": LEAKS["nested_access_token"] + "-2"}]}],
                           "config": {"deep": {"secret": LEAKS["nested_secret"]}},
                           "signing": {"private_key": {"kty": "RSA", "d": LEAKS["private_key_object"]}},
                           "keyword": "shoes", "monkey": "george", "author": "ann", "tokens_used": 42,
                           "usage": {"max_tokens": 100, "total_tokens": 9}}).encode()
        return http_response(200, body, headers=[
            ("Content-Type", "application/json"),
            ("Set-Cookie", f"sessionid={LEAKS['set_cookie_1']}; Path=/; HttpOnly"),
            ("Set-Cookie", f"csrftoken={LEAKS['set_cookie_2']}; Path=/"),
            ("Location", f"http://app.test/cb#access_token={LEAKS['location_fragment_token']}&state=s1")])
    if msg.target == "/api/events":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
        for event in SSE_BODY.split(b"\n\n")[:-1]:
            conn.sendall(chunk(event + b"\n\n"))
        conn.sendall(b"0\r\n\r\n")
        return None
    return http_response(200, b'{"ok": true}', headers=[("Content-Type", "application/json")])


class DefaultRulesLeakTest(unittest.TestCase):
    """Every form a credential was found leaking in, recorded through the real proxy with the
    default rules: none of the values is anywhere in the capture's bytes; ordinary fields stay."""

    @classmethod
    def setUpClass(cls):
        cls.path = os.path.join(tempfile.mkdtemp(prefix="reprise-leaks-"), "cap.jsonl")
        with ProbeUpstream(keepalive_handler(leak_route)) as up, proxy(up.port, "--record", cls.path) as px:
            def send(method, target, headers, body=None):
                status, _, _ = request(px.port, method, target, headers=headers, body=body)
                assert status == 200, status

            send("POST", "/api/login", {"Content-Type": "application/json",
                                        "X-Api-Key": LEAKS["x_api_key_header"],
                                        "Cookie": f"theme=dark; sessionid={LEAKS['cookie']}"},
                 json.dumps({"api_key": LEAKS["json_api_key"], "apiKey": LEAKS["api_key_camel"],
                             "is_admin": False, "keyword": "shoes"}))
            send("GET", f"/api/search?q=monkey&api_key={LEAKS['query_api_key']}"
                        f"&access_token={LEAKS['query_access_token']}&author=ann", {})
            send("GET", f"/bucket/file?X-Amz-Date=20260101T000000Z&X-Amz-Signature={LEAKS['amz_signature']}"
                        f"&session_id={LEAKS['session_id']}", {})
            send("POST", "/oauth/token", {"Content-Type": "application/x-www-form-urlencoded"},
                 f"grant_type=client_credentials&client_id=app-1&client_secret={LEAKS['form_client_secret']}")
            with socket.create_connection(("127.0.0.1", px.port), timeout=5) as s:
                s.sendall(b"GET /api/events HTTP/1.1\r\nHost: leaks\r\n\r\n")
                cls.sse_seen = HttpStream(s).read_response().body
            time.sleep(0.3)
            px.stop()
            cls.log = px.output()
        with open(cls.path, "rb") as f:
            cls.bytes = f.read()
        cls.records = {r["req"]["target"].split("?")[0]: r for r in read_capture(cls.path)[1]}

    def test_no_secret_value_is_in_the_capture(self):
        for name, value in LEAKS.items():
            self.assertNotIn(str(value).encode(), self.bytes, f"{name} leaked into the capture")
        # the prefixes of the nested secrets too (a value with a suffix is its own secret)
        self.assertNotIn(b"nested-access-", self.bytes)

    def test_values_of_every_json_type_become_placeholders(self):
        login = json.loads(self.records["/api/login"]["res"]["body"])
        self.assertRegex(login["token"], r"^\{\{redacted:\d+\}\}$")
        self.assertRegex(login["signing"]["private_key"], r"^\{\{redacted:\d+\}\}$")
        self.assertRegex(login["items"][1]["list"][0]["access_token"], r"^\{\{redacted:\d+\}\}$")
        self.assertIs(login["remember"], True)

    def test_ordinary_fields_stay_as_they_were(self):
        login = json.loads(self.records["/api/login"]["res"]["body"])
        self.assertEqual((login["keyword"], login["monkey"], login["author"], login["tokens_used"]),
                         ("shoes", "george", "ann", 42))
        self.assertEqual(login["usage"], {"max_tokens": 100, "total_tokens": 9})
        self.assertEqual(login["items"][0]["author"], "ann")
        sent = json.loads(self.records["/api/login"]["req"]["body"])
        self.assertEqual((sent["keyword"], sent["is_admin"]), ("shoes", False))
        search = self.records["/api/search"]["req"]["target"]
        self.assertTrue(search.startswith("/api/search?q=monkey&api_key={{redacted:"), search)
        self.assertTrue(search.endswith("&author=ann"), search)
        self.assertIn("X-Amz-Date=20260101T000000Z", self.records["/bucket/file"]["req"]["target"])
        self.assertIn("grant_type=client_credentials&client_id=app-1&client_secret={{redacted:",
                      self.records["/oauth/token"]["req"]["body"])
        headers = self.records["/api/login"]["res"]["headers"]
        cookies = [v for n, v in headers if n == "Set-Cookie"]
        self.assertEqual(len(cookies), 2)
        self.assertRegex(cookies[0], r"^sessionid=\{\{redacted:\d+\}\}; Path=/; HttpOnly$")
        self.assertRegex(cookies[1], r"^csrftoken=\{\{redacted:\d+\}\}; Path=/$")
        self.assertRegex(dict(headers)["Location"], r"^http://app\.test/cb#access_token=\{\{redacted:\d+\}\}&state=s1$")

    def test_sse_framing_is_kept(self):
        self.assertEqual(self.sse_seen, SSE_BODY, "the client got the stream as the upstream sent it")
        rec = self.records["/api/events"]
        body = rec["res"]["body"]
        self.assertRegex(body, r'^event: session\ndata: \{"access_token":"\{\{redacted:\d+\}\}","expires_in":3600\}\n\n'
                               r': keep-alive\n\ndata: \{"delta":"hi","usage":\{"tokens_used":17\}\}\n\n'
                               r'data: \[DONE\]\n\n$')
        self.assertEqual(rec["stream"]["kind"], "sse")
        self.assertEqual(len(rec["stream"]["events"]), 3)
        self.assertEqual(rec["res"]["body"].count("\n\n"), 4)

    def test_the_exit_line_counts_what_was_redacted(self):
        for kind in ("header X-Api-Key", "json api_key", "json token", "query api_key", "form client_secret",
                     "query X-Amz-Signature", "cookie sessionid"):
            self.assertIn(kind, self.log)


class NotUtf8HeaderTest(unittest.TestCase):
    def test_a_header_that_is_not_utf8_is_warned_about_once_per_name(self):
        path = os.path.join(tempfile.mkdtemp(prefix="reprise-record-"), "cap.jsonl")
        with ProbeUpstream(keepalive_handler(route)) as up, proxy(up.port, "--record", path) as px:
            with socket.create_connection(("127.0.0.1", px.port), timeout=5) as s:
                stream = HttpStream(s)
                for value in (b"caf\xe9", b"na\xefve", b"plain"):
                    s.sendall(b"GET /plain HTTP/1.1\r\nHost: rec\r\nX-Label: " + value + b"\r\n\r\n")
                    self.assertEqual(stream.read_response().status, 200)
            time.sleep(0.3)
            px.stop()
            log = px.output()
        _, records, _ = read_capture(path)
        labels = [dict(r["req"]["headers"])["X-Label"] for r in records]
        self.assertEqual(labels, ["caf\ufffd", "na\ufffdve", "plain"])
        warnings = [l for l in log.splitlines() if "not UTF-8" in l]
        self.assertEqual(len(warnings), 1, log)
        self.assertIn("exchange 1: header X-Label", warnings[0])


class UnansweredTest(unittest.TestCase):
    def test_an_exchange_the_upstream_never_answered_is_recorded_without_res(self):
        path = os.path.join(tempfile.mkdtemp(prefix="reprise-record-"), "cap.jsonl")
        dead = __import__("harness").free_port()
        with proxy(dead, "--record", path) as px:
            status, _, _ = request(px.port, "GET", "/nobody-home")
            self.assertEqual(status, 502)
            time.sleep(0.3)
            px.stop()
        _, records, _ = read_capture(path)
        self.assertEqual([r["req"]["target"] for r in records], ["/nobody-home"])
        self.assertNotIn("res", records[0])


class CrashAndFailureTest(unittest.TestCase):
    def load(self, port, seconds, stop):
        """Keep-alive GETs from 8 threads until `stop` is set or `seconds` pass."""
        def worker():
            end = time.monotonic() + seconds
            while time.monotonic() < end and not stop.is_set():
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                        stream = HttpStream(s)
                        for _ in range(50):
                            s.sendall(b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n")
                            stream.read_response()
                except (OSError, EOFError, ValueError):
                    return

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(8)]
        for t in threads:
            t.start()
        return threads

    def test_kill_9_under_load_leaves_a_readable_capture(self):
        root = tempfile.mkdtemp(prefix="reprise-www-")
        path = os.path.join(tempfile.mkdtemp(prefix="reprise-kill-"), "cap.jsonl")
        with nginx(root) as ng, proxy(ng.port, "--record", path) as px:
            stop = threading.Event()
            threads = self.load(px.port, 5, stop)
            time.sleep(1.5)
            px.signal(signal.SIGKILL)
            px.wait(5)
            stop.set()
            for t in threads:
                t.join(5)
        header, records, _ = read_capture(path)
        self.assertEqual(header["reprise_capture"], 1)
        self.assertGreater(len(records), 100, "records reach the file while the proxy runs (every 200 ms)")
        self.assertTrue(all(r["req"]["target"] == "/json" and r["res"]["status"] == 200 for r in records))
        res = subprocess.run([BIN, "inspect", path], capture_output=True, text=True, timeout=20)
        if "inspect" in subprocess.run([BIN, "--help"], capture_output=True, text=True).stdout:
            self.assertEqual(res.returncode, 0, res.stderr)

    def test_a_file_that_stops_taking_writes_stops_the_recording_not_the_proxy(self):
        root = tempfile.mkdtemp(prefix="reprise-www-")
        path = os.path.join(tempfile.mkdtemp(prefix="reprise-full-"), "cap.jsonl")
        limit = 4096

        def small_files():
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        with nginx(root) as ng:
            port = __import__("harness").free_port()
            px = subprocess.Popen([BIN, "proxy", "--listen", f"127.0.0.1:{port}", "--upstream",
                                   f"http://127.0.0.1:{ng.port}", "--record", path],
                                  stderr=subprocess.PIPE, text=True, preexec_fn=small_files)
            try:
                __import__("harness").wait_port(port, 10, px)
                statuses = []
                for _ in range(60):
                    status, _, _ = request(port, "GET", "/json")
                    statuses.append(status)
                time.sleep(0.5)
                for _ in range(10):
                    status, _, _ = request(port, "GET", "/json")
                    statuses.append(status)
                self.assertEqual(set(statuses), {200}, "the proxy keeps serving")
            finally:
                px.send_signal(signal.SIGTERM)
                _, err = px.communicate(timeout=15)
        self.assertEqual(px.returncode, 0, err)
        errors = [l for l in err.splitlines() if "recording stopped" in l]
        self.assertEqual(len(errors), 1, err)
        self.assertIn(path, errors[0])
        self.assertLessEqual(os.path.getsize(path), limit)
        read_capture(path)  # what was written before the failure still reads


if __name__ == "__main__":
    unittest.main()
