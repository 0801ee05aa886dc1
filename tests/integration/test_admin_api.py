"""The proxy's admin API, hardened: the token read from --admin-token-file (out of `ps`),
exclusive with --admin-token, and a bad file one line and exit 1; request bodies taken only as
JSON (415 otherwise), so a web page cannot add a fault with a CORS "simple request"; and the
token nowhere in what the proxy writes (logs at trace level, the access log, the capture,
/metrics), whatever right or wrong tokens the calls carry.

Each test starts its own proxy on loopback (harness's proxy, CountingUpstream)."""
import json
import os
import subprocess
import tempfile
import unittest

from harness import BIN, CountingUpstream, free_port, proxy, request, wait_port
from test_faults import FaultsCase, admin_call

TOKEN = "adm-7Qx2-token-c4f1e9b08d"


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


class AdminCase(FaultsCase):
    def token_file(self, data=(TOKEN + "\n").encode(), name="admin.token"):
        return write(os.path.join(self.dir, name), data)

    def start_with_file(self, up, path, *flags):
        admin = free_port()
        px = proxy(up.port, "--admin", f"127.0.0.1:{admin}", "--admin-token-file", path, "--threads", "1", *flags)
        self.addCleanup(px.__exit__)
        wait_port(admin, proc=px.popen)
        return px, admin

    def refused_start(self, *flags):
        """(exit code, stderr lines) of a proxy that must not start."""
        up = self.counting()
        run = subprocess.run([BIN, "proxy", "--listen", f"127.0.0.1:{free_port()}", "--upstream",
                              f"http://127.0.0.1:{up.port}", "--admin", f"127.0.0.1:{free_port()}", *flags],
                             capture_output=True, text=True, timeout=10)
        return run.returncode, run.stderr.strip().splitlines()


class TokenFileTest(AdminCase):
    def test_the_token_comes_from_the_file_and_stays_out_of_ps(self):
        for ending in (b"\n", b"\r\n", b""):
            with self.subTest(ending=ending):
                up = self.counting()
                px, admin = self.start_with_file(up, self.token_file(TOKEN.encode() + ending))
                self.assertEqual(admin_call(admin, "GET", "/faults")[0], 401)
                self.assertEqual(admin_call(admin, "GET", "/faults", token=TOKEN + "x")[0], 401)
                self.assertEqual(admin_call(admin, "GET", "/faults", token=TOKEN)[0], 200)
                self.assertEqual(admin_call(admin, "POST", "/faults", {"name": "f", "abort": {"status": 503}},
                                            token=TOKEN)[0], 201)
                with open(f"/proc/{px.pid}/cmdline", "rb") as f:
                    self.assertNotIn(TOKEN.encode(), f.read())

    def test_token_and_token_file_together_are_a_usage_error(self):
        code, lines = self.refused_start("--admin-token", TOKEN, "--admin-token-file", self.token_file())
        self.assertEqual(code, 1, lines)
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("--admin-token-file", lines[0])
        self.assertIn("excludes", lines[0])
        self.assertNotIn(TOKEN, lines[0])

    def test_a_bad_token_file_is_one_line_naming_it_and_exit_1(self):
        missing = os.path.join(self.dir, "missing.token")
        cases = [(missing, "cannot be read: No such file or directory"),
                 (self.dir, "cannot be read: Is a directory"),
                 (self.token_file(b"", "empty.token"), "is empty"),
                 (self.token_file(b"\n", "newline.token"), "is empty"),
                 (self.token_file(b"two words\n", "space.token"), "holds a space"),
                 (self.token_file(b"line1\nline2\n", "lines.token"), "a line break")]
        if os.geteuid() != 0:  # root reads a file whatever its mode
            unreadable = self.token_file(name="unreadable.token")
            os.chmod(unreadable, 0)
            cases.append((unreadable, "cannot be read: Permission denied"))
        for path, problem in cases:
            with self.subTest(path=path):
                code, lines = self.refused_start("--admin-token-file", path)
                self.assertEqual(code, 1, lines)
                self.assertEqual(len(lines), 1, lines)
                self.assertTrue(lines[0].startswith(f"reprise: {path}: "), lines)
                self.assertIn(problem, lines[0])


class JsonBodiesOnlyTest(AdminCase):
    FAULT = {"name": "csrf", "abort": {"status": 503}}

    def faults(self, admin):
        return json.loads(admin_call(admin, "GET", "/faults")[1])["faults"]

    def test_bodies_that_are_not_json_are_415_and_change_nothing(self):
        up = self.counting()
        px, admin = self.start(up.port, [], admin=True)
        body = json.dumps(self.FAULT).encode()
        # What a page can send cross-origin without a preflight, and no type at all.
        for method, path in (("POST", "/faults"), ("PUT", "/faults/csrf"), ("DELETE", "/faults/csrf")):
            for content_type in ("text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
                                 "multipart/form-data; boundary=x", None):
                with self.subTest(method=method, content_type=content_type):
                    headers = {"Origin": "http://evil.test"}
                    if content_type:
                        headers["Content-Type"] = content_type
                    status, answer = admin_call(admin, method, path, body, headers=headers)
                    self.assertEqual(status, 415, answer)
                    self.assertIn("application/json", json.loads(answer)["error"])
        self.assertEqual(self.faults(admin), [])
        self.assertEqual(request(px.port, "GET", "/not/faulted")[0], 200)

    def test_json_with_parameters_is_taken_and_a_delete_needs_no_body(self):
        up = self.counting()
        px, admin = self.start(up.port, [], admin=True)
        body = json.dumps(self.FAULT).encode()
        status, _ = admin_call(admin, "POST", "/faults", body, headers={"Content-Type": "application/json; charset=utf-8"})
        self.assertEqual(status, 201)
        self.assertEqual(request(px.port, "GET", "/now/faulted")[0], 503)
        status, _ = admin_call(admin, "PUT", "/faults/csrf", body, headers={"Content-Type": "Application/JSON"})
        self.assertEqual(status, 200)
        self.assertEqual(admin_call(admin, "DELETE", "/faults/csrf")[0], 204)
        self.assertEqual(self.faults(admin), [])
        # PATCH is no route: the method is refused before the body is looked at.
        self.assertEqual(admin_call(admin, "PATCH", "/faults/csrf", body, headers={"Content-Type": "text/plain"})[0],
                         405)


class TokenNeverShownTest(AdminCase):
    def test_the_token_is_in_no_log_capture_or_metrics(self):
        up = self.counting()
        capture = os.path.join(self.dir, "cap.jsonl")
        access = os.path.join(self.dir, "access.log")
        px, admin = self.start_with_file(up, self.token_file(), "--log-level", "trace", "--access-log", access,
                                         "--record", capture)
        wrong = [TOKEN[:-1], TOKEN + "0", TOKEN.upper(), "Basic " + TOKEN, TOKEN]
        pages = []
        for path in ("/metrics", "/faults", "/healthz", "/sla", "/faults/none", "/nowhere"):
            for value in wrong:
                auth = value if value.startswith("Basic ") else f"Bearer {value}"
                status, body = admin_call(admin, "GET", path, headers={"Authorization": auth})
                pages.append(body)
            pages.append(admin_call(admin, "GET", f"{path}?token={TOKEN}")[1])
        self.assertEqual(admin_call(admin, "POST", "/faults", {"name": "n", "abort": {"status": 503}},
                                    token=TOKEN)[0], 201)
        pages.append(admin_call(admin, "POST", "/faults", b"{bad", token=TOKEN + "-wrong",
                                headers={"Content-Type": "application/json"})[1])
        pages.append(admin_call(admin, "POST", "/faults", b"x=1", token=TOKEN,
                                headers={"Content-Type": "text/plain"})[1])
        # The same token sent to the proxied service by mistake: redacted in the capture.
        request(px.port, "GET", "/api/with-token", headers={"Authorization": f"Bearer {TOKEN}"})
        status, metrics = admin_call(admin, "GET", "/metrics", token=TOKEN)
        self.assertEqual(status, 200)
        pages.append(metrics)
        px.stop()
        outputs = {"stderr log": px.output().encode(), "admin answers": b"\n".join(pages)}
        for name, path in (("access log", access), ("capture", capture)):
            with open(path, "rb") as f:
                outputs[name] = f.read()
        self.assertIn(b"/api/with-token", outputs["access log"])
        self.assertIn(b"/api/with-token", outputs["capture"])
        secrets = {TOKEN, TOKEN[:-1], TOKEN[4:]}  # the token, and parts of it
        for name, data in outputs.items():
            for secret in secrets:
                self.assertNotIn(secret.encode(), data, f"the admin token is in the {name}")
                self.assertNotIn(secret.upper().encode(), data, f"a wrong token is echoed in the {name}")


if __name__ == "__main__":
    unittest.main()
