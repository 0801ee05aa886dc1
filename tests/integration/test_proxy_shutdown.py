"""reprise proxy on SIGTERM: stops accepting, lets the exchanges in flight finish, closes idle
connections and exits 0 within --drain-timeout; past the drain timeout it exits anyway."""
import signal
import socket
import threading
import time
import unittest

from harness import HttpStream, ProbeUpstream, http_response, proxy


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


def send_in_thread(port, result):
    """Sends one GET in a thread; result gets the response (or the exception) and its time."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=8)

    def run():
        try:
            sock.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
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


if __name__ == "__main__":
    unittest.main()
