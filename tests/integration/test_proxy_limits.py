"""reprise proxy enforces its limits with an answer, not a hang: a head over --max-header-size
gets 431, a client connection past --max-connections gets 503."""
import os
import socket
import struct
import time
import unittest

from harness import HttpStream, ProbeUpstream, RecordingUpstream, exchange, http_response, proxy, status_of


class HeaderSizeTest(unittest.TestCase):
    def test_head_over_limit_gets_431_and_under_limit_passes(self):
        with RecordingUpstream() as up, proxy(up.port, "--max-header-size", "4096") as px:
            small = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 3000 + b"\r\nConnection: close\r\n\r\n"
            reply, _ = exchange(px.port, small, timeout=3)
            self.assertEqual(status_of(reply), 200, reply[:200])
            received = len(up.received)
            big = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 8000 + b"\r\n\r\n"
            reply, _ = exchange(px.port, big, timeout=3)
            self.assertEqual(status_of(reply), 431, reply[:200])
            self.assertTrue(reply.split(b"\r\n\r\n", 1)[-1].startswith(b"reprise: "), reply)
            self.assertEqual(len(up.received), received, "oversized head reached the upstream")

    def test_default_limit_is_64_kib(self):
        with RecordingUpstream() as up, proxy(up.port) as px:
            many = b"".join(b"X-H%d: %s\r\n" % (i, b"b" * 1000) for i in range(70))
            reply, _ = exchange(px.port, b"GET / HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n", timeout=3)
            self.assertEqual(status_of(reply), 431, reply[:200])
            self.assertEqual(up.received, b"")


class MaxConnectionsTest(unittest.TestCase):
    def test_connection_past_the_limit_gets_503_and_a_freed_slot_is_reused(self):
        def handler(conn, probe):
            stream = HttpStream(conn, probe)
            while stream.read_request() is not None:
                conn.sendall(http_response(200, b"ok", reason="OK"))

        with ProbeUpstream(handler) as up, proxy(up.port, "--max-connections", "2") as px:
            held = []
            try:
                for _ in range(2):
                    sock = socket.create_connection(("127.0.0.1", px.port), timeout=3)
                    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                    self.assertEqual(HttpStream(sock).read_response().status, 200)
                    held.append(sock)  # now idle, still open
                reply, closed = exchange(px.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", timeout=3)
                self.assertEqual(status_of(reply), 503, reply[:300])
                self.assertTrue(reply.split(b"\r\n\r\n", 1)[-1].startswith(b"reprise: "), reply[:300])
                self.assertTrue(closed, "the refused connection was left open")
                # the two held connections still work
                for sock in held:
                    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                    self.assertEqual(HttpStream(sock).read_response().status, 200)
                held.pop().close()
                time.sleep(0.2)
                reply, _ = exchange(px.port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=3)
                self.assertEqual(status_of(reply), 200, "a freed connection slot was not given back")
            finally:
                for sock in held:
                    sock.close()


class ResourceLeakTest(unittest.TestCase):
    def test_connections_that_come_and_go_leave_no_descriptors_behind(self):
        def handler(conn, probe):
            stream = HttpStream(conn, probe)
            while stream.read_request() is not None:
                conn.sendall(http_response(200, b"ok", reason="OK"))

        def fds(proc):
            return len(os.listdir(f"/proc/{proc.pid}/fd"))

        with ProbeUpstream(handler) as up, proxy(up.port, "--threads", "1") as px:
            exchange(px.port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=3)
            time.sleep(0.2)
            base = fds(px)
            for i in range(100):
                exchange(px.port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=3)
                with socket.create_connection(("127.0.0.1", px.port), timeout=3) as sock:
                    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")   # half a head, then gone
                with socket.create_connection(("127.0.0.1", px.port), timeout=3) as sock:
                    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # gone before the answer
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            time.sleep(0.5)
            self.assertLessEqual(fds(px) - base, 4, "descriptors leak per connection")


if __name__ == "__main__":
    unittest.main()
