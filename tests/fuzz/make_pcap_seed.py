"""Writes the pcap importer's seed (corpus/pcap/keep-alive.pcap): one made-up loopback connection
to port 8080 with two exchanges on it, the second answer chunked and split over two segments,
framed by the integration tests' own helpers (made_up_frame, write_pcap). Run from anywhere with
/usr/bin/python3; the file is small and deterministic, so it is kept in git."""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from harness import PcapPacket, write_pcap  # noqa: E402
from test_import_pcap import made_up_frame  # noqa: E402

CLIENT, SERVER = 50000, 8080
SYN, ACK, PSH_ACK, FIN_ACK, SYN_ACK = 0x02, 0x10, 0x18, 0x11, 0x12
REQUESTS = [b"GET /api/users/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0k3n\r\n\r\n",
            b'POST /api/users/login HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n{"password":"p4ss"}\n']
ANSWERS = [[b'HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{"id":1}\n'],
           [b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
            b'10\r\n{"access_token":\r\n5\r\n"x"}\n\r\n0\r\n\r\n']]


def frames():
    c, s = 100, 900  # the client's and the server's next sequence numbers
    out = [made_up_frame(CLIENT, SERVER, c, 0, SYN), made_up_frame(SERVER, CLIENT, s, c + 1, SYN_ACK)]
    c, s = c + 1, s + 1
    out.append(made_up_frame(CLIENT, SERVER, c, s, ACK))
    for request, answer in zip(REQUESTS, ANSWERS):
        out.append(made_up_frame(CLIENT, SERVER, c, s, PSH_ACK, request))
        c += len(request)
        for piece in answer:
            out.append(made_up_frame(SERVER, CLIENT, s, c, PSH_ACK, piece))
            s += len(piece)
    out += [made_up_frame(CLIENT, SERVER, c, s, FIN_ACK), made_up_frame(SERVER, CLIENT, s, c + 1, FIN_ACK)]
    return out


# Classic little-endian pcap, version 2.4, snap length 65535, Ethernet.
header = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
packets = [PcapPacket(1_700_000_000, 1000 * i, len(f), f) for i, f in enumerate(frames())]
write_pcap(os.path.join(HERE, "corpus", "pcap", "keep-alive.pcap"), header, packets)
