"""`reprise record`: passive recording from the loopback interface with libpcap. Chat traffic
through the proxy, recorded live for a set duration, gives the same exchanges as the proxy's own
recording; exchanges reach the file while the recording runs; SIGINT and SIGTERM end it with
exit 0; without the right to capture it says so in one line and exits 2."""
import http.client
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from chat_traffic import assert_same_exchanges, run_chat_traffic
from harness import BIN, capture_records, demo_upstream, proxy, reprise, request


def wait_for_output(proc, text, timeout=10.0):
    end = time.monotonic() + timeout
    while text not in proc.output():
        if proc.popen.poll() is not None or time.monotonic() > end:
            raise RuntimeError(f"{proc.args} did not say {text!r}: {proc.output()}")
        time.sleep(0.02)


def records_in(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line for line in f.read().split("\n")[1:] if line]


class RecordLiveTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="reprise-record-live-")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def path(self, name):
        return os.path.join(self.dir, name)

    def start_recording(self, port, *extra):
        rec = reprise("record", "--interface", "lo", "--port", port, "-o", self.path("live.jsonl"), *extra)
        wait_for_output(rec, "recording TCP port")
        return rec

    def test_a_live_recording_has_the_proxy_recordings_exchanges(self):
        recorded = self.path("proxy.jsonl")
        with demo_upstream("--heartbeat", "1s") as up:
            px = proxy(up.port, "--record", recorded)
            try:
                started = time.monotonic()
                with self.start_recording(px.port, "--duration", "4s") as rec:
                    run_chat_traffic(px.port, sse_seconds=2.5)
                    code = rec.wait(10)
                    elapsed = time.monotonic() - started
                    output = rec.output()
            finally:
                px.stop()
        self.assertEqual(code, 0, output)
        self.assertGreater(elapsed, 3.8)
        self.assertLess(elapsed, 9, "stopped by its --duration (4 s), with room for a slow start")
        header, records = capture_records(self.path("live.jsonl"))
        self.assertEqual(header["source"], "interface")
        expected = capture_records(recorded)[1]
        self.assertEqual(len(records), len(expected), output)
        assert_same_exchanges(self, expected, records)
        summary = output.strip().split("\n")[-1]
        self.assertIn(f"recorded {len(records)} exchanges on lo port {px.port}", summary)
        self.assertIn("0 skipped", summary)

    def test_exchanges_are_written_while_recording_and_sigint_ends_it(self):
        with demo_upstream() as up, proxy(up.port) as px:
            with self.start_recording(px.port) as rec:
                status, _, _ = request(px.port, "GET", "/api/users/me")
                self.assertEqual(status, 401)
                answered = time.monotonic()
                while not records_in(self.path("live.jsonl")) and time.monotonic() - answered < 2:
                    time.sleep(0.01)
                waited = time.monotonic() - answered
                self.assertEqual(len(records_in(self.path("live.jsonl"))), 1)
                self.assertLess(waited, 0.5, "the exchange was not written promptly")  # 200 ms promised
                self.assertIsNone(rec.popen.poll())
                rec.signal(signal.SIGINT)
                self.assertEqual(rec.wait(5), 0, rec.output())
                self.assertIn("recorded 1 exchanges", rec.output())

    def test_sigterm_ends_a_recording_and_keeps_what_was_recorded(self):
        with demo_upstream() as up, proxy(up.port) as px:
            with self.start_recording(px.port) as rec:
                for _ in range(3):
                    request(px.port, "GET", "/api/users/me")
                rec.signal(signal.SIGTERM)
                self.assertEqual(rec.wait(5), 0, rec.output())
        self.assertEqual(len(records_in(self.path("live.jsonl"))), 3)

    def test_connections_open_before_the_recording_are_skipped_and_counted(self):
        with demo_upstream() as up, proxy(up.port) as px:
            conn = http.client.HTTPConnection("127.0.0.1", px.port, timeout=5)
            conn.request("GET", "/api/users/me")
            conn.getresponse().read()
            with self.start_recording(px.port) as rec:
                conn.request("GET", "/api/users/me")  # same connection, now recorded mid-stream
                conn.getresponse().read()
                conn.close()
                request(px.port, "GET", "/api/users/search")
                time.sleep(0.3)
                rec.signal(signal.SIGINT)
                self.assertEqual(rec.wait(5), 0)
                output = rec.output()
        records = capture_records(self.path("live.jsonl"))[1]
        self.assertEqual([r["req"]["target"] for r in records], ["/api/users/search"])
        self.assertIn("1 skipped (already open when the capture began)", output)

    def test_without_the_right_to_capture_it_exits_2_with_one_line(self):
        if os.geteuid() != 0 or not shutil.which("setpriv"):
            self.skipTest("needs root to drop to an unprivileged user")
        os.chmod(self.dir, 0o777)
        out = self.path("denied.jsonl")
        run = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", BIN, "record",
                              "--interface", "lo", "--port", "8080", "-o", out, "--duration", "1s"],
                             capture_output=True, text=True, timeout=20)
        self.assertEqual(run.returncode, 2, run.stderr)
        lines = run.stderr.strip().split("\n")
        self.assertEqual(len(lines), 1, run.stderr)
        self.assertIn("permission denied", lines[0])
        self.assertIn("lo", lines[0])
        self.assertFalse(os.path.exists(out))

    def test_bad_flags_exit_1(self):
        for args, text in ((["--interface", "no-such-if0", "--port", "80"], "no interface named no-such-if0"),
                           (["--interface", "lo", "--port", "80", "--duration", "4 parsecs"], "--duration")):
            run = subprocess.run([BIN, "record", *args, "-o", self.path("x.jsonl")], capture_output=True, text=True,
                                 timeout=20)
            self.assertEqual(run.returncode, 1, run.stderr)
            self.assertIn(text, run.stderr)


if __name__ == "__main__":
    unittest.main()
