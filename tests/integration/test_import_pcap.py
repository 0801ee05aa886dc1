"""`reprise import pcap`: chat traffic through the proxy is captured by tcpdump on loopback while
the proxy records it itself; importing the pcap gives the same exchanges as the proxy's
recording (methods, targets, statuses, bodies, SSE events), also after the segments are
reordered, split into overlapping pieces and retransmitted. Connections already open when the
capture began are skipped and counted; cut, garbage and HTTP-less files are one-line errors."""
import os
import random
import shutil
import struct
import subprocess
import tempfile
import unittest

from chat_traffic import PASSWORD, assert_same_exchanges, by_connection, run_chat_traffic
from harness import BIN, PcapPacket, capture_records, demo_upstream, proxy, read_pcap, tcpdump, write_pcap


def tcp_parts(frame):
    """(ethernet, IPv4 header, TCP header, payload) of a loopback frame."""
    ip = frame[14:]
    ihl = (ip[0] & 0x0f) * 4
    total = struct.unpack("!H", ip[2:4])[0]
    tcp = ip[ihl:total]
    offset = (tcp[12] >> 4) * 4
    return frame[:14], ip[:ihl], tcp[:offset], tcp[offset:]


def tcp_frame(eth, iph, tcph, payload, seq, clear_fin=False):
    tcph = tcph[:4] + struct.pack("!I", seq & 0xffffffff) + tcph[8:13] + bytes([tcph[13] & ~0x01 if clear_fin
                                                                                 else tcph[13]]) + tcph[14:]
    iph = iph[:2] + struct.pack("!H", len(iph) + len(tcph) + len(payload)) + iph[4:]
    return eth + iph + tcph + payload


def mangle(packets, seed=7):
    """Every segment with 16 bytes or more becomes two overlapping pieces, the later piece first;
    about a third are also retransmitted whole two packets later. Returns (packets, pieces split)."""
    rng, out, later, split = random.Random(seed), [], [], 0
    for p in packets:
        eth, iph, tcph, payload = tcp_parts(p.data)
        if len(payload) >= 16:
            seq, k = struct.unpack("!I", tcph[4:8])[0], len(payload) // 2
            tail = tcp_frame(eth, iph, tcph, payload[k:], seq + k)
            head = tcp_frame(eth, iph, tcph, payload[:k + 5], seq, clear_fin=True)
            out += [p._replace(data=tail, orig_len=len(tail)), p._replace(data=head, orig_len=len(head))]
            split += 1
            if rng.random() < 0.35:
                later.append([2, p])
        else:
            out.append(p)
        for entry in later:
            entry[0] -= 1
        out += [p for n, p in later if n == 0]
        later = [e for e in later if e[0] > 0]
    return out + [p for _, p in later], split


def made_up_frame(sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, b"\x7f\0\0\x01", b"\x7f\0\0\x01")
    return b"\0" * 12 + b"\x08\x00" + ip + tcp


class ImportPcapTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="reprise-import-pcap-")
        cls.pcap = os.path.join(cls.dir, "traffic.pcap")  # Ethernet, as tcpdump writes on lo
        cls.cooked = {"LINUX_SLL": os.path.join(cls.dir, "sll.pcap"), "LINUX_SLL2": os.path.join(cls.dir, "sll2.pcap")}
        recorded = os.path.join(cls.dir, "proxy.jsonl")
        with demo_upstream("--heartbeat", "1s") as up:
            px = proxy(up.port, "--record", recorded)
            dumps = []
            try:
                dumps.append(tcpdump(px.port, cls.pcap))
                for link_type, path in cls.cooked.items():  # the same traffic seen on "any"
                    dumps.append(tcpdump(px.port, path, interface="any", link_type=link_type))
                run_chat_traffic(px.port)
            finally:
                for dump in dumps:
                    dump.finish()
                px.stop()
        cls.port = px.port
        cls.recorded = capture_records(recorded)[1]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def path(self, name):
        return os.path.join(self.dir, name)

    def run_import(self, pcap, out, *extra, port=None):
        return subprocess.run([BIN, "import", "pcap", pcap, "-o", out, "--port", str(port or self.port), *extra],
                              capture_output=True, text=True, timeout=60)

    def import_ok(self, pcap, name, *extra):
        out = self.path(name)
        run = self.run_import(pcap, out, *extra)
        self.assertEqual(run.returncode, 0, run.stderr)
        return capture_records(out), run.stderr

    def assert_one_line_error(self, run, *parts):
        self.assertEqual(run.returncode, 1, run.stderr)
        lines = run.stderr.strip().split("\n")
        self.assertEqual(len(lines), 1, run.stderr)
        for part in parts:
            self.assertIn(part, lines[0])

    def test_the_import_has_the_proxy_recordings_exchanges(self):
        (header, records), stderr = self.import_ok(self.pcap, "imported.jsonl")
        self.assertEqual(header["source"], "pcap")
        self.assertEqual(header["redaction"], "default")
        self.assertEqual(len(records), len(self.recorded))
        self.assertGreaterEqual(len(records), 20)
        assert_same_exchanges(self, self.recorded, records)
        conns = by_connection(records)
        self.assertEqual(len({r["session"] for r in conns["chat"]}), 1)
        self.assertTrue(conns["chat"][0]["session"].startswith("tcp:127.0.0.1:"))
        self.assertEqual([r["req"]["method"] for r in conns["pipelined"]], ["GET", "GET"])
        sse = conns["sse"][0]
        self.assertEqual(sse["stream"]["kind"], "sse")
        # connected, bob's two messages, the friend request, the chunked message; the heartbeats (one
        # a second) are no events, as for a browser, and the proxy's recording says the same
        self.assertEqual(len(sse["stream"]["events"]), 5)
        times = [e["t_us"] for e in sse["stream"]["events"]]
        self.assertEqual(times, sorted(times))
        self.assertGreater(sse["res"]["dur_us"], 2_000_000)
        ids = [r["id"] for r in records]
        self.assertEqual(ids, list(range(1, len(records) + 1)))
        starts = [r["t_us"] for r in records]
        self.assertGreaterEqual(min(starts), 0)
        with open(self.path("imported.jsonl")) as f:
            text = f.read()
        self.assertNotIn(PASSWORD, text)
        self.assertNotIn("tok_", text)
        self.assertEqual(len(stderr.strip().split("\n")), 1, stderr)
        self.assertIn(f"imported {len(records)} exchanges", stderr)
        self.assertIn("0 skipped", stderr)

    def test_linux_cooked_and_pcapng_captures_import_the_same(self):
        files = dict(self.cooked)
        if shutil.which("tshark"):
            files["pcapng"] = self.path("traffic.pcapng")
            subprocess.run(["tshark", "-r", self.pcap, "-F", "pcapng", "-w", files["pcapng"]], check=True,
                           capture_output=True, timeout=60)
        for kind, path in files.items():
            with self.subTest(kind):
                (_, records), stderr = self.import_ok(path, kind + ".jsonl")
                self.assertEqual(len(records), len(self.recorded), stderr)
                assert_same_exchanges(self, self.recorded, records)

    def test_redact_none_keeps_the_secrets(self):
        (header, records), stderr = self.import_ok(self.pcap, "plain.jsonl", "--redact", "none")
        self.assertEqual(header["redaction"], "none")
        self.assertEqual(len(records), len(self.recorded))
        with open(self.path("plain.jsonl")) as f:
            text = f.read()
        self.assertIn(PASSWORD, text)
        self.assertIn("tok_", text)
        self.assertIn("without redaction", stderr)

    def test_a_body_limit_truncates_like_the_recorder(self):
        (_, records), _ = self.import_ok(self.pcap, "limited.jsonl", "--body-limit", "10")
        listing = [r for r in records if r["req"]["target"].endswith("/messages?limit=10")][0]
        self.assertEqual(len(listing["res"]["body"]), 10)
        self.assertTrue(listing["res"]["body_truncated"])
        self.assertGreater(listing["res"]["body_size"], 10)

    def test_reordered_overlapping_and_retransmitted_segments_import_the_same(self):
        header, packets, _ = read_pcap(self.pcap)
        mangled, split = mangle(packets)
        self.assertGreater(split, 20)
        self.assertGreater(len(mangled), len(packets) + split)
        path = self.path("mangled.pcap")
        write_pcap(path, header, mangled)
        (_, original), _ = self.import_ok(self.pcap, "original.jsonl", "--redact", "none")
        (_, records), stderr = self.import_ok(path, "mangled.jsonl", "--redact", "none")
        self.assertEqual(len(records), len(original), stderr)
        assert_same_exchanges(self, original, records)
        for a, b in zip(sorted(original, key=lambda r: r["t_us"]), sorted(records, key=lambda r: r["t_us"])):
            self.assertEqual(a.get("stream"), b.get("stream"))

    def test_connections_open_before_the_capture_are_skipped_and_counted(self):
        header, packets, _ = read_pcap(self.pcap)
        path = self.path("late.pcap")
        write_pcap(path, header, packets[3:])  # the first connection's handshake is not there
        (_, records), stderr = self.import_ok(path, "late.jsonl")
        self.assertIn("1 skipped (already open when the capture began)", stderr)
        recorded = by_connection(self.recorded)
        self.assertEqual(len(records), len(self.recorded) - len(recorded["users"]))
        self.assertNotIn("users", by_connection(records))

    def test_a_pcap_cut_inside_a_packet_is_an_error_naming_the_packet(self):
        _, packets, offsets = read_pcap(self.pcap)
        n = len(packets) // 2
        with open(self.pcap, "rb") as f:
            data = f.read()
        path = self.path("cut.pcap")
        with open(path, "wb") as f:
            f.write(data[:offsets[n - 1] + 16 + len(packets[n - 1].data) // 2])
        out = self.path("cut.jsonl")
        self.assert_one_line_error(self.run_import(path, out), f"{path}:packet {n}:", "truncated")
        self.assertFalse(os.path.exists(out))
        self.assertFalse(os.path.exists(out + ".part"))

    def test_a_file_that_is_not_a_pcap_is_an_error(self):
        path = self.path("garbage.pcap")
        with open(path, "wb") as f:
            f.write(random.Random(1).randbytes(5000))
        self.assert_one_line_error(self.run_import(path, self.path("garbage.jsonl")), path,
                                   "not a readable pcap or pcapng file")
        self.assert_one_line_error(self.run_import(self.path("missing.pcap"), self.path("missing.jsonl")),
                                   "missing.pcap")

    def test_a_pcap_without_http_on_the_port_says_so(self):
        port = self.port
        frames = [made_up_frame(50000, port, 100, 0, 0x02), made_up_frame(port, 50000, 900, 101, 0x12),
                  made_up_frame(50000, port, 101, 901, 0x10),
                  made_up_frame(50000, port, 101, 901, 0x18, b"\x16\x03\x01\x00\x2a" + bytes(42)),
                  made_up_frame(port, 50000, 901, 148, 0x18, b"\x16\x03\x03\x00\x10" + bytes(16))]
        path = self.path("tls.pcap")
        header, _, _ = read_pcap(self.pcap)
        write_pcap(path, header, [PcapPacket(1_700_000_000, i, len(f), f) for i, f in enumerate(frames)])
        self.assert_one_line_error(self.run_import(path, self.path("tls.jsonl")), path,
                                   f"no HTTP exchange on TCP port {port}", "1 not HTTP",
                                   "1 TLS connection(s): encrypted", "reprise proxy --tls-cert")
        self.assert_one_line_error(self.run_import(self.pcap, self.path("other.jsonl"), port=9),
                                   self.pcap, "no HTTP exchange on TCP port 9")


if __name__ == "__main__":
    unittest.main()
