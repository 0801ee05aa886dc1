"""`--summary-export FILE`: k6's --summary-export JSON, read by a real tool made for k6's output.

The demo's traffic is recorded once for the module (`reprise demo --record`, about 7 s) and
replayed against the built-in chat service (per-vu-iterations, 3 VUs of one iteration, bounded
by maxDuration) with thresholds of which some pass and some fail. The file's shape is checked
against k6's (the keys of each kind of metric, a sub-metric entry per tagged threshold, the root
group, the inverted threshold booleans), its figures against reprise's own summary, and then
k6-html-reporter 0.0.6 (pinned in tests/k6-export, installed by docker/install-deps.sh) renders
it: it must exit 0 without an error, show the p(95) of http_req_duration that reprise judged and
mark each threshold passed or failed as reprise did. Two shards merged with `reprise merge
--summary-export` write the merged figures the same way. Nothing is timed.

Run: cd tests/integration && /usr/bin/python3 -m unittest test_summary_export -v"""
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import BIN, SOURCE, demo_upstream, record_demo, replay, write_profile

NODE = shutil.which("node")
REPORTER = os.path.join(SOURCE, "tests/k6-export")

THRESHOLDS = {
    "http_req_duration": ["p(95)<60000"],                                      # passes
    "http_req_duration{name:SendMessage}": ["p(95)<60000", "max<0.001"],      # passes, fails
    "http_req_failed": ["rate<0.5"],                                           # passes
    "http_reqs": ["count<1"],                                                  # fails
}
PROFILE = {"executor": "per-vu-iterations", "vus": 3, "iterations": 1, "maxDuration": "60s",
           "routes": {"SendMessage": "POST /api/chat/rooms/*/messages"}, "thresholds": THRESHOLDS}

# k6's fields of each kind of metric in the legacy export (trends: the default summaryTrendStats).
TREND = {"avg", "min", "med", "max", "p(90)", "p(95)"}
KINDS = {"trend": TREND, "counter": {"count", "rate"}, "rate": {"passes", "fails", "value"},
         "gauge": {"value", "min", "max"}}
EXPECTED_KIND = {"http_req_duration": "trend", "http_req_waiting": "trend", "http_reqs": "counter",
                 "iterations": "counter", "data_sent": "counter", "data_received": "counter",
                 "http_req_failed": "rate", "checks": "rate", "vus": "gauge", "vus_max": "gauge",
                 "http_req_duration{name:SendMessage}": "trend"}


def setUpModule():
    global WORK, CAPTURE
    WORK = tempfile.mkdtemp(prefix="reprise-k6export-")
    CAPTURE = record_demo(WORK)


def tearDownModule():
    shutil.rmtree(WORK, ignore_errors=True)


def reporter_missing():
    if not NODE:
        return "node is not installed (docker/install-deps.sh installs it)"
    if not os.path.isdir(os.path.join(REPORTER, "node_modules/k6-html-reporter")):
        return "tests/k6-export/node_modules is missing (docker/install-deps.sh runs npm ci there)"
    return None


def verdicts(summary):
    """{(threshold, condition): verdict} of reprise's own summary."""
    return {(v["threshold"], v["condition"]): v for v in summary["verdicts"]}


def kind(entry):
    fields = set(entry) - {"thresholds"}
    for name, keys in KINDS.items():
        if fields == keys:
            return name
    return f"unknown {sorted(fields)}"


def rendered(html_text):
    """What k6-html-reporter's page shows: {metric: [cells]} of its time table and
    {(metric, condition): failed} of its thresholds list."""
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html_text, re.S):
        cells = [html.unescape(c.strip()) for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
        if cells:
            rows[cells[0]] = cells[1:]
    marks = {}
    for name, items in re.findall(r"<h6>(.*?)</h6>\s*<ul class=\"list-group\">(.*?)</ul>", html_text, re.S):
        for block, condition in re.findall(r"list-group-item (fail|success)-block\">\s*(.*?)\s*</li>", items, re.S):
            marks[(html.unescape(name), html.unescape(condition))] = block == "fail"
    return rows, marks


class SummaryExportTest(unittest.TestCase):
    def path(self, name):
        return os.path.join(WORK, f"{self.id().rsplit('.', 1)[-1]}-{name}")

    def run_replay(self, *flags, summary):
        up = demo_upstream()
        self.addCleanup(up.__exit__)
        profile = write_profile(self.path("profile.json"), PROFILE)
        run = replay(CAPTURE, f"http://127.0.0.1:{up.port}", profile, *flags, summary=summary, timeout=70)
        self.assertEqual(run.returncode, 99, f"{run.stdout}\n{run.stderr}")  # two thresholds fail
        self.assertIsNotNone(run.summary, run.stderr)
        return run.summary

    def check_against_summary(self, export, summary):
        """The export's shape is k6's and its figures and verdicts are the summary's."""
        self.assertEqual(set(export), {"root_group", "metrics"})
        metrics = export["metrics"]
        for name, expected in EXPECTED_KIND.items():
            self.assertIn(name, metrics)
            self.assertEqual(kind(metrics[name]), expected, name)
        for name, entry in metrics.items():
            self.assertNotIn("unknown", kind(entry), name)
        self.assertEqual(metrics["http_reqs"]["count"], summary["counters"]["http_reqs"])
        self.assertEqual(metrics["http_req_failed"]["passes"], summary["counters"]["http_req_failed"])
        self.assertEqual(metrics["iterations"]["count"], summary["counters"]["iterations"])
        judged = verdicts(summary)
        self.assertAlmostEqual(metrics["http_req_duration"]["p(95)"],
                               judged[("http_req_duration", "p(95)<60000")]["actual"], places=6)
        # k6's legacy export: a threshold's boolean is true when it failed
        shown = {(name, cond): failed for name, entry in metrics.items()
                 for cond, failed in entry.get("thresholds", {}).items()}
        self.assertEqual(shown, {key: not v["ok"] for key, v in judged.items()})
        group = export["root_group"]
        self.assertEqual((group["name"], group["path"], group["id"]), ("", "", "d41d8cd98f00b204e9800998ecf8427e"))
        self.assertEqual(sum(c["passes"] + c["fails"] for c in group["checks"].values()),
                         summary["counters"]["http_reqs"])
        for check in group["checks"].values():
            self.assertEqual(check["path"], "::" + check["name"])

    def check_reporter(self, export_path, summary):
        """k6-html-reporter renders the file without error, with reprise's p(95) and verdicts."""
        missing = reporter_missing()
        if missing:
            self.skipTest(missing)
        out = self.path("html")
        os.makedirs(out, exist_ok=True)
        run = subprocess.run([NODE, os.path.join(REPORTER, "report.js"), export_path, out], capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stderr, "")
        with open(os.path.join(out, "report.html")) as f:
            page = f.read()
        rows, marks = rendered(page)
        judged = verdicts(summary)
        p95 = float(rows["http_req_duration"][5].removesuffix(" ms"))
        self.assertLessEqual(abs(p95 - judged[("http_req_duration", "p(95)<60000")]["actual"]), 0.0051, rows)
        self.assertEqual(marks, {key: not v["ok"] for key, v in judged.items()})
        failed = sum(1 for v in judged.values() if not v["ok"])
        self.assertIn(f"{failed} thresholds were not met", page)

    def test_replay_writes_k6s_export_and_a_k6_reporter_reads_it(self):
        export_path = self.path("k6.json")
        summary = self.run_replay("--summary-export", export_path, summary=self.path("summary.json"))
        with open(export_path) as f:
            export = json.load(f)
        self.check_against_summary(export, summary)
        self.check_reporter(export_path, summary)

    def test_merge_of_two_shards_writes_the_merged_export(self):
        shards = []
        for i in (1, 2):
            path = self.path(f"shard{i}.json")
            self.run_replay("--shard", f"{i}/2", summary=path)
            shards.append(path)
        merged, export_path = self.path("merged.json"), self.path("merged-k6.json")
        run = subprocess.run([BIN, "merge", *shards, "-o", merged, "--summary-export", export_path],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 99, run.stderr)
        with open(merged) as f:
            summary = json.load(f)
        with open(export_path) as f:
            export = json.load(f)
        counts = []
        for path in shards:
            with open(path) as f:
                counts.append(json.load(f)["counters"]["http_reqs"])
        self.assertEqual(export["metrics"]["http_reqs"]["count"], sum(counts))
        self.check_against_summary(export, summary)
        self.check_reporter(export_path, summary)

    def test_every_run_command_has_the_flag(self):
        for command in ("replay", "drill", "merge"):
            run = subprocess.run([BIN, command, "--help"], capture_output=True, text=True, timeout=10)
            self.assertIn("--summary-export", run.stdout, command)


if __name__ == "__main__":
    unittest.main()
