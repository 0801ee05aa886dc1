"""The binary as a user meets it: `reprise demo` end to end, the README's exit codes (1 for
bad usage or input with one line naming the flag, 2 for runtime failures), and the help it gives:
examples in every --help, "did you mean" for misspelt commands and flags, the import a HAR or
pcap needs, the OS's reason for a file that cannot be read, and nonsense flag values refused."""
import json
import os
import re
import shlex
import shutil
import socket
import struct
import tempfile
import subprocess
import unittest

from harness import BIN, SOURCE, demo_upstream, free_port, Proc, proxy, request, wait_port

BIN = os.path.abspath(BIN)
SOURCE = os.path.abspath(SOURCE)
SAMPLE = "captures/chat-sample.jsonl"
SMOKE = "profiles/smoke.json"


def run(*args, timeout=60, cwd=None, env=None):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env=None if env is None else dict(os.environ, **env))


def in_source(*args, timeout=30, env=None):
    """A command run from the repository's root, where captures/ and profiles/ are."""
    return run(*args, timeout=timeout, cwd=SOURCE, env=env)


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
            ("proxy", "--listen", "127.0.0.1:0", "--upstream", "ftp://127.0.0.1:1"),
            ("proxy", "--listen", "127.0.0.1:0", "--upstream", "http://127.0.0.1:1", "--header-timeout", "10 parsecs"),
            ("no-such-command",),
        ]
        for args in cases:
            with self.subTest(args=args):
                res = run(*args, timeout=10)
                self.assertEqual(res.returncode, 1, res.stderr)
                lines = [l for l in res.stderr.splitlines() if l.strip()]
                self.assertEqual(len(lines), 1, res.stderr)

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

    def test_a_port_another_reprise_listens_on_is_refused(self):
        # reprise's workers share their port with SO_REUSEPORT; a second process must not join
        # them (the kernel would split connections between two proxies), nor share a port any
        # socket that set SO_REUSEPORT holds. The first proxy keeps serving.
        with demo_upstream() as up, proxy(up.port) as first:
            res = run("proxy", "--listen", f"127.0.0.1:{first.port}", "--upstream", f"http://127.0.0.1:{up.port}",
                      "--threads", "2", timeout=10)
            self.assertEqual(res.returncode, 2, res.stderr)
            self.assertIn(f"cannot listen on 127.0.0.1:{first.port}", res.stderr)
            self.assertEqual(len(res.stderr.strip().splitlines()), 1, res.stderr)
            for _ in range(20):  # every connection still reaches the first proxy's upstream
                status, _, _ = request(first.port, "GET", "/api/users/me")
                self.assertEqual(status, 401)
        with socket.socket() as taken:
            taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            taken.bind(("127.0.0.1", 0))
            taken.listen(1)
            port = taken.getsockname()[1]
            res = run("proxy", "--listen", f"127.0.0.1:{port}", "--upstream", "http://127.0.0.1:1", timeout=10)
        self.assertEqual(res.returncode, 2, res.stderr)

    def test_help_exits_0(self):
        res = run("--help", timeout=10)
        self.assertEqual(res.returncode, 0)
        for command in ("proxy", "upstream-demo", "demo"):
            self.assertIn(command, res.stdout)

    def test_help_shows_the_name_not_the_path(self):
        res = run("--help", timeout=10)
        self.assertIn("Usage: reprise [OPTIONS] SUBCOMMAND", res.stdout)


class OneLineErrorCase(unittest.TestCase):
    def assert_one_line_error(self, res, *fragments):
        """Exit 1 and exactly one line on stderr, holding every fragment; returns the line."""
        self.assertEqual(res.returncode, 1, res.stdout + res.stderr)
        lines = res.stderr.splitlines()
        self.assertEqual(len(lines), 1, res.stderr)
        self.assertTrue(lines[0].startswith("reprise"), lines[0])
        for fragment in fragments:
            self.assertIn(fragment, lines[0])
        return lines[0]

    def tmp(self, name):
        if not hasattr(self, "_dir"):
            self._dir = tempfile.mkdtemp(prefix="reprise-cli-")
            self.addCleanup(shutil.rmtree, self._dir, True)
        return os.path.join(self._dir, name)


# Every command with its own --help, nested ones included.
COMMANDS = [(), ("proxy",), ("upstream-demo",), ("demo",), ("import",), ("import", "pcap"), ("import", "har"),
            ("export",), ("export", "har"), ("inspect",), ("record",), ("replay",), ("merge",), ("drill",)]


class HelpExamplesTest(OneLineErrorCase):
    def examples(self, command):
        res = run(*command, "--help", timeout=10)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(res.stderr, "")
        lines = res.stdout.rstrip("\n").splitlines()
        self.assertIn("Examples:", lines, res.stdout)
        after = lines[lines.index("Examples:") + 1:]
        return res.stdout, after

    def test_every_help_ends_with_examples(self):
        for command in COMMANDS:
            with self.subTest(command=command):
                text, after = self.examples(command)
                runs = [l for l in after if l.startswith("  reprise ")]
                self.assertGreaterEqual(len(runs), 2, text)
                self.assertLessEqual(len(runs), 3, text)
                # Nothing but examples, their "#" comments and (top level) one closing hint after the heading.
                for line in after:
                    self.assertTrue(line == "" or line.startswith("  reprise ") or line.startswith("  # ")
                                    or line.startswith("Run 'reprise COMMAND --help'"), line)
                self.assertLess(text.index("Options:"), text.index("Examples:"))
                if command:  # the command's own examples first
                    self.assertTrue(runs[0].startswith("  reprise " + " ".join(command) + " ") or
                                    runs[0] == "  reprise " + " ".join(command), runs[0])

    def test_examples_use_real_files_and_real_flags(self):
        helps = {}
        for command in COMMANDS:
            _, after = self.examples(command)
            for line in after:
                if not line.startswith("  reprise "):
                    continue
                words = shlex.split(line.split(" | ")[0].split(" && ")[0])[1:]
                for w in words:
                    if w.startswith(("captures/", "profiles/")):
                        self.assertTrue(os.path.exists(os.path.join(SOURCE, w)), f"{line}: {w} is not shipped")
                path = tuple(w for w in words[:2] if not w.startswith("-") and w in
                             {c for cmd in COMMANDS for c in cmd})
                if path not in helps:
                    helps[path] = run(*path, "--help", timeout=10).stdout
                for w in words:
                    flag = w.split("=")[0]
                    if flag.startswith("-"):
                        self.assertRegex(helps[path], r"(^|[ ,])" + re.escape(flag) + r"(?![\w-])", f"{line}: {flag}")

    def test_the_inspect_examples_run(self):
        for args in (["inspect", SAMPLE], ["inspect", SAMPLE, "--json"],
                     ["inspect", SAMPLE, "--correlations", "--profile", "profiles/02-message-send.json"]):
            with self.subTest(args=args):
                res = in_source(*args)
                self.assertEqual(res.returncode, 0, res.stderr)
        routes = json.loads(in_source("inspect", SAMPLE, "--json").stdout)["routes"]  # what the jq example reads
        self.assertTrue(all("path" in r and "p95" in r["latency_ms"] for r in routes))

    def test_the_export_import_and_shard_examples_run(self):
        har, back = self.tmp("chat-sample.har"), self.tmp("session.jsonl")
        res = in_source("export", "har", SAMPLE, "-o", har)
        self.assertEqual(res.returncode, 0, res.stderr)
        res = in_source("import", "har", har, "-o", back)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(run("inspect", back, "--json").returncode, 0)

        port = free_port()
        with Proc([BIN, "upstream-demo", "--listen", f"127.0.0.1:{port}"], port=port):
            target = f"http://127.0.0.1:{port}"
            for i in (1, 2):
                res = in_source("replay", SAMPLE, "--profile", SMOKE, "--target", target, "--shard", f"{i}/2",
                                "--summary", self.tmp(f"shard{i}.json"), "--time-scale", "0.2", timeout=60)
                self.assertIn(res.returncode, (0, 99), res.stderr)
        res = run("merge", self.tmp("shard1.json"), self.tmp("shard2.json"), "-o", self.tmp("run.json"), "--junit",
                  self.tmp("run.xml"), "--report", self.tmp("run.html"))
        self.assertIn(res.returncode, (0, 99), res.stderr)
        for name in ("run.json", "run.xml", "run.html"):
            self.assertTrue(os.path.getsize(self.tmp(name)) > 0, name)


class DidYouMeanTest(OneLineErrorCase):
    def test_a_misspelt_command(self):
        line = self.assert_one_line_error(run("replya", "--target", "http://127.0.0.1:1", timeout=10))
        self.assertEqual(line, "reprise: unknown command 'replya'; did you mean 'replay'?")
        line = self.assert_one_line_error(run("--log-level", "warn", "inpsect", "x.jsonl", timeout=10))
        self.assertEqual(line, "reprise: unknown command 'inpsect'; did you mean 'inspect'?")
        line = self.assert_one_line_error(run("upstream_demo", "--listen", "127.0.0.1:0", timeout=10))
        self.assertEqual(line, "reprise: unknown command 'upstream_demo'; did you mean 'upstream-demo'?")

    def test_a_misspelt_nested_command(self):
        line = self.assert_one_line_error(run("import", "hra", "x.har", "-o", "x.jsonl", timeout=10))
        self.assertEqual(line, "reprise: unknown command 'import hra'; did you mean 'import har'?")

    def test_a_command_nothing_like_any(self):
        line = self.assert_one_line_error(run("xyzzy", timeout=10))
        self.assertEqual(line, "reprise: unknown command 'xyzzy'; the commands are proxy, upstream-demo, demo, "
                               "import, inspect, export, record, replay, merge, drill; run 'reprise --help'")

    def test_no_command(self):
        self.assert_one_line_error(run(timeout=10), "a command is required (proxy, upstream-demo", "reprise --help")
        self.assert_one_line_error(run("export", timeout=10), "export: a command is required (har)",
                                   "run 'reprise export --help'")

    def test_a_misspelt_flag(self):
        cases = [
            (("replay", SAMPLE, "--targt", "http://127.0.0.1:1", "--profile", SMOKE),
             "reprise: replay: unknown flag '--targt'; did you mean '--target'?"),
            (("replay", SAMPLE, "--targt=http://127.0.0.1:1", "--profile", SMOKE),
             "reprise: replay: unknown flag '--targt'; did you mean '--target'?"),
            (("proxy", "--listn", "127.0.0.1:0", "--upstream", "http://127.0.0.1:1"),
             "reprise: proxy: unknown flag '--listn'; did you mean '--listen'?"),
            (("drill", SAMPLE, "--upstream", "http://127.0.0.1:1", "--profile", SMOKE, "--faults", "f.json",
              "--proxy-thread", "2"),
             "reprise: drill: unknown flag '--proxy-thread'; did you mean '--proxy-threads'?"),
            (("proxy", "--listen", "127.0.0.1:0", "--upstream", "http://127.0.0.1:1", "--log-levl", "warn"),
             "reprise: proxy: unknown flag '--log-levl'; did you mean '--log-level'?"),
            (("inspect", SAMPLE, "-json"), "reprise: inspect: unknown flag '-json'; did you mean '--json'?"),
            (("import", "har", "x.har", "-o", "x.jsonl", "--redcat", "none"),
             "reprise: import har: unknown flag '--redcat'; did you mean '--redact'?"),
            (("replay", SAMPLE, "--target", "http://127.0.0.1:1", "--profile", SMOKE, "--request"),
             "reprise: replay: unknown flag '--request'; did you mean '--request-timeout'?"),
        ]
        for args, expected in cases:
            with self.subTest(args=args):
                self.assertEqual(self.assert_one_line_error(in_source(*args)), expected)

    def test_a_flag_nothing_like_any(self):
        line = self.assert_one_line_error(in_source("replay", SAMPLE, "--target", "http://127.0.0.1:1", "--profile",
                                                    SMOKE, "--frobnicate"))
        self.assertEqual(line, "reprise: replay: unknown flag '--frobnicate'; run 'reprise replay --help'")

    def test_other_usage_errors_stay_one_line(self):
        self.assert_one_line_error(run("replay", "--target", "http://127.0.0.1:1", timeout=10), "is required",
                                   "'reprise replay --help'")
        self.assert_one_line_error(run("inspect", "a.jsonl", "b.jsonl", timeout=10),
                                   "inspect: unexpected argument 'b.jsonl'")
        self.assert_one_line_error(run("--log-level", "loud", "demo", timeout=10), "--log-level")


def pcap_header(magic):
    return magic + struct.pack("<HHiIII", 2, 4, 0, 0, 65535, 1)


class ImportHintTest(OneLineErrorCase):
    def test_inspect_of_a_pcap(self):
        path = self.tmp("traffic.pcap")
        with open(path, "wb") as f:
            f.write(pcap_header(b"\xd4\xc3\xb2\xa1"))
        line = self.assert_one_line_error(run("inspect", path, timeout=10))
        self.assertEqual(line, f"reprise: {path} is a pcap file, not a capture; "
                               f"run 'reprise import pcap {path} -o {self.tmp('traffic.jsonl')}' first")

    def test_inspect_of_a_pcapng_named_otherwise(self):
        path = self.tmp("trace.bin")
        with open(path, "wb") as f:
            f.write(b"\x0a\x0d\x0d\x0a" + b"\x1c\x00\x00\x00\x4d\x3c\x2b\x1a" + bytes(16))
        self.assert_one_line_error(run("inspect", path, timeout=10), f"{path} is a pcapng file, not a capture",
                                   f"reprise import pcap {path} -o {path}.jsonl")

    def test_inspect_of_a_har(self):
        har = {"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": []}}
        pretty, minified = self.tmp("session.har"), self.tmp("export.json")
        with open(pretty, "w") as f:
            json.dump(har, f, indent=2)
        with open(minified, "w") as f:
            f.write(json.dumps({"comment": "x", **har}) + "\n")
        line = self.assert_one_line_error(run("inspect", pretty, timeout=10))
        self.assertEqual(line, f"reprise: {pretty} is a HAR file, not a capture; "
                               f"run 'reprise import har {pretty} -o {self.tmp('session.jsonl')}' first")
        self.assert_one_line_error(run("inspect", minified, "--json", timeout=10),
                                   f"{minified} is a HAR file, not a capture",
                                   f"reprise import har {minified} -o {self.tmp('export.jsonl')}")
        self.assert_one_line_error(run("inspect", pretty, "--correlations", timeout=10), "is a HAR file")
        self.assert_one_line_error(run("export", "har", pretty, "-o", self.tmp("out.har"), timeout=10),
                                   "is a HAR file")

    def test_the_name_alone_is_a_hint(self):
        path = self.tmp("broken.har")
        with open(path, "w") as f:
            f.write("this was meant to be a HAR\n")
        self.assert_one_line_error(run("inspect", path, timeout=10), f"{path}:line 1: not JSON",
                                   f"if it is a HAR file, run 'reprise import har {path} -o "
                                   f"{self.tmp('broken.jsonl')}' first")

    def test_a_capture_is_still_a_capture(self):
        res = in_source("inspect", SAMPLE, "--json")
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(json.loads(res.stdout)["file"], SAMPLE)

    def test_replay_and_drill_of_a_har_or_pcap(self):
        har, pcap = self.tmp("s.har"), self.tmp("s.pcap")
        with open(har, "w") as f:
            json.dump({"log": {"version": "1.2", "entries": []}}, f, indent=1)
        with open(pcap, "wb") as f:
            f.write(pcap_header(b"\xa1\xb2\xc3\xd4"))
        self.assert_one_line_error(in_source("replay", har, "--target", "http://127.0.0.1:1", "--profile", SMOKE),
                                   f"{har} is a HAR file, not a capture; run 'reprise import har {har} -o ")
        self.assert_one_line_error(in_source("replay", pcap, "--target", "http://127.0.0.1:1", "--profile", SMOKE),
                                   f"{pcap} is a pcap file, not a capture; run 'reprise import pcap {pcap} -o ")
        faults = self.tmp("faults.json")
        with open(faults, "w") as f:
            json.dump({"faults": []}, f)
        with socket.socket() as upstream:  # drill checks that its upstream answers a connect first
            upstream.bind(("127.0.0.1", 0))
            upstream.listen(8)
            port = upstream.getsockname()[1]
            res = in_source("--log-level", "warn", "drill", pcap, "--upstream", f"http://127.0.0.1:{port}",
                            "--profile", SMOKE, "--faults", faults)
        self.assert_one_line_error(res, f"{pcap} is a pcap file, not a capture")


class CannotReadTest(OneLineErrorCase):
    MISSING = "/nonexistent-reprise/missing"
    NO_ENT = "cannot be read: No such file or directory"

    def proxy(self, *args):
        return run("proxy", "--listen", "127.0.0.1:0", "--upstream", "http://127.0.0.1:1", *args, timeout=15)

    def test_every_input_file_says_why(self):
        m = self.MISSING
        cases = [
            ("capture (inspect)", lambda p: run("inspect", p, timeout=10)),
            ("capture (export)", lambda p: run("export", "har", p, "-o", self.tmp("x.har"), timeout=10)),
            ("capture (replay)", lambda p: in_source("replay", p, "--target", "http://127.0.0.1:1", "--profile",
                                                     SMOKE)),
            ("profile", lambda p: in_source("replay", SAMPLE, "--target", "http://127.0.0.1:1", "--profile", p)),
            ("profile (inspect)", lambda p: in_source("inspect", SAMPLE, "--correlations", "--profile", p)),
            ("fault file", lambda p: self.proxy("--faults", p)),
            ("SLA file", lambda p: self.proxy("--sla", p)),
            ("routes file", lambda p: self.proxy("--admin", "127.0.0.1:0", "--routes", p)),
            ("redaction rules", lambda p: self.proxy("--record", self.tmp("r.jsonl"), "--redact-rules", p)),
            ("redaction rules (import)", lambda p: run("import", "har", p, "-o", self.tmp("h.jsonl"),
                                                       "--redact-rules", p, timeout=10)),
            ("summary", lambda p: run("merge", p, "-o", self.tmp("merged.json"), timeout=10)),
            ("pcap", lambda p: run("import", "pcap", p, "-o", self.tmp("p.jsonl"), timeout=10)),
            ("HAR", lambda p: run("import", "har", p, "-o", self.tmp("h.jsonl"), timeout=10)),
        ]
        for what, command in cases:
            with self.subTest(what=what):
                self.assert_one_line_error(command(m), f"{m}: {self.NO_ENT}")
            with self.subTest(what=what, directory=True):
                self.assert_one_line_error(command(self._dir if hasattr(self, "_dir") else self.tmp("")),
                                           "cannot be read: Is a directory")

    @unittest.skipUnless(shutil.which("setpriv"), "needs setpriv to drop root")
    def test_permission_denied(self):
        secret = self.tmp("secret.jsonl")
        with open(secret, "w") as f:
            f.write("{}\n")
        os.chmod(secret, 0o600)
        os.chmod(self._dir, 0o755)
        drop = [] if os.geteuid() != 0 else ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        res = subprocess.run([*drop, BIN, "inspect", secret], capture_output=True, text=True, timeout=10)
        self.assert_one_line_error(res, f"{secret}: cannot be read: Permission denied")


class NonsenseValuesTest(OneLineErrorCase):
    REPLAY = ("replay", SAMPLE, "--target", "http://127.0.0.1:1", "--profile", SMOKE)
    DRILL = ("drill", SAMPLE, "--upstream", "http://127.0.0.1:1", "--profile", SMOKE, "--faults", "f.json")
    PROXY = ("proxy", "--listen", "127.0.0.1:0", "--upstream", "http://127.0.0.1:1")

    def test_refused_with_one_line(self):
        cases = [
            (self.REPLAY, "--speed", "0", "must be more than 0 (got 0)"),
            (self.REPLAY, "--speed", "-1.5", "must be more than 0 (got -1.5)"),
            (self.REPLAY, "--speed", "fast", "must be a number more than 0 (got fast)"),
            (self.REPLAY, "--speed", "inf", "must be a number more than 0 (got inf)"),
            (self.REPLAY, "--time-scale", "0", "must be more than 0 and at most 1000 (got 0)"),
            (self.REPLAY, "--time-scale", "-2", "must be more than 0 and at most 1000 (got -2)"),
            (self.REPLAY, "--threads", "0", "must be from 1 to 256 (got 0)"),
            (self.REPLAY, "--threads", "-1", "must be a whole number from 1 to 256 (got -1)"),
            (self.REPLAY, "--threads", "1.5", "must be a whole number from 1 to 256 (got 1.5)"),
            (self.REPLAY, "--request-timeout", "0s", "must be more than 0 (got 0s)"),
            (self.REPLAY, "--connect-timeout", "0s", "must be more than 0 (got 0s)"),
            (self.REPLAY, "--connect-timeout", "soon", "'soon' is not a duration"),
            (self.REPLAY, "--shard", "0/2", "'0/2' must be i/N with 1 <= i <= N"),
            (self.REPLAY, "--shard", "3/2", "'3/2' must be i/N with 1 <= i <= N"),
            (self.DRILL, "--threads", "0", "must be from 1 to 256 (got 0)"),
            (self.DRILL, "--proxy-threads", "0", "must be from 1 to 1024 (got 0)"),
            (self.DRILL, "--proxy-threads", "-1", "must be a whole number from 1 to 1024 (got -1)"),
            (self.DRILL, "--time-scale", "0", "(got 0)"),
            (self.DRILL, "--seed", "-3", "must be a whole number 0 or more (got -3)"),
            (self.DRILL, "--request-timeout", "0ms", "must be more than 0 (got 0ms)"),
            (self.PROXY, "--threads", "-1", "must be a whole number from 0 to 1024 (got -1)"),
            (self.PROXY, "--pool-size", "-1", "must be a whole number from 0 to 65536 (got -1)"),
            (self.PROXY, "--pool-size", "100000000000", "must be from 0 to 65536 (got 100000000000)"),
            (self.PROXY, "--max-connections", "0", "must be 1 or more (got 0)"),
            (self.PROXY, "--max-header-size", "0", "must be 1 or more (got 0)"),
            (self.PROXY, "--record-body-limit", "-1", "must be a whole number 0 or more (got -1)"),
            (self.PROXY, "--seed", "abc", "must be a whole number 0 or more (got abc)"),
            (self.PROXY, "--seed", "99999999999999999999", "must be 0 or more (got 99999999999999999999)"),
            (self.PROXY, "--header-timeout", "0s", "must be more than 0 (got 0s)"),
            (self.PROXY, "--idle-timeout", "0", "must be more than 0 (got 0)"),
            (self.PROXY, "--connect-timeout", "0s", "must be more than 0 (got 0s)"),
            (self.PROXY, "--response-timeout", "0ms", "must be more than 0 (got 0ms)"),
            (self.PROXY, "--drain-timeout", "soon", "'soon' is not a duration"),
            (("upstream-demo", "--listen", "127.0.0.1:0"), "--heartbeat", "0s", "must be more than 0 (got 0s)"),
            (("record", "--interface", "lo", "--port", "8080", "-o", "x.jsonl"), "--duration", "0s",
             "must be more than 0 (got 0s)"),
            (("record", "--interface", "lo", "-o", "x.jsonl"), "--port", "0", "must be from 1 to 65535 (got 0)"),
            (("record", "--interface", "lo", "--port", "8080", "-o", "x.jsonl"), "--body-limit", "-1",
             "must be a whole number 0 or more (got -1)"),
            (("import", "pcap", "x.pcap", "-o", "x.jsonl"), "--port", "70000", "must be from 1 to 65535 (got 70000)"),
            (("import", "pcap", "x.pcap", "-o", "x.jsonl"), "--body-limit", "-1", "(got -1)"),
        ]
        for base, flag, value, problem in cases:
            with self.subTest(command=base[0], flag=flag, value=value):
                line = self.assert_one_line_error(in_source(*base, flag, value))
                self.assertTrue(line.startswith(f"reprise: {flag}: "), line)
                self.assertIn(problem, line)

    def test_sensible_edge_values_are_taken(self):
        # --threads 0 is one thread per core (README) and --drain-timeout 0s cuts at once.
        port = free_port()
        proxy = Proc([BIN, "proxy", "--listen", f"127.0.0.1:{port}", "--upstream", "http://127.0.0.1:1",
                      "--threads", "0", "--drain-timeout", "0s", "--pool-size", "0", "--record-body-limit", "0"],
                     port=port)
        try:
            self.assertIsNone(proxy.popen.poll())
        finally:
            proxy.stop()


if __name__ == "__main__":
    unittest.main()
