"""`reprise replay --report` and `reprise merge --report`: a 6-second replay at a constant arrival
rate over two routes (one of them timing out a third of its requests, one named with markup
characters) writes an HTML report, which headless Chromium (installed by docker/install-deps.sh;
missing, the tests fail) renders: its DOM holds the header, the tables and an SVG chart per
figure with lines of several points, its screenshot shows the lines' colours, and nothing in it
reaches the network. A merge of the run's summary writes the same charts."""
import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import unittest
import zlib

from harness import BIN, CountingUpstream, recorded_exchange, replay, write_capture, write_profile

CHROMIUM = shutil.which("chromium")
ODD_NAME = 'Slow <b>&"q"'  # a route tag name full of markup
CHART_TITLES = ["Requests and iterations", "Errors", "Statuses", "VUs and open SSE streams", "http_req_duration, all requests",
                "http_req_duration{name:Fast}", "http_req_duration{name:Slow &lt;b&gt;&amp;\"q\"}"]
LINE_COLOURS = {"http_reqs/s": (0x25, 0x63, 0xeb), "iterations/s": (0x16, 0xa3, 0x4a),
                "http_req_failed/s": (0xdc, 0x26, 0x26), "vus": (0x93, 0x33, 0xea)}


def run_chromium(*args, timeout=90):
    """Headless Chromium on its own profile directory; on a timeout its whole process group
    (it starts helpers) is killed. Returns (exit code, stdout)."""
    profile = tempfile.mkdtemp(prefix="reprise-chromium-")
    proc = subprocess.Popen([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                             f"--user-data-dir={profile}", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def png_pixels(path):
    """(width, height, rows of RGB(A) bytes) of an 8-bit, non-interlaced PNG, with zlib alone."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and colour in (2, 6), (depth, colour, interlace)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def charts_of(dom):
    """{title: [number of points of each polyline]} for every <svg> chart in the DOM."""
    charts = {}
    for svg in re.findall(r"<svg\b.*?</svg>", dom, re.S):
        title = re.search(r"<title>(.*?)</title>", svg, re.S).group(1)
        charts[title] = [len(points.split()) for points in re.findall(r'<polyline[^>]*\bpoints="([^"]*)"', svg)]
        if "no data" in svg:
            charts[title] = "no data"
    return charts


class ReplayReportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="reprise-report-test-")
        cls.up = CountingUpstream()
        capture = write_capture(os.path.join(cls.dir, "c.jsonl"), [
            recorded_exchange("c0-1", 0, "GET", "/fast/1"),
            recorded_exchange("c0-2", 1000, "GET", "/slow?ms=30"),
            recorded_exchange("c0-3", 2000, "GET", "/slow?ms=400")])  # cut by --request-timeout
        profile = write_profile(os.path.join(cls.dir, "p.json"), {
            "executor": "constant-arrival-rate", "rate": 60, "timeUnit": "1s", "duration": "6s",
            "preAllocatedVUs": 30, "maxVUs": 60, "routes": {"Fast": "GET /fast/*", ODD_NAME: "GET /slow"},
            "thresholds": {"http_req_duration{name:Fast}": ["p(95)<500"], "http_req_failed": ["rate<0.01"]}})
        cls.report = os.path.join(cls.dir, "report.html")
        cls.summary = os.path.join(cls.dir, "summary.json")
        cls.replayed = replay(capture, cls.up.url, profile, "--report", cls.report, "--request-timeout", "200ms",
                         summary=cls.summary, timeout=60)

    @classmethod
    def tearDownClass(cls):
        cls.up.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def html(self, path=None):
        self.assertEqual(self.replayed.returncode, 99, f"http_req_failed's threshold fails: {self.replayed}")
        with open(path or self.report, encoding="utf-8") as f:
            return f.read()

    def dom(self, path):
        self.assertIsNotNone(CHROMIUM, "chromium is not installed (docker/install-deps.sh installs it)")
        code, dom = run_chromium("--dump-dom", f"file://{path}")
        self.assertEqual(code, 0)
        self.assertIn("</svg>", dom)
        return dom

    def assertChartsDrawn(self, dom):
        charts = charts_of(dom)
        self.assertEqual(sorted(charts), sorted(CHART_TITLES), charts)
        for title, lines in charts.items():
            self.assertNotEqual(lines, "no data", title)
            self.assertGreaterEqual(len(lines), 2, f"{title}: {lines}")
            self.assertGreaterEqual(max(lines), 5, f"{title}: a line through the 6 s of the run: {lines}")

    def test_report_holds_the_header_thresholds_and_summary(self):
        html = self.html()
        s = self.replayed.summary
        self.assertGreaterEqual(len(s.get("timeline", [])), 5, "the summary holds the run's timeline")
        self.assertIn("constant-arrival-rate", html)
        self.assertIn(f"<td>{self.up.url}</td>", html)
        self.assertIn("✗ thresholds failed", html)
        self.assertIn("<td>http_req_duration{name:Fast}</td><td>p(95)&lt;500</td>", html)
        self.assertIn(f">http_reqs</td><td class=\"n\">{s['counters']['http_reqs']}</td>", html)
        for head in ("avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"):
            self.assertIn(f"<th>{head}</th>", html)
        self.assertIn("{name:Slow &lt;b&gt;&amp;&quot;q&quot;}", html)
        self.assertNotIn("<b>", html)

    def test_report_reaches_for_nothing_outside_itself(self):
        html = self.html()
        self.assertEqual(html.count("http://"), 1, "only the target, as text")
        for remote in ("https://", "<link", "src=", "href=", "url(", "@import", "<script", "<img", "<iframe"):
            self.assertNotIn(remote, html)

    def test_chromium_renders_a_chart_per_figure_with_lines(self):
        dom = self.dom(self.report)
        self.assertChartsDrawn(dom)
        self.assertNotIn("<b>", dom, "the odd tag name stays text")
        self.assertIn("{name:Slow &lt;b&gt;&amp;\"q\"}", dom)

    def test_chromium_screenshot_shows_the_lines(self):
        self.assertIsNotNone(CHROMIUM, "chromium is not installed (docker/install-deps.sh installs it)")
        png = os.path.join(self.dir, "report.png")
        code, _ = run_chromium(f"--screenshot={png}", "--window-size=1400,3400", f"file://{self.report}")
        self.assertEqual(code, 0)
        self.assertGreater(os.path.getsize(png), 20_000)
        width, height, bpp, rows = png_pixels(png)
        self.assertEqual((width, height), (1400, 3400))
        seen = dict.fromkeys(LINE_COLOURS, 0)
        for row in rows:
            for x in range(0, width * bpp, bpp):
                r, g, b = row[x], row[x + 1], row[x + 2]
                for name, (cr, cg, cb) in LINE_COLOURS.items():
                    if abs(r - cr) + abs(g - cg) + abs(b - cb) < 30:
                        seen[name] += 1
        for name, pixels in seen.items():  # a legend swatch alone is 66 pixels
            self.assertGreater(pixels, 300, f"the {name} line is drawn: {seen}")

    def test_merge_writes_the_same_charts(self):
        self.html()
        merged_html = os.path.join(self.dir, "merged.html")
        merged = subprocess.run([BIN, "merge", self.summary, "-o", os.path.join(self.dir, "merged.json"),
                                 "--report", merged_html], capture_output=True, text=True, timeout=30)
        self.assertEqual(merged.returncode, 99, merged.stderr)
        html = self.html(merged_html)
        self.assertIn("1 of 1 shards merged", html)
        self.assertChartsDrawn(self.dom(merged_html))


if __name__ == "__main__":
    unittest.main()
