"""reprise proxy survives the faults of a real deployment while load flows through it: the
upstream killed and started again, thousands of idle and slow-header clients beside a busy
load, and a recording disk that fills. Each test is bounded (a few seconds of load) and asserts
only what must hold on a busy machine: answers, never hangs or silent closes; no rates."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from harness import (BIN, HttpStream, Proc, SteadyClients, free_port, nginx, proxy, reprise, request, status_of,
                     wait_for)

# The chat service answers it 404 {"detail":"not found"}: an answer of the upstream, not the proxy's.
MISSING = b"GET /api/nothing-here HTTP/1.1\r\nHost: survival\r\n\r\n"


class DemoUpstream:
    """`reprise upstream-demo` on a port that stays the same when it is killed and started
    again, like a service a supervisor restarts."""

    def __init__(self):
        self.port = free_port()
        self.proc = None
        self.start()

    def start(self):
        self.proc = reprise("upstream-demo", "--listen", f"127.0.0.1:{self.port}", port=self.port)

    def kill(self):
        self.proc.stop(signal.SIGKILL)  # returns once the process is gone

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.stop()


class UpstreamRestartTest(unittest.TestCase):
    def test_upstream_killed_and_restarted_under_load(self):
        with DemoUpstream() as up, proxy(up.port, "--threads", "2") as px:
            clients = SteadyClients(px.port, MISSING)
            try:
                self.assertTrue(wait_for(lambda: len(clients.outcomes) >= 200, 20), "no load got through")
                killing = time.monotonic()
                up.kill()
                killed = time.monotonic()
                self.assertTrue(wait_for(lambda: sum(1 for o in clients.outcomes if o[0] > killed) >= 50, 20),
                                "the clients stalled while the upstream was down")
                restarting = time.monotonic()
                up.start()
                back = time.monotonic()  # it listens again
                recovered = wait_for(lambda: any(o[0] >= back and o[2] == 404 for o in clients.outcomes), 10)
                time.sleep(1.0)
            finally:
                outcomes = clients.finish()
            log = px.output()
        self.assertTrue(recovered, "no request succeeded within 10 s of the upstream's return")
        first_ok = min(o[1] for o in outcomes if o[0] >= back and o[2] == 404)
        # The goal is a second; a busy machine gets 10 s of headroom, the figure is printed.
        print(f"\n  recovery: first answer {first_ok - back:.3f} s after the upstream listened again")
        # Every request got a whole answer: no hang, no close or reset without one.
        unanswered = [o for o in outcomes if not isinstance(o[2], int)]
        self.assertEqual(unanswered, [], f"requests without an answer; proxy log: {log[-2000:]}")
        self.assertEqual({o[2] for o in outcomes if o[1] < killing}, {404}, "answers before the kill")
        down = {o[2] for o in outcomes if killed < o[0] and o[1] < restarting}
        self.assertEqual(down, {502}, "answers while the upstream was down")
        after = [o[2] for o in outcomes if o[0] > first_ok]
        self.assertGreater(len(after), 20)
        self.assertEqual(set(after), {404}, "answers after the proxy recovered (stale pooled connections?)")

    def test_connections_pooled_before_a_restart_are_not_used_after_it(self):
        # A supervisor restarts a crashed upstream within moments, while the proxy holds idle
        # pooled connections to the dead process: no request after the restart may fail on one.
        with DemoUpstream() as up, proxy(up.port, "--threads", "2") as px:
            clients = SteadyClients(px.port, MISSING, count=32)
            wait_for(lambda: len(clients.outcomes) >= 400, 20)
            warm = clients.finish()  # 32 clients at once: the pools hold about 32 connections
            up.kill()
            up.start()
            clients = SteadyClients(px.port, MISSING, count=4)
            wait_for(lambda: len(clients.outcomes) >= 200, 20)
            after = clients.finish()
            log = px.output()
        self.assertEqual({o[2] for o in warm}, {404})
        self.assertGreaterEqual(len(after), 200)
        self.assertEqual({o[2] for o in after}, {404}, f"after the restart; proxy log: {log[-2000:]}")


class SlowHeaderClients:
    """Slowloris: `count` connections that send a request line and then one header byte a
    second, never ending the head. `answers` maps each to what it received before the proxy
    closed it (b"" while still open); `closed` counts the connections the proxy closed."""

    def __init__(self, port, count):
        self.socks = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]
        self.answers = {s: b"" for s in self.socks}
        self.closed = set()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        for s in self.socks:
            s.sendall(b"GET /json HTTP/1.1\r\nHost: slow\r\nX-Slow: ")
            s.setblocking(False)
        while not self.stop.is_set() and len(self.closed) < len(self.socks):
            for s in self.socks:
                if s in self.closed:
                    continue
                try:
                    while True:
                        piece = s.recv(4096)
                        if not piece:
                            self.closed.add(s)
                            break
                        self.answers[s] += piece
                except BlockingIOError:
                    try:
                        s.send(b"a")
                    except OSError:
                        self.closed.add(s)
                except OSError:
                    self.closed.add(s)
            self.stop.wait(1.0)

    def finish(self, timeout):
        self.thread.join(timeout)
        self.stop.set()
        self.thread.join()
        for s in self.socks:
            s.close()


def wrk_figures(output):
    """(requests/s, errors) from wrk's output: socket errors and non-2xx answers counted."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return (float(rate.group(1)) if rate else 0.0), errors + (int(non2xx.group(1)) if non2xx else 0)


@unittest.skipUnless(shutil.which("wrk"), "wrk is not installed")
class CrowdTest(unittest.TestCase):
    IDLE = 2000
    SLOW = 20

    def test_idle_and_slow_header_clients_beside_a_busy_load(self):
        root = tempfile.mkdtemp(prefix="reprise-www-")
        idle = []
        try:
            with nginx(root) as ng, proxy(ng.port, "--threads", "2", "--header-timeout", "2s") as px:
                idle = [socket.create_connection(("127.0.0.1", px.port), timeout=5) for _ in range(self.IDLE)]
                slow = SlowHeaderClients(px.port, self.SLOW)
                load = subprocess.run(["wrk", "-t1", "-c32", "-d4s", "--timeout", "10s",
                                       f"http://127.0.0.1:{px.port}/json"], capture_output=True, text=True,
                                      timeout=60)
                slow.finish(timeout=30)
                for s in idle:  # none of them was closed: a read finds nothing yet
                    s.setblocking(False)
                    with self.assertRaises(BlockingIOError, msg="an idle connection was closed"):
                        s.recv(1)
                    s.setblocking(True)
                for s in idle[::100]:  # and they are still served
                    s.sendall(b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n")
                    self.assertEqual(HttpStream(s).read_response().status, 200)
                log = px.output()
        finally:
            for s in idle:
                s.close()
            shutil.rmtree(root, ignore_errors=True)
        rate, errors = wrk_figures(load.stdout)
        print(f"\n  beside {self.IDLE} idle and {self.SLOW} slow-header clients: {rate:.0f} req/s")
        self.assertEqual(load.returncode, 0, load.stderr)
        self.assertGreater(rate, 0, load.stdout)
        self.assertEqual(errors, 0, load.stdout)
        self.assertEqual(len(slow.closed), self.SLOW, "slow-header clients left open")
        self.assertEqual({status_of(a) for a in slow.answers.values()}, {408}, log[-2000:])


def tmpfs_namespace(size):
    """The command prefix that runs a program in a mount namespace of its own with a tmpfs of
    `size` mounted on a fresh directory (which the prefix names), or None with the reason when
    this machine allows neither. Root needs only the mount namespace; anyone else needs a user
    namespace too. The mount vanishes with the process; until then /proc/PID/root shows it."""
    if not shutil.which("unshare"):
        return None, "unshare(1) is not installed"
    point = tempfile.mkdtemp(prefix="reprise-tmpfs-")
    prefix = ["unshare", "--mount"] + ([] if os.geteuid() == 0 else ["--user", "--map-root-user"])
    mount = ["sh", "-c", f'mount -t tmpfs -o size={size} reprise-survival "$0" && exec "$@"', point]
    probe = subprocess.run(prefix + mount + ["true"], capture_output=True, text=True)
    if probe.returncode != 0:
        os.rmdir(point)
        return None, f"cannot mount a tmpfs in a namespace here: {probe.stderr.strip()}"
    return (prefix + mount, point), None


class FullDiskTest(unittest.TestCase):
    def test_a_recording_disk_that_fills_stops_the_recording_not_the_proxy(self):
        # A real filesystem that fills (ENOSPC), not a size limit on the process: a 256 KiB tmpfs.
        prefix_point, why = tmpfs_namespace("256k")
        if prefix_point is None:
            self.skipTest(why)
        prefix, point = prefix_point
        root = tempfile.mkdtemp(prefix="reprise-www-")
        work = tempfile.mkdtemp(prefix="reprise-full-")
        for path in (point, root, work):
            self.addCleanup(shutil.rmtree, path, True)
        capture = os.path.join(point, "cap.jsonl")
        copy = os.path.join(work, "cap.jsonl")
        port = free_port()
        with nginx(root) as ng:
            px = Proc(prefix + [BIN, "proxy", "--listen", f"127.0.0.1:{port}", "--upstream",
                                f"http://127.0.0.1:{ng.port}", "--record", capture], port=port)
            with px:
                statuses = []
                full = lambda: "recording stopped" in px.output()
                while not full() and len(statuses) < 5000:
                    statuses += [request(port, "GET", "/json")[0] for _ in range(50)]
                self.assertTrue(full(), f"the disk never filled: {px.output()[-2000:]}")
                statuses += [request(port, "GET", "/json")[0] for _ in range(300)]
                shutil.copy(f"/proc/{px.pid}/root{capture}", copy)  # the tmpfs goes with the process
                self.assertEqual(px.stop(), 0)
                log = px.output()
        self.assertEqual(set(statuses), {200}, "the proxy kept serving")
        complaints = [line for line in log.splitlines() if " error " in line or " warning " in line]
        self.assertEqual(len(complaints), 1, log[-3000:])
        self.assertIn(capture, complaints[0])
        self.assertIn("No space left on device", complaints[0])
        with open(copy, "rb") as f:
            data = f.read()
        self.assertGreater(len(data), 200 * 1024, "the tmpfs was not filled")
        whole = data[:data.rfind(b"\n") + 1].splitlines()
        records = [json.loads(line) for line in whole[1:]]  # every whole line is a record
        self.assertGreater(len(records), 100)
        self.assertTrue(all(r["res"]["status"] == 200 for r in records))
        inspected = subprocess.run([BIN, "inspect", copy, "--json"], capture_output=True, text=True, timeout=30)
        self.assertEqual(inspected.returncode, 0, inspected.stderr)
        self.assertEqual(json.loads(inspected.stdout)["exchanges"], len(records), inspected.stdout[:2000])


if __name__ == "__main__":
    unittest.main()
