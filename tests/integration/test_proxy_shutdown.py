"""reprise proxy on SIGTERM: stops accepting, lets the exchanges in flight finish, closes idle
connections and exits 0 within --drain-timeout; past the drain timeout it exits anyway. Under
load too: slow answers (some waiting for their head, some with their body still streaming)
finish whole while keep-alive clients keep sending."""
import signal
import socket
import threading
import time
import unittest

from harness import HttpStream, ProbeUpstream, SteadyClients, chunk, http_response, proxy, wait_for


def slow_upstream(delay, release=None):
    def handler(conn, probe):
        stream = HttpStream(conn, probe)
        while stream.read_request() is not None:
            if release is not None:
                release.wait(delay)
            else:
                time.sleep(delay)
            conn.sendall(http_response(200, b"late answer", reason="OK"))

    return ProbeUpstream(handler)


def send_in_thread(port, result, path="/slow"):
    """Sends one GET in a thread; result gets the response (or the exception) and its time."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=8)

    def run():
        try:
            sock.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
            result["response"] = HttpStream(sock).read_response()
        except Exception as e:  # reported by the test
            result["error"] = e
        finally:
            result["at"] = time.monotonic()
            sock.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


class DrainTest(unittest.TestCase):
    def test_in_flight_exchange_finishes_and_new_connections_are_refused(self):
        with slow_upstream(1.0) as up, proxy(up.port, "--drain-timeout", "5s") as px:
            result = {}
            start = time.monotonic()
            thread = send_in_thread(px.port, result)
            time.sleep(0.2)
            px.signal(signal.SIGTERM)
            time.sleep(0.2)
            with self.assertRaises(ConnectionRefusedError, msg="proxy still accepts after SIGTERM"):
                socket.create_connection(("127.0.0.1", px.port), timeout=1).close()
            thread.join(5)
            self.assertNotIn("error", result, f"in-flight request failed: {result.get('error')!r}")
            response = result["response"]
            self.assertEqual((response.status, response.body), (200, b"late answer"))
            self.assertEqual(px.wait(4), 0, px.output())
            exited = time.monotonic()
            self.assertLess(exited - start, 3.0, "proxy did not exit soon after the drain")

    def test_idle_keep_alive_connection_does_not_hold_the_drain(self):
        with slow_upstream(0) as up, proxy(up.port, "--drain-timeout", "5s") as px:
            with socket.create_connection(("127.0.0.1", px.port), timeout=5) as sock:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                self.assertEqual(HttpStream(sock).read_response().status, 200)
                start = time.monotonic()
                px.signal(signal.SIGTERM)
                self.assertEqual(px.wait(4), 0, px.output())
                self.assertLess(time.monotonic() - start, 2.0, "an idle connection kept the proxy draining")
                self.assertEqual(sock.recv(100), b"", "idle connection not closed at shutdown")

    def test_exchange_longer_than_drain_timeout_does_not_keep_the_proxy(self):
        release = threading.Event()
        with slow_upstream(10, release) as up, proxy(up.port, "--drain-timeout", "1s") as px:
            try:
                result = {}
                thread = send_in_thread(px.port, result)
                time.sleep(0.2)
                start = time.monotonic()
                px.signal(signal.SIGTERM)
                px.wait(4)
                self.assertLess(time.monotonic() - start, 2.5, "proxy outlived its drain timeout")
                thread.join(3)
                self.assertIn("at", result, "client connection left hanging after the proxy exited")
            finally:
                release.set()


def mixed_upstream():
    """/late: a 64 KiB answer after 1 s; /streaming: the head at once, then 10 chunks 100 ms
    apart; anything else: at once."""
    late_body = bytes(range(256)) * 256

    def handler(conn, probe):
        stream = HttpStream(conn, probe)
        while (msg := stream.read_request()) is not None:
            if msg.target == "/late":
                time.sleep(1.0)
                conn.sendall(http_response(200, late_body, reason="OK"))
            elif msg.target == "/streaming":
                conn.sendall(http_response(200, headers=[("Transfer-Encoding", "chunked")], reason="OK"))
                for i in range(10):
                    time.sleep(0.1)
                    conn.sendall(chunk(b"piece %d;" % i))
                conn.sendall(b"0\r\n\r\n")
            else:
                conn.sendall(http_response(200, b"fast", reason="OK"))

    return ProbeUpstream(handler), late_body


class DrainUnderLoadTest(unittest.TestCase):
    def test_slow_answers_in_flight_finish_whole_while_load_flows(self):
        up, late_body = mixed_upstream()
        expected = {"/late": late_body, "/streaming": b"".join(b"piece %d;" % i for i in range(10))}
        with up, proxy(up.port, "--threads", "2", "--drain-timeout", "10s") as px:
            fast = SteadyClients(px.port, b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\n", count=4)
            self.assertTrue(wait_for(lambda: len(fast.outcomes) >= 100, 20), "no load got through")
            slow = []
            for path in ("/late", "/streaming") * 8:
                result = {}
                slow.append((path, result, send_in_thread(px.port, result, path)))
            arrived = lambda: up.received.count(b"GET /late ") + up.received.count(b"GET /streaming ")
            self.assertTrue(wait_for(lambda: arrived() == len(slow), 10), "slow requests did not arrive")
            time.sleep(0.2)
            signalled = time.monotonic()
            px.signal(signal.SIGTERM)
            time.sleep(0.2)
            with self.assertRaises(ConnectionRefusedError, msg="proxy still accepts after SIGTERM"):
                socket.create_connection(("127.0.0.1", px.port), timeout=1).close()
            self.assertEqual(px.wait(10), 0, px.output())
            outcomes = fast.finish()
            for path, result, thread in slow:
                thread.join(5)
                self.assertNotIn("error", result, f"{path} in flight failed: {result.get('error')!r}")
                self.assertEqual((result["response"].status, result["response"].body), (200, expected[path]), path)
        before = {o[2] for o in outcomes if o[1] < signalled}
        self.assertEqual(before, {200})
        # After the signal a keep-alive request gets a whole answer, or its connection is closed
        # (or reset, when the request was still unread) before any byte of one, so the client
        # may send it again elsewhere; a new connection is refused.
        after = {o[2] if isinstance(o[2], int) else o[2].split(":")[0] for o in outcomes if o[1] >= signalled}
        self.assertLessEqual(after, {200, "eof", "reset", "connect"}, outcomes[-20:])


if __name__ == "__main__":
    unittest.main()
