#!/usr/bin/python3
"""Records the seed's four load-test scenarios as real chat traffic through `reprise proxy
--record`, one capture per scenario, and checks every capture before it replaces the old one.

    /usr/bin/python3 captures/record_seed.py --reprise build/reprise --out captures/

One `reprise upstream-demo` (heartbeat 15 s) serves all four recordings, in this order; each
scenario gets a fresh `reprise proxy --record` in front of it, stopped with SIGTERM (it drains
and must exit 0) when the scenario's users are done. Users are distinct by name across
scenarios (`auth-user17@test.com`, `msg_user3`, "Friend User 8", `sse-user40@test.com`), all
with the seed's password `Test1234!@#`, which the proxy's default redaction turns into a
placeholder (as it does every token). Each user is a thread with ONE keep-alive connection for
its REST calls (so one proxy session) and, in scenario 4, a second connection for its SSE
stream. Users start 100 ms apart (a short ramp, as k6's ramping VUs), and the think times are
real sleeps, placed where the seed's k6 scripts (its load-testing strategy) put them, so the
recording carries them. Request bodies are compact JSON in the seed's key order.

1. seed-auth.jsonl (user auth, 404 exchanges): 40 users; each registers (201), then 3 times
   [login, GET /api/users/me, GET /api/users/search?q=test, sleep 1 s]. Users 10, 20, 30 and 40
   send their registration a second time right after the first: 400 "user already exists",
   which the seed's script accepts.
2. seed-messages.jsonl (message send, 1,000 exchanges): 40 users; each registers, logs in and
   creates its own room "Load Test Room N" (201), then 2 times [10 messages "Load test message
   <user>-<iter>-<i> at <ISO time>", each followed by a 100 ms sleep, GET
   .../messages?limit=50, sleep 1 s]. The seed creates 10 shared rooms in k6's setup() with an
   admin user and each VU picks one at random; a recorded user cannot share a room made outside
   its own recording (replay would have no room id to correlate), so here each user creates its
   own room, on its own connection, before it posts.
3. seed-friends.jsonl (friend request spike, 123 exchanges): 20 pairs; A and B each register
   and log in on their own connection; A sends B a request (200; addressee_id from B's register
   answer), sleeps 0.5 s; B accepts 0.5 s after the request was answered (200); A of pairs 5,
   10 and 15 sends the same request again after its sleep (400, a request already exists:
   the seed's script accepts 400).
4. seed-sse.jsonl (SSE connections, 360 exchanges): 40 users; each registers, logs in, opens
   GET /api/notifications/stream on a second connection and holds it 150.5 s (the seed holds
   10 minutes), while on its REST connection it creates its own room and posts 5 messages
   20 s apart to it, so the events arrive on its own stream; then it closes the stream. All 40
   streams are open at once. Each stream records 16 events: `connected`, 5 `message` events
   and 10 heartbeats (the half second past 150 s lets the one due at 150 s arrive for sure).

It takes about 3 minutes (scenario 4 alone about 2 minutes 35 seconds, the other three about
20 seconds together). It exits 0 when every answer was the expected status and every capture
passed its check, else 1; a capture that failed is left as FILE.partial beside the good ones. Nothing leaves 127.0.0.1, and only the
processes it started are stopped, by their own PID.
"""
import argparse
import collections
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

PASSWORD = "Test1234!@#"
HEARTBEAT_S = 15
# 150 s, and half a second more so that the heartbeat due at 150 s always arrives before the
# client leaves (at exactly 150 s it is a race): every stream records the same 16 events.
SSE_HOLD_S = 150.5
RAMP_STEP_S = 0.1
USER_AGENT = "reprise-seed-recorder/1"
MAX_CAPTURE_BYTES = 1_500_000


# --------------------------------------------------------------------------------------------
# Processes

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    """A reprise process this script started, its output in a log file, stopped by its PID."""

    def __init__(self, args, port, log_dir, name):
        self.name = name
        self.log_path = os.path.join(log_dir, f"{name}.log")
        self.log = open(self.log_path, "wb")
        self.popen = subprocess.Popen([str(a) for a in args], stdout=self.log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, start_new_session=True)
        self.port = port
        end = time.monotonic() + 10
        while True:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{name} exited with {self.popen.returncode}: {self.output()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                if time.monotonic() > end:
                    self.stop()
                    raise RuntimeError(f"{name} did not listen on {port} within 10 s: {self.output()}")
                time.sleep(0.02)

    def output(self):
        with open(self.log_path, "r", errors="replace") as f:
            return f.read()

    def stop(self, timeout=30.0):
        """SIGTERM, then the exit code (SIGKILL only if it hangs past `timeout`)."""
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        self.log.close()
        return self.popen.returncode


# --------------------------------------------------------------------------------------------
# Clients

def iso_now():
    """The time as JavaScript's Date.toISOString() writes it (what the seed puts in messages)."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def route_of(method, target):
    path = target.split("?", 1)[0]
    return f"{method} " + re.sub(r"/\d+(?=/|$)", "/{id}", path)


class Tally:
    """(route, status) of every answer the clients got, across threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = collections.Counter()

    def add(self, route, status):
        with self.lock:
            self.counts[(route, status)] += 1


class RestClient:
    """One user's keep-alive connection: every REST call of the user goes through it, so the
    proxy records them as one session. A call whose status is not expected raises."""

    def __init__(self, port, tally):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.tally = tally
        self.token = None
        self.sock_id = None

    def call(self, method, target, body=None, expect=(200,)):
        headers = {"User-Agent": USER_AGENT}
        data = None
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        self.conn.request(method, target, body=data, headers=headers)
        if self.sock_id is None:
            self.sock_id = id(self.conn.sock)
        elif id(self.conn.sock) != self.sock_id:
            raise RuntimeError(f"{method} {target}: the keep-alive connection was replaced")
        res = self.conn.getresponse()
        raw = res.read()
        self.tally.add(route_of(method, target), res.status)
        if res.status not in expect:
            raise RuntimeError(f"{method} {target}: {res.status} {raw[:200]!r}, expected {expect}")
        return res.status, (json.loads(raw) if raw else None)

    def register(self, user, expect=(201,)):
        return self.call("POST", "/api/users/register", user.registration(), expect)

    def login(self, user):
        _, answer = self.call("POST", "/api/users/login", {"email": user.email, "password": PASSWORD})
        self.token = answer["access_token"]
        return answer

    def close(self):
        self.conn.close()


class SseStream(threading.Thread):
    """A user's notification stream on a connection of its own, held `hold` seconds from the
    moment the request was sent, then closed by the client. Counts what it received."""

    def __init__(self, port, token, hold, tally):
        super().__init__(daemon=True)
        self.hold = hold
        self.tally = tally
        self.connected = threading.Event()
        self.events = collections.Counter()
        self.error = None
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.opened = time.monotonic()
        self.sock.sendall((f"GET /api/notifications/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                           f"User-Agent: {USER_AGENT}\r\nAccept: text/event-stream\r\n"
                           f"Authorization: Bearer {token}\r\n\r\n").encode())

    def run(self):
        buf = b""
        head_done = False
        end = self.opened + self.hold
        try:
            while True:
                left = end - time.monotonic()
                if left <= 0:
                    break
                self.sock.settimeout(left)
                try:
                    piece = self.sock.recv(65536)
                except socket.timeout:
                    break
                if not piece:
                    raise RuntimeError("the stream closed before the client left")
                buf += piece
                if not head_done and b"\r\n\r\n" in buf:
                    head, _, buf = buf.partition(b"\r\n\r\n")
                    status = int(head.split(b" ", 2)[1])
                    self.tally.add("GET /api/notifications/stream", status)
                    if status != 200:
                        raise RuntimeError(f"stream answered {status}")
                    head_done = True
                if head_done:
                    self._count_events(buf)
        except Exception as e:  # noqa: BLE001 - reported by the user's thread
            self.error = e
        finally:
            self.sock.close()
            self.connected.set()

    def _count_events(self, body):
        # The body is chunked; event names and heartbeat comments are counted from the text
        # received so far, which only grows, so the counter is rebuilt each time.
        text = body.decode("utf-8", "replace")
        self.events = collections.Counter(re.findall(r"^event: (\w+)$", text, re.M))
        self.events["heartbeat"] = len(re.findall(r"^: heartbeat$", text, re.M))
        if self.events["connected"]:
            self.connected.set()


class User:
    def __init__(self, prefix, title, n):
        self.n = n
        self.email = f"{prefix}-user{n}@test.com"
        self.username = f"{prefix}_user{n}"
        self.display_name = f"{title} User {n}"
        self.id = None

    def registration(self):
        return {"email": self.email, "username": self.username, "password": PASSWORD,
                "display_name": self.display_name}


def run_users(jobs):
    """Runs each job (a function of its start delay) in a thread of its own, starting them
    RAMP_STEP_S apart; returns the errors raised, as text."""
    errors = []
    lock = threading.Lock()

    def body(job, delay):
        time.sleep(delay)
        try:
            job()
        except Exception:  # noqa: BLE001 - collected and reported at the end
            with lock:
                errors.append(traceback.format_exc())

    threads = [threading.Thread(target=body, args=(job, k * RAMP_STEP_S), daemon=True) for k, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


# --------------------------------------------------------------------------------------------
# The four scenarios. Each returns the capture's expected (route, status) counts, the number
# of client connections (proxy sessions) and the number of SSE streams.

def scenario_auth(port, tally):
    users = [User("auth", "Auth", n) for n in range(1, 41)]
    resend = {10, 20, 30, 40}

    def user_job(user):
        def job():
            rest = RestClient(port, tally)
            try:
                rest.register(user)
                if user.n in resend:
                    rest.register(user, expect=(400,))
                for _ in range(3):
                    rest.login(user)
                    rest.call("GET", "/api/users/me")
                    rest.call("GET", "/api/users/search?q=test")
                    time.sleep(1)
            finally:
                rest.close()
        return job

    errors = run_users([user_job(u) for u in users])
    expected = collections.Counter({("POST /api/users/register", 201): 40, ("POST /api/users/register", 400): 4,
                                    ("POST /api/users/login", 200): 120, ("GET /api/users/me", 200): 120,
                                    ("GET /api/users/search", 200): 120})
    return errors, expected, 40, 0


def scenario_messages(port, tally):
    users = [User("msg", "Message", n) for n in range(1, 41)]

    def user_job(user):
        def job():
            rest = RestClient(port, tally)
            try:
                rest.register(user)
                rest.login(user)
                _, room = rest.call("POST", "/api/chat/rooms", {"name": f"Load Test Room {user.n}",
                                                                "room_type": "group"}, expect=(201,))
                for it in range(2):
                    for i in range(10):
                        rest.call("POST", f"/api/chat/rooms/{room['id']}/messages",
                                  {"content": f"Load test message {user.n}-{it}-{i} at {iso_now()}",
                                   "message_type": "text"})
                        time.sleep(0.1)
                    rest.call("GET", f"/api/chat/rooms/{room['id']}/messages?limit=50")
                    time.sleep(1)
            finally:
                rest.close()
        return job

    errors = run_users([user_job(u) for u in users])
    expected = collections.Counter({("POST /api/users/register", 201): 40, ("POST /api/users/login", 200): 40,
                                    ("POST /api/chat/rooms", 201): 40,
                                    ("POST /api/chat/rooms/{id}/messages", 200): 800,
                                    ("GET /api/chat/rooms/{id}/messages", 200): 80})
    return errors, expected, 40, 0


def scenario_friends(port, tally):
    pairs = []
    for k in range(1, 21):
        pairs.append({"k": k, "a": User("friend", "Friend", 2 * k - 1), "b": User("friend", "Friend", 2 * k),
                      "b_registered": threading.Event(), "requested": threading.Event(), "request": None})
    resend = {5, 10, 15}

    def a_job(pair):
        def job():
            rest = RestClient(port, tally)
            try:
                rest.register(pair["a"])
                rest.login(pair["a"])
                if not pair["b_registered"].wait(30):
                    raise RuntimeError("B did not register")
                body = {"addressee_id": pair["b"].id}
                _, pair["request"] = rest.call("POST", "/api/friends/requests", body)
                pair["requested"].set()
                time.sleep(0.5)
                if pair["k"] in resend:
                    rest.call("POST", "/api/friends/requests", body, expect=(400,))
            finally:
                pair["requested"].set()
                rest.close()
        return job

    def b_job(pair):
        def job():
            rest = RestClient(port, tally)
            try:
                _, me = rest.register(pair["b"])
                pair["b"].id = me["id"]
                pair["b_registered"].set()
                rest.login(pair["b"])
                if not pair["requested"].wait(30) or pair["request"] is None:
                    raise RuntimeError("A's request never came")
                time.sleep(0.5)
                rest.call("POST", f"/api/friends/requests/{pair['request']['id']}/accept")
            finally:
                rest.close()
        return job

    jobs = []
    for pair in pairs:
        jobs += [a_job(pair), b_job(pair)]
    errors = run_users(jobs)
    expected = collections.Counter({("POST /api/users/register", 201): 40, ("POST /api/users/login", 200): 40,
                                    ("POST /api/friends/requests", 200): 20, ("POST /api/friends/requests", 400): 3,
                                    ("POST /api/friends/requests/{id}/accept", 200): 20})
    return errors, expected, 40, 0


def scenario_sse(port, tally):
    users = [User("sse", "SSE", n) for n in range(1, 41)]

    def user_job(user):
        def job():
            rest = RestClient(port, tally)
            stream = None
            try:
                rest.register(user)
                rest.login(user)
                stream = SseStream(port, rest.token, SSE_HOLD_S, tally)
                stream.start()
                if not stream.connected.wait(10) or stream.error:
                    raise RuntimeError(f"the stream did not open: {stream.error}")
                _, room = rest.call("POST", "/api/chat/rooms", {"name": f"SSE Room {user.n}", "room_type": "group"},
                                    expect=(201,))
                for i in range(5):
                    time.sleep(20)
                    rest.call("POST", f"/api/chat/rooms/{room['id']}/messages",
                              {"content": f"SSE message {user.n}-{i} at {iso_now()}", "message_type": "text"})
                stream.join(SSE_HOLD_S + 30)
                if stream.error:
                    raise RuntimeError(f"stream: {stream.error}")
                got = stream.events
                if got["connected"] != 1 or got["message"] != 5 or got["heartbeat"] != 10:
                    raise RuntimeError(f"stream events: {dict(got)}")
            finally:
                rest.close()
        return job

    errors = run_users([user_job(u) for u in users])
    expected = collections.Counter({("POST /api/users/register", 201): 40, ("POST /api/users/login", 200): 40,
                                    ("POST /api/chat/rooms", 201): 40,
                                    ("POST /api/chat/rooms/{id}/messages", 200): 200,
                                    ("GET /api/notifications/stream", 200): 40})
    return errors, expected, 80, 40


SCENARIOS = [("seed-auth.jsonl", scenario_auth), ("seed-messages.jsonl", scenario_messages),
             ("seed-friends.jsonl", scenario_friends), ("seed-sse.jsonl", scenario_sse)]


# --------------------------------------------------------------------------------------------
# Checking a capture

def check_capture(path, expected, tally, sessions, streams):
    """Problems found in the capture (empty when it is right) and a short summary of it."""
    problems = []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = text.splitlines()
    header = json.loads(lines[0])
    if header.get("reprise_capture") != 1 or header.get("source") != "proxy" or header.get("redaction") != "default":
        problems.append(f"unexpected header {header}")
    records = [json.loads(line) for line in lines[1:]]
    gaps = [r for r in records if "dropped_records" in r]
    if gaps:
        problems.append(f"gap lines: {gaps}")
    records = [r for r in records if "req" in r]
    if PASSWORD in text or re.search(r"tok_[0-9a-f]{32}", text):
        problems.append("a password or a token was not redacted")
    got = collections.Counter()
    for r in records:
        if "res" not in r:
            problems.append(f"no response: {r['req']['method']} {r['req']['target']}")
            continue
        got[(route_of(r["req"]["method"], r["req"]["target"]), r["res"]["status"])] += 1
    if got != expected:
        problems.append(f"statuses per route {dict(got)} != expected {dict(expected)}")
    if got != tally.counts:
        problems.append(f"the capture {dict(got)} differs from what the clients got {dict(tally.counts)}")
    seen_sessions = len({r["session"] for r in records})
    if seen_sessions != sessions:
        problems.append(f"{seen_sessions} sessions, expected {sessions} (one per client connection)")
    sse = [r for r in records if "stream" in r]
    if len(sse) != streams:
        problems.append(f"{len(sse)} streams, expected {streams}")
    durations = []
    for r in sse:
        body = r["res"].get("body", "")
        names = collections.Counter(re.findall(r"^event: (\w+)$", body, re.M))
        beats = len(re.findall(r"^: heartbeat$", body, re.M))
        dur = r["res"]["dur_us"] / 1e6
        durations.append(dur)
        if r["stream"]["kind"] != "sse" or names != {"connected": 1, "message": 5} or beats != 10 \
                or len(r["stream"]["events"]) != 16 or not SSE_HOLD_S - 0.5 <= dur <= SSE_HOLD_S + 2:
            problems.append(f"stream {r['session']}: kind {r['stream']['kind']}, events {dict(names)} + {beats} "
                            f"heartbeats, {len(r['stream']['events'])} recorded, {dur:.1f} s")
    if sse:
        last_open = max(r["t_us"] for r in sse)
        first_close = min(r["t_us"] + r["res"]["dur_us"] for r in sse)
        if last_open >= first_close:
            problems.append("the streams were not all open at once")
    size = os.path.getsize(path)
    if size > MAX_CAPTURE_BYTES:
        problems.append(f"{size} bytes, more than {MAX_CAPTURE_BYTES}")
    summary = f"{len(records)} exchanges, {size:,} bytes"
    if durations:
        summary += f", {len(sse)} streams of {min(durations):.1f}-{max(durations):.1f} s"
    return problems, summary


def proxy_notes(log):
    """The proxy's own account: its recording line and every warning or error it logged."""
    keep = [line for line in log.splitlines()
            if "recording " in line or re.match(r"\S+ (warn|warning|error|critical) ", line)]
    return keep


# --------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reprise", default="build/reprise", help="the reprise binary")
    parser.add_argument("--out", default="captures", help="directory the four captures are written to")
    parser.add_argument("--only", nargs="*", help="record only these files (e.g. seed-auth.jsonl)")
    args = parser.parse_args()
    binary = os.path.abspath(args.reprise)
    os.makedirs(args.out, exist_ok=True)
    log_dir = tempfile.mkdtemp(prefix="record-seed-")
    started = time.monotonic()
    failed = False

    upstream_port = free_port()
    upstream = Process([binary, "upstream-demo", "--listen", f"127.0.0.1:{upstream_port}",
                        "--heartbeat", f"{HEARTBEAT_S}s"], upstream_port, log_dir, "upstream-demo")
    try:
        for name, scenario in SCENARIOS:
            if args.only and name not in args.only:
                continue
            final = os.path.join(args.out, name)
            partial = final + ".partial"
            proxy_port = free_port()
            proxy = Process([binary, "proxy", "--listen", f"127.0.0.1:{proxy_port}",
                             "--upstream", f"http://127.0.0.1:{upstream_port}", "--record", partial],
                            proxy_port, log_dir, name.replace(".jsonl", "-proxy"))
            t0 = time.monotonic()
            tally = Tally()
            try:
                errors, expected, sessions, streams = scenario(proxy_port, tally)
            finally:
                code = proxy.stop()
            took = time.monotonic() - t0
            problems = [f"client: {e}" for e in errors]
            if code != 0:
                problems.append(f"the proxy exited {code}")
            check, summary = check_capture(partial, expected, tally, sessions, streams)
            problems += check
            print(f"{name}: {summary}, recorded in {took:.1f} s")
            for route_status, n in sorted(tally.counts.items()):
                print(f"    {route_status[0]:45} {route_status[1]}  x{n}")
            for line in proxy_notes(proxy.output()):
                print(f"    proxy: {line}")
            if problems:
                failed = True
                print(f"  FAILED, left as {partial}:")
                for p in problems:
                    print(f"    {p}")
            else:
                os.replace(partial, final)
    finally:
        code = upstream.stop()
        if code != 0:
            print(f"upstream-demo exited {code}: {upstream.output()[-2000:]}")
            failed = True
    print(f"total {time.monotonic() - started:.1f} s")
    if not failed:
        shutil.rmtree(log_dir, ignore_errors=True)
    else:
        print(f"process logs kept in {log_dir}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
