"""Parsing and arithmetic shared by report.py and goals.py (imported, not run): wrk's output, the
key=value files run.sh writes, JSON files, ratios, medians and percentiles. No figure of a part is
computed here, and nothing is printed."""
import json
import math
import re
import statistics

UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def to_ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text.strip())
    if not m:
        raise ValueError(f"latency {text!r}")
    return float(m.group(1)) * UNIT_MS[m.group(2)]


def parse_wrk(text):
    """{'rps', 'p99_ms', 'requests', 'errors' (socket errors + non-2xx/3xx)} of one wrk run."""
    out = {}
    m = re.search(r"^Requests/sec:\s*([0-9.]+)", text, re.M)
    if m:
        out["rps"] = float(m.group(1))
    m = re.search(r"Latency Distribution.*?^\s*99%\s+(\S+)", text, re.M | re.S)
    if m:
        out["p99_ms"] = to_ms(m.group(1))
    m = re.search(r"^\s*(\d+) requests in", text, re.M)
    if m:
        out["requests"] = int(m.group(1))
    errors = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        errors += sum(int(g) for g in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        errors += int(m.group(1))
    out["errors"] = errors
    return out


def read_env(path):
    d = {}
    with open(path) as f:
        for line in f:
            k, sep, v = line.rstrip("\n").partition("=")
            if sep:
                d[k] = v
    return d


def fmt(x, spec):
    return "n/a" if x is None else format(x, spec)


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def percentile(sorted_xs, q):
    """Nearest-rank percentile of a sorted list (None when empty)."""
    if not sorted_xs:
        return None
    return sorted_xs[max(0, math.ceil(q / 100.0 * len(sorted_xs)) - 1)]


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def median(xs):
    """Median of the values that are not None (None when there are none)."""
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def read_text(path):
    """The file's text, "" when it cannot be read."""
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def per_round(xs):
    """`median (min-max)` of per-round ratios: each round's two runs shared that round's load."""
    xs = sorted(x for x in xs or () if x is not None)
    return f"{statistics.median(xs):.2f} ({xs[0]:.2f}-{xs[-1]:.2f})" if xs else "n/a"


def contender(name, c, unit="req/s"):
    """`NAME <req/s> UNIT p99 <ms> ms cpu <us> us` of one contender's medians (ab_compare's)."""
    return (f"{name} {fmt(c['rps'], '.0f')} {unit} p99 {fmt(c['p99_ms'], '.2f')} ms "
            f"cpu {fmt(c['cpu_us_per_req'], '.1f')} us")
