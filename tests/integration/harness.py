"""Shared pieces of the integration tests: free loopback ports, processes started and stopped
by PID, the real servers (reprise, the FastAPI app under uvicorn, nginx) and small raw-socket
HTTP helpers. It must not hide failures: every helper raises when something does not start."""
import asyncio
import collections
import http.client
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request

BIN = os.environ.get("REPRISE_BIN", os.path.join(os.path.dirname(__file__), "../../build/reprise"))
SOURCE = os.environ.get("REPRISE_SOURCE", os.path.join(os.path.dirname(__file__), "../.."))
PYTHON = "/usr/bin/python3"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10.0, proc=None):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before port {port} opened")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"port {port} did not open within {timeout}s")


class Proc:
    """A process this test started; output goes to a temp file; stopped by its own PID."""

    def __init__(self, args, port=None, env=None, cwd=None, timeout=10.0):
        self.args = [str(a) for a in args]
        self.log = tempfile.NamedTemporaryFile(prefix="reprise-test-", suffix=".log", delete=False)
        full_env = dict(os.environ, **(env or {}))
        self.popen = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT, env=full_env, cwd=cwd,
                                      start_new_session=True)
        self.pid = self.popen.pid
        self.port = port
        if port is not None:
            try:
                wait_port(port, timeout, self.popen)
            except RuntimeError:
                self.stop()
                raise RuntimeError(f"{self.args}: {self.output()}")

    def output(self):
        with open(self.log.name, "r", errors="replace") as f:
            return f.read()

    def rss_kib(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def wait(self, timeout=10.0):
        return self.popen.wait(timeout)

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        if self.popen.poll() is None:
            os.kill(self.pid, sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.popen.wait()
        return self.popen.returncode

    # Defined after stop(): inside the class body the name `signal` would otherwise shadow the
    # module in stop()'s default argument.
    def signal(self, sig):
        if self.popen.poll() is None:
            os.kill(self.pid, sig)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        os.unlink(self.log.name)


def reprise(*args, port=None, **kw):
    return Proc([BIN, *args], port=port, **kw)


class Prometheus(Proc):
    """Debian's prometheus with the config file `config` on a free loopback port, its storage in a
    temp folder removed when it stops; stopped by its PID. Its port opens before its storage is
    ready, and queries are answered 503 until then: the constructor waits for /-/ready."""

    def __init__(self, config, timeout=30.0):
        self.dir = tempfile.mkdtemp(prefix="reprise-prometheus-")
        port = free_port()
        super().__init__(["/usr/bin/prometheus", f"--config.file={config}", f"--storage.tsdb.path={self.dir}/data",
                          f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"], port=port, timeout=timeout)
        self.url = f"http://127.0.0.1:{port}"
        if not wait_for(self._ready, timeout, 0.1):
            self.stop()
            raise RuntimeError(f"prometheus not ready within {timeout} s: {self.output()}")

    def _ready(self):
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=5) as res:
                return res.status == 200
        except OSError:  # urllib's HTTPError (503 while starting) is one
            return False

    def api(self, path, **params):
        """The `data` of an HTTP API answer; `params` may hold lists (match[])."""
        query = urllib.parse.urlencode(params, doseq=True)
        with urllib.request.urlopen(f"{self.url}/api/v1/{path}?{query}", timeout=10) as res:
            body = json.load(res)
        if body.get("status") != "success":
            raise AssertionError(f"{path} {params}: {body}")
        return body["data"]

    def query(self, promql, **params):
        """An instant query's series."""
        return self.api("query", query=promql, **params)["result"]

    def value(self, promql, default=0.0):
        """The first series' value, or `default` when there is none."""
        result = self.query(promql)
        return float(result[0]["value"][1]) if result else default

    def stop(self, *args, **kw):
        code = super().stop(*args, **kw)
        shutil.rmtree(self.dir, ignore_errors=True)
        return code


def demo_upstream(*extra):
    port = free_port()
    return reprise("upstream-demo", "--listen", f"127.0.0.1:{port}", *extra, port=port)


def proxy(upstream_port, *extra):
    port = free_port()
    return reprise("proxy", "--listen", f"127.0.0.1:{port}", "--upstream", f"http://127.0.0.1:{upstream_port}",
                   *extra, port=port)


def fastapi_app():
    port = free_port()
    return Proc([PYTHON, "-m", "uvicorn", "chat_app:app", "--host", "127.0.0.1", "--port", str(port),
                 "--log-level", "warning"], port=port, cwd=os.path.join(SOURCE, "tests/upstreams"), timeout=30)


def nginx(root):
    """nginx serving `root` on a free port, with stub_status at /nginx_status (connection counts)."""
    port = free_port()
    work = tempfile.mkdtemp(prefix="reprise-nginx-")
    with open(os.path.join(SOURCE, "tests/upstreams/nginx.conf.in")) as f:
        conf = f.read().replace("@PORT@", str(port)).replace("@ROOT@", root).replace("@WORK@", work)
    path = os.path.join(work, "nginx.conf")
    with open(path, "w") as f:
        f.write(conf)
    return Proc(["/usr/sbin/nginx", "-p", work, "-c", path, "-g", "daemon off;"], port=port)


def request(port, method, path, headers=None, body=None, timeout=10.0):
    """One request on a fresh connection: (status, headers dict lower-cased, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        res = conn.getresponse()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
    finally:
        conn.close()


def raw(port, data, timeout=5.0, until_close=True):
    """Sends raw bytes and returns every byte received until the peer closes or `timeout`."""
    out = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
            if not until_close and b"\r\n\r\n" in out:
                break
    return out


class ProbeUpstream:
    """A raw TCP upstream run by a handler(conn, probe) in a thread per connection. It counts
    connections and keeps every byte received, so tests can prove what reached the upstream."""

    def __init__(self, handler):
        self.handler = handler
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.received = b""
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            self.handler(conn, self)
        except OSError:
            pass
        finally:
            conn.close()

    def record(self, data):
        with self.lock:
            self.received += data

    def close(self):
        self.closed = True
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read_request(conn, probe=None):
    """Reads one request (head and Content-Length or chunked body) from a probe connection."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        if probe:
            probe.record(chunk)
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        headers[k.strip().lower().decode()] = v.strip().decode()
    body = rest
    if "content-length" in headers:
        n = int(headers["content-length"])
        while len(body) < n:
            chunk = conn.recv(65536)
            if not chunk:
                break
            if probe:
                probe.record(chunk)
            body += chunk
    elif headers.get("transfer-encoding") == "chunked":
        while not body.endswith(b"0\r\n\r\n"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            if probe:
                probe.record(chunk)
            body += chunk
    return lines[0].decode(), headers, body


# ---------------------------------------------------------------------------------------------
# Buffered HTTP/1.1 reading for tests that need more than one message per connection
# (keep-alive, pipelining, 1xx, streaming) on either side of the proxy.

class Message:
    """One parsed request or response head, its headers as received and (maybe) its body."""

    def __init__(self, start, header_list, body=b""):
        self.start = start
        self.header_list = header_list
        self.body = body

    @property
    def status(self):
        return int(self.start.split(" ")[1])

    @property
    def method(self):
        return self.start.split(" ")[0]

    @property
    def target(self):
        return self.start.split(" ")[1]

    @property
    def headers(self):
        """Lower-cased names; repeated fields joined with ", " as RFC 9110 allows."""
        out = {}
        for name, value in self.header_list:
            key = name.lower()
            out[key] = f"{out[key]}, {value}" if key in out else value
        return out

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def __repr__(self):
        return f"Message({self.start!r}, {self.header_list!r}, body={len(self.body)} bytes)"


class HttpStream:
    """Reads HTTP/1.1 messages from a socket through one buffer, so bytes of the next message
    (pipelining, keep-alive) are kept. With `probe`, every byte read is recorded on it."""

    def __init__(self, sock, probe=None):
        self.sock = sock
        self.probe = probe
        self.buf = b""
        self.eof = False

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            self.eof = True
            return False
        if self.probe is not None:
            self.probe.record(chunk)
        self.buf += chunk
        return True

    def _line(self):
        while b"\r\n" not in self.buf:
            if not self._fill():
                raise EOFError(f"connection closed inside a line: {self.buf[:200]!r}")
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def read_head(self):
        """The next head as a Message without body, or None on a clean close before any byte."""
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                if not self.buf:
                    return None
                raise EOFError(f"connection closed inside a head: {self.buf[:200]!r}")
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        fields = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            fields.append((name, value.strip()))
        return Message(lines[0], fields)

    def body_pieces(self, msg, request=False, method="GET"):
        """Yields the body of `msg` piece by piece as it arrives, never holding all of it."""
        if not request:
            status = msg.status
            if method == "HEAD" or 100 <= status < 200 or status in (204, 304):
                return
        te = msg.header("transfer-encoding")
        if te is not None and te.split(",")[-1].strip().lower() == "chunked":
            yield from self._chunked()
        elif msg.header("content-length") is not None:
            yield from self._sized(int(msg.header("content-length")))
        elif not request:
            yield from self._until_close()

    def _sized(self, n):
        while n:
            if not self.buf and not self._fill():
                raise EOFError(f"connection closed with {n} body bytes missing")
            piece, self.buf = self.buf[:n], self.buf[n:]
            n -= len(piece)
            yield piece

    def _chunked(self):
        while True:
            size = int(self._line().split(b";")[0].strip(), 16)
            if size == 0:
                while self._line() != b"":
                    pass
                return
            yield from self._sized(size)
            if self._line() != b"":
                raise ValueError("chunk data not followed by CRLF")

    def _until_close(self):
        while True:
            if self.buf:
                piece, self.buf = self.buf, b""
                yield piece
            if not self._fill():
                return

    def read_body(self, msg, request=False, method="GET"):
        msg.body = b"".join(self.body_pieces(msg, request, method))
        return msg

    def read_request(self):
        """The next whole request, or None when the peer closed cleanly between requests."""
        msg = self.read_head()
        return None if msg is None else self.read_body(msg, request=True)

    def read_response(self, method="GET", interim=False):
        """The next whole response; 1xx other than 101 are skipped unless `interim`."""
        while True:
            msg = self.read_head()
            if msg is None:
                raise EOFError("connection closed before a response")
            if 100 <= msg.status < 200 and msg.status != 101 and not interim:
                continue
            return self.read_body(msg, method=method)


def http_response(status, body=b"", headers=(), reason="Reason"):
    """Bytes of a response; adds Content-Length unless the headers set the framing themselves."""
    names = {name.lower() for name, _ in headers}
    lines = [f"HTTP/1.1 {status} {reason}"] + [f"{name}: {value}" for name, value in headers]
    if "content-length" not in names and "transfer-encoding" not in names and status not in (204, 304) \
            and not 100 <= status < 200:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def chunk(data):
    return b"%x\r\n%s\r\n" % (len(data), data)


def keepalive_handler(route):
    """A ProbeUpstream handler serving requests one after another on each connection:
    route(msg, conn) returns the response bytes to send (or None when it answered itself)."""

    def handler(conn, probe):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        stream = HttpStream(conn, probe)
        while True:
            msg = stream.read_request()
            if msg is None:
                return
            out = route(msg, conn)
            if out:
                conn.sendall(out)

    return handler


def exchange(port, data, timeout=5.0):
    """Sends raw bytes; returns (bytes received, closed) where closed is True when the peer
    closed (or reset) the connection before `timeout`, False when the timeout ended the wait."""
    out = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return out, False
            s.settimeout(left)
            try:
                piece = s.recv(65536)
            except socket.timeout:
                return out, False
            except ConnectionResetError:
                return out, True
            if not piece:
                return out, True
            out += piece


def status_of(data):
    """The status code of the first response in raw bytes, or None."""
    if not data.startswith(b"HTTP/1."):
        return None
    return int(data.split(b" ", 2)[1])


def nginx_stub_status(port):
    """nginx's stub_status counters (active, accepts, handled, requests), read directly."""
    status, _, body = request(port, "GET", "/nginx_status")
    if status != 200:
        raise RuntimeError(f"nginx stub_status answered {status}")
    lines = body.decode().split("\n")
    accepts, handled, requests = (int(x) for x in lines[2].split())
    return {"active": int(lines[0].split(":")[1]), "accepts": accepts, "handled": handled,
            "requests": requests}


class RssSampler:
    """Samples a Proc's RSS every few milliseconds in a thread; .peak is the highest (KiB)."""

    def __init__(self, proc, interval=0.005):
        self.proc = proc
        self.interval = interval
        self.peak = proc.rss_kib()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self.proc.rss_kib())
                self.samples += 1
            except OSError:
                return
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


class SteadyClients:
    """`count` threads, each sending `request` (a GET) again and again on a keep-alive
    connection (a new one after each Connection: close), 5 ms apart. Every request's outcome is
    kept as (sent, answered, status or "eof"/"reset"/"timeout"/"truncated"/"connect: ..."): a
    status means a whole answer arrived; "eof" a close before any byte of one."""

    def __init__(self, port, request, count=4, timeout=10.0):
        self.port = port
        self.request = request
        self.timeout = timeout
        self.outcomes = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(count)]
        for t in self.threads:
            t.start()

    def _one(self, sock, stream):
        sock.sendall(self.request)
        head = stream.read_head()
        if head is None:
            return "eof", False
        try:
            stream.read_body(head)
        except (EOFError, ConnectionResetError):
            return "truncated", False
        return head.status, head.header("connection", "").lower() != "close"

    def _run(self):
        sock = None
        while not self.stop.is_set():
            if sock is None:
                try:
                    sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
                except OSError as e:
                    self._keep(time.monotonic(), f"connect: {e}")
                    time.sleep(0.05)
                    continue
                stream = HttpStream(sock)
            sent = time.monotonic()
            try:
                outcome, keep = self._one(sock, stream)
            except socket.timeout:
                outcome, keep = "timeout", False
            except (ConnectionResetError, BrokenPipeError):
                outcome, keep = "reset", False
            except EOFError:
                outcome, keep = "truncated", False
            self._keep(sent, outcome)
            if not keep:
                sock.close()
                sock = None
            time.sleep(0.005)
        if sock is not None:
            sock.close()

    def _keep(self, sent, outcome):
        with self.lock:
            self.outcomes.append((sent, time.monotonic(), outcome))

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(self.timeout + 5)
        return list(self.outcomes)


def wait_for(predicate, timeout, step=0.01):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


class RecordingUpstream(ProbeUpstream):
    """Records every byte it reads. Unless `silent`, it answers each whole request it can parse
    with 200 "forwarded", so a request that should not have been forwarded shows up as a clear
    wrong status instead of a wait. `eof` is set when the proxy closes an upstream connection."""

    def __init__(self, silent=False):
        self.silent = silent
        self.eof = threading.Event()
        super().__init__(self._handle)

    def _handle(self, conn, probe):
        stream = HttpStream(conn, probe)
        try:
            while not self.silent and stream.read_request() is not None:
                conn.sendall(http_response(200, b"forwarded", reason="OK"))
        except (ValueError, EOFError):
            pass
        while not stream.eof and stream._fill():
            pass
        self.eof.set()


# ---------------------------------------------------------------------------------------------
# Packet captures: tcpdump on loopback, classic pcap files read and written with struct (a
# 24-byte file header, then a 16-byte header before each packet), and captures read back.

PcapPacket = collections.namedtuple("PcapPacket", "sec usec orig_len data")
_PCAP_RECORD = struct.Struct("<IIII")


class Tcpdump(Proc):
    """tcpdump writing every packet of TCP `port` on `interface` to `path` as it comes (-U);
    ready once it listens. `link_type` picks one (-y), e.g. LINUX_SLL on "any". Immediate mode:
    otherwise packets wait in the kernel's buffer blocks for up to a second, and a SIGINT in
    that second loses them. finish() stops it without losing what it has not written yet."""

    def __init__(self, port, path, interface="lo", link_type=None, timeout=10.0):
        # -B: in immediate mode the kernel ring holds few snap-length frames; a burst overflows it
        super().__init__(["tcpdump", "-i", interface, "-n", "-U", "--immediate-mode", "-B", "32768",
                          *(["-y", link_type] if link_type else []), "-w", path, f"tcp port {port}"])
        self.path = path
        end = time.monotonic() + timeout
        while "listening on" not in self.output():
            if self.popen.poll() is not None or time.monotonic() > end:
                self.stop()
                raise RuntimeError(f"tcpdump did not start: {self.output()}")
            time.sleep(0.02)

    def finish(self, quiet=0.3, timeout=10.0):
        """Waits until the file has not grown for `quiet` seconds (a busy machine may leave
        tcpdump behind the traffic), then stops it with SIGINT; returns its exit status."""
        end = time.monotonic() + timeout
        size, since = -1, time.monotonic()
        while time.monotonic() < end:
            now_size = os.path.getsize(self.path) if os.path.exists(self.path) else 0
            if now_size != size:
                size, since = now_size, time.monotonic()
            elif time.monotonic() - since >= quiet:
                break
            time.sleep(0.02)
        return self.stop(signal.SIGINT)


def tcpdump(port, path, interface="lo", link_type=None):
    return Tcpdump(port, path, interface, link_type)


def read_pcap(path):
    """(file header bytes, [PcapPacket], [file offset of each packet's record header]) of a
    little-endian classic pcap file, as tcpdump writes on x86."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] not in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        raise ValueError(f"{path}: not a little-endian pcap file")
    packets, offsets, pos = [], [], 24
    while pos < len(data):
        sec, usec, caplen, orig_len = _PCAP_RECORD.unpack_from(data, pos)
        offsets.append(pos)
        packets.append(PcapPacket(sec, usec, orig_len, data[pos + 16:pos + 16 + caplen]))
        pos += 16 + caplen
    return data[:24], packets, offsets


def write_pcap(path, header, packets):
    with open(path, "wb") as f:
        f.write(header)
        for p in packets:
            f.write(_PCAP_RECORD.pack(p.sec, p.usec, len(p.data), max(p.orig_len, len(p.data))))
            f.write(p.data)


def capture_records(path):
    """(header, [exchange records]) of a reprise capture; gap lines are left out."""
    with open(path) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    return lines[0], [r for r in lines[1:] if "dropped_records" not in r]


# ---------------------------------------------------------------------------------------------
# Replay: an upstream that counts what arrives when, captures written by the tests, and runs of
# `reprise replay` that hand back the summary.

class _CountingConnection(asyncio.Protocol):
    """One client connection of a CountingUpstream: requests are read one after another (a
    slow answer or an SSE stream holds the next one back, as HTTP/1.1 requires)."""

    def __init__(self, upstream):
        self.up = upstream
        self.buf = b""
        self.busy = False
        self.stream_opened = None
        self.timers = []

    def connection_made(self, transport):
        self.transport = transport
        self.up.connections += 1
        self.conn_id = self.up.connections
        self.up._transports.add(transport)

    def connection_lost(self, exc):
        self.up._transports.discard(self.transport)
        for timer in self.timers:
            timer.cancel()
        if self.stream_opened is not None:
            now = time.monotonic()
            self.up.streams.append((self.conn_id, self.stream_opened, now))
            self.up.streams_open -= 1
            self.up._active(now, -1)
            self.stream_opened = None
        elif self.busy:
            self.up._active(time.monotonic(), -1)

    def data_received(self, data):
        self.buf += data
        self._serve()

    def _serve(self):
        while not self.busy:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end]
            length = 0
            at = head.lower().find(b"\r\ncontent-length:")
            if at >= 0:
                stop = head.find(b"\r\n", at + 2)
                length = int(head[at + 17:stop if stop >= 0 else len(head)])
            total = end + 4 + length
            if len(self.buf) < total:
                return
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            method, target = line.split(" ")[:2]
            body = self.buf[end + 4:total]
            self.buf = self.buf[total:]
            self._answer(method, target, body)

    def _answer(self, method, target, body):
        now = time.monotonic()
        up = self.up
        up.arrivals.append((now, method, target, body, self.conn_id))
        path, _, query = target.partition("?")
        if path.startswith("/events"):
            self._stream(now, _query(query))
        elif path.startswith("/slow"):
            self.busy = True
            up._active(now, +1)
            delay = int(_query(query).get("ms", "1000")) / 1000
            self.timers.append(up.loop.call_later(delay, self._slow_done))
        elif path.startswith("/status/"):  # /status/503: that status, an empty body
            code = path[len("/status/"):]
            self.transport.write(f"HTTP/1.1 {code} S\r\nContent-Length: 0\r\n\r\n".encode())
        else:
            self.transport.write(up.response)

    def _slow_done(self):
        self.timers.clear()
        if self.transport.is_closing():
            return
        self.up._active(time.monotonic(), -1)
        self.transport.write(self.up.response)
        self.busy = False
        self._serve()

    def _stream(self, now, params):
        up = self.up
        self.busy = True
        self.stream_opened = now
        up.streams_open += 1
        up.streams_peak = max(up.streams_peak, up.streams_open)
        up._active(now, +1)
        self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                             b"Transfer-Encoding: chunked\r\n\r\n")
        count, every = int(params.get("n", "5")), int(params.get("every_ms", "100")) / 1000
        blocks = params.get("heartbeat") == "1"
        for i in range(count):
            self.timers.append(up.loop.call_later(i * every, self._event, i, blocks))

    def _event(self, i, blocks):
        if not self.transport.is_closing():
            # heartbeat=1: a comment and a retry-only block before each event, which no browser
            # dispatches as an event
            before = b": heartbeat\n\nretry: 1000\r\n\r\n" if blocks else b""
            self.transport.write(chunk(before + b"event: tick\ndata: {\"n\":%d}\n\n" % i))


def _query(query):
    out = {}
    for pair in query.split("&"):
        name, _, value = pair.partition("=")
        if name:
            out[name] = value
    return out


class CountingUpstream:
    """An HTTP/1.1 upstream on asyncio (protocols, not streams: it takes well over 6,000 small
    keep-alive requests a second) in a thread of its own. Every request is answered 200 with a
    small JSON body and recorded in `arrivals` as (monotonic time, method, target, body,
    connection number). `/slow?ms=N` answers after N ms. `/events?n=K&every_ms=M` answers
    text/event-stream (chunked), sends K events M ms apart (the first at once; with `heartbeat=1`
    each after a comment and a retry-only block) and then holds the stream open until the client
    closes; `streams` lists (connection, opened, closed) of every
    closed stream, `streams_open` and `streams_peak` count the open ones. Slow requests and
    streams are `active`: `active_log` has (time, +1/-1) for each change, `active_peak` the most."""

    BODY = b'{"ok":true,"service":"counting"}'

    def __init__(self, port=None):
        self.port = port or free_port()
        self.response = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                         % (len(self.BODY), self.BODY))
        self.arrivals = []
        self.streams = []
        self.streams_open = 0
        self.streams_peak = 0
        self.active = 0
        self.active_peak = 0
        self.active_log = []
        self.connections = 0
        self._transports = set()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self._thread.start()
        if not ready.wait(10) or self.server is None:
            raise RuntimeError(f"the counting upstream did not start on port {self.port}")

    def _run(self, ready):
        asyncio.set_event_loop(self.loop)
        self.server = None
        try:
            self.server = self.loop.run_until_complete(
                self.loop.create_server(lambda: _CountingConnection(self), "127.0.0.1", self.port, backlog=4096))
        finally:
            ready.set()
        self.loop.run_forever()

    def _active(self, now, delta):
        self.active += delta
        self.active_peak = max(self.active_peak, self.active)
        self.active_log.append((now, delta))

    def close(self):
        def shut():
            self.server.close()
            for transport in list(self._transports):
                transport.abort()
            self.loop.call_later(0.05, self.loop.stop)
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(shut)
            self._thread.join(10)
        if not self._thread.is_alive() and not self.loop.is_closed():
            self.loop.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def count(self):
        return len(self.arrivals)

    def requests(self):
        """A Counter of (method, target) over every request received."""
        return collections.Counter((a[1], a[2]) for a in list(self.arrivals))

    def per_second(self, seconds, start=None):
        """Requests that arrived in each whole second after `start` (default: the first arrival)."""
        times = [a[0] for a in list(self.arrivals)]
        if not times:
            return [0] * seconds
        start = times[0] if start is None else start
        out = [0] * seconds
        for t in times:
            k = int((t - start) // 1)
            if 0 <= k < seconds:
                out[k] += 1
        return out

    def active_at(self, t):
        """How many slow requests and streams were open at monotonic time `t`."""
        return sum(delta for when, delta in list(self.active_log) if when <= t)

    def wait_quiet(self, quiet=0.3, timeout=10.0):
        """Waits until nothing has arrived or closed for `quiet` seconds."""
        end = time.monotonic() + timeout
        seen, since = -1, time.monotonic()
        while time.monotonic() < end:
            now_seen = len(self.arrivals) + len(self.active_log)
            if now_seen != seen:
                seen, since = now_seen, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return
            time.sleep(0.02)


def recorded_exchange(session, t_us, method, target, body=None, status=200, res_body='{"ok":true}', dur_us=150,
                      headers=None, res_headers=None, sse_events=None):
    """One capture record as `reprise proxy --record` writes it. `sse_events` [(t_us, bytes)]
    makes it a text/event-stream answer that lasted `dur_us`."""
    req = {"method": method, "target": target, "version": "1.1",
           "headers": headers if headers is not None else [["Host", "recorded.test"]]}
    if body is not None:
        req["body"] = body
        if not any(h[0].lower() == "content-length" for h in req["headers"]):
            req["headers"] = req["headers"] + [["Content-Type", "application/json"],
                                               ["Content-Length", str(len(body.encode()))]]
    res = {"status": status, "ttfb_us": min(dur_us, 100), "dur_us": dur_us}
    if sse_events is not None:
        res["headers"] = res_headers or [["Content-Type", "text/event-stream"], ["Transfer-Encoding", "chunked"]]
        res["body"] = "".join(f"event: tick\ndata: {i}\n\n" for i in range(len(sse_events)))
    else:
        res["headers"] = res_headers or [["Content-Type", "application/json"],
                                         ["Content-Length", str(len(res_body.encode()))]]
        res["body"] = res_body
    record = {"session": session, "t_us": t_us, "req": req, "res": res}
    if sse_events is not None:
        record["stream"] = {"kind": "sse", "events": [{"t_us": t, "bytes": b} for t, b in sse_events]}
    return record


def write_capture(path, exchanges, upstream="http://127.0.0.1:9"):
    """Writes a capture: the header line, then the exchanges in the order they ended (as the
    recorder does), numbered 1, 2, 3... in that order."""
    ended = sorted(exchanges, key=lambda r: r["t_us"] + r.get("res", {}).get("dur_us", 0))
    with open(path, "w") as f:
        f.write(json.dumps({"reprise_capture": 1, "created": "2026-11-25T12:00:00Z", "source": "proxy",
                            "upstream": upstream, "redaction": "default"}) + "\n")
        for n, record in enumerate(ended, 1):
            f.write(json.dumps(dict({"id": n}, **record), separators=(",", ":")) + "\n")
    return path


def record_demo(work):
    """The demo's traffic (`reprise demo --record`, about 7 s) as a capture in `work`; its path."""
    capture = os.path.join(work, "demo.jsonl")
    run = subprocess.run([BIN, "demo", "--log-level", "warn", "--record", capture], cwd=work, capture_output=True,
                         text=True, timeout=90)
    if run.returncode != 0 or not os.path.exists(capture):
        raise RuntimeError(f"reprise demo --record exited {run.returncode}: {run.stderr[-2000:]}")
    return capture


def write_profile(path, profile):
    with open(path, "w") as f:
        json.dump(profile, f)
    return path


class ReplayRun:
    """A finished `reprise replay`: exit code, stdout, stderr, the summary file read back."""

    def __init__(self, completed, summary_path, elapsed):
        self.returncode = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.elapsed = elapsed
        self.summary = None
        if os.path.exists(summary_path) and os.path.getsize(summary_path):
            with open(summary_path) as f:
                self.summary = json.load(f)

    @property
    def counters(self):
        return self.summary["counters"]

    def status(self, code):
        return self.summary.get("status", {}).get(str(code), 0)

    def __repr__(self):
        return f"ReplayRun(exit {self.returncode}, stderr {self.stderr[-2000:]!r})"


def replay(capture, target, profile, *flags, timeout=60.0, env=None, summary=None):
    """Runs `reprise replay` to its end (killed after `timeout`) with a summary file; a `capture` of
    None replays the one the profile names."""
    own_dir = None if summary else tempfile.mkdtemp(prefix="reprise-replay-")
    summary = summary or os.path.join(own_dir, "summary.json")
    args = [BIN, "replay", *([capture] if capture else []), "--target", target, "--profile", profile,
            "--summary", summary, "--log-level", "warn", *flags]
    start = time.monotonic()
    try:
        completed = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout,
                                   env=dict(os.environ, **(env or {})))
        return ReplayRun(completed, summary, time.monotonic() - start)
    finally:
        if own_dir:
            shutil.rmtree(own_dir, ignore_errors=True)
