"""The binary as a user meets it: `reprise demo` end to end, and the README's exit codes
(1 for bad usage or input with one line naming the flag, 2 for runtime failures)."""
import json
import os
import socket
import tempfile
import subprocess
import unittest

from harness import BIN


def run(*args, timeout=60):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout)


class DemoTest(unittest.TestCase):
    def test_demo_walks_every_scenario_through_the_proxy(self):
        capture = os.path.join(tempfile.mkdtemp(prefix="reprise-demo-"), "demo.jsonl")
        res = run("demo", "--log-level", "warn", "--record", capture)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        out = res.stdout
        for step in ("register alice", "login bob", "profile without token", "search", "create room",
                     "send message 10", "message list", "friend request", "accept"):
            self.assertIn(step, out)
        self.assertNotIn("FAIL", out)
        self.assertIn("connected=1 friend_request=1 message=11", out)
        self.assertIn("every step answered as the API promises", out)
        self.assertIn(f"to {capture}", out)
        with open(capture) as f:
            lines = [json.loads(l) for l in f]
        self.assertEqual(lines[0]["source"], "proxy")
        targets = [r["req"]["target"] for r in lines[1:]]
        self.assertEqual(len(targets), sum(1 for l in out.splitlines() if " ok " in l) + 1)  # + the SSE stream
        self.assertEqual(sum(1 for r in lines[1:] if r.get("stream", {}).get("kind") == "sse"), 1)
        self.assertNotIn("Test1234!@#", open(capture).read())


class ExitCodeTest(unittest.TestCase):
    def test_bad_usage_exits_1_with_one_line(self):
        cases = [
            ("proxy", "--listen", "127.0.0.1:0"),  # --upstream missing
            ("proxy", "--listen", "nonsense", "--upstream", "http://127.0.0.1:1"),
            ("proxy", "--listen", "127.0.0.1:0", "--upstream", "https://127.0.0.1:1"),
            ("proxy", "--listen", "127.0.0.1:0", "--upstream", "http://127.0.0.1:1", "--header-timeout", "10 parsecs"),
            ("no-such-command",),
        ]
        for args in cases:
            with self.subTest(args=args):
                res = run(*args, timeout=10)
                self.assertEqual(res.returncode, 1, res.stderr)
                lines = [l for l in res.stderr.splitlines() if l.strip()]
                self.assertGreaterEqual(len(lines), 1)

    def test_flag_errors_name_the_flag(self):
        res = run("proxy", "--listen", "127.0.0.1:0", "--upstream", "http://127.0.0.1:1", "--idle-timeout", "soon",
                  timeout=10)
        self.assertEqual(res.returncode, 1)
        self.assertIn("--idle-timeout", res.stderr)
        self.assertEqual(len(res.stderr.strip().splitlines()), 1, res.stderr)

    def test_port_in_use_exits_2(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen(1)
            port = taken.getsockname()[1]
            res = run("proxy", "--listen", f"127.0.0.1:{port}", "--upstream", "http://127.0.0.1:1", timeout=10)
        self.assertEqual(res.returncode, 2, res.stderr)
        self.assertIn("cannot listen", res.stderr)

    def test_help_exits_0(self):
        res = run("--help", timeout=10)
        self.assertEqual(res.returncode, 0)
        for command in ("proxy", "upstream-demo", "demo"):
            self.assertIn(command, res.stdout)


if __name__ == "__main__":
    unittest.main()
