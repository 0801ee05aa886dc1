#!/usr/bin/python3
"""Turns the raw outputs run.sh leaves in its work directory into the summary and the JSON.

  report.py wrk FILE              -> prints `<req/s> <p99 ms>` of one wrk --latency output
  report.py summary --work DIR --out FILE --duration D --rounds R --streams N --connections C
                    [--latency-streams S --latency-events E --latency-period MS]

Work directory layout (written by run.sh):
  wrk-<target>-<round>.txt   wrk output; targets: direct, reprise, haproxy
  streams-<proxy>.env        key=value lines: rss_before_kib, rss_after_kib, ready, failed, ...
  latency-<target>-<round>.txt  one-way SSE event delays in ns, one per line (sse_latency.py)
  latency-<target>-<round>.log  sse_latency.py output: `DONE ...` or `FAILED ...`
Exit status of `summary` is 1 when a figure is missing or a run reported errors.
"""
import argparse
import json
import math
import os
import re
import statistics
import sys

TARGETS = ("direct", "reprise", "recording", "haproxy")  # recording: reprise --record, run with reprise
PROXIES = ("reprise", "haproxy")
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


def us(ns):
    return None if ns is None else ns / 1000.0


def diff(a, b):
    return None if a is None or b is None else a - b


def latency(args, problems):
    """Pools each target's delays over the rounds: median and p99 in us, and proxy - direct."""
    lat = {"streams": args.latency_streams, "events_per_round": args.latency_events,
           "period_ms": args.latency_period, "rounds": args.rounds,
           "events_per_stream": args.latency_events * args.rounds,
           "clock": "time.time_ns() on both ends (same machine)",
           "haproxy_http_no_delay": args.haproxy_no_delay}
    expected = args.latency_streams * args.latency_events
    for t in TARGETS:
        if "latency" not in args.parts or t not in args.targets:
            lat[t] = {"p50_us": None, "p99_us": None, "runs": [], "skipped": True}
            continue
        pooled, runs = [], []
        for r in range(1, args.rounds + 1):
            base = os.path.join(args.work, f"latency-{t}-{r}")
            status = ""
            if os.path.exists(base + ".log"):
                with open(base + ".log") as f:
                    lines = [ln for ln in f.read().splitlines() if ln.startswith(("DONE", "FAILED"))]
                status = lines[0] if lines else ""
            if not status:
                problems.append(f"latency {t} round {r}: not measured")
                continue
            xs = []
            if os.path.exists(base + ".txt"):
                with open(base + ".txt") as f:
                    xs = sorted(int(ln) for ln in f if ln.strip())
            if status.startswith("FAILED"):
                problems.append(f"latency {t} round {r}: {status}")
            elif len(xs) != expected:
                problems.append(f"latency {t} round {r}: {len(xs)} events recorded, {expected} expected")
            runs.append({"events": len(xs), "p50_us": us(statistics.median(xs)) if xs else None,
                         "p99_us": us(percentile(xs, 99)), "max_us": us(xs[-1]) if xs else None})
            pooled.extend(xs)
        pooled.sort()
        lat[t] = {"events": len(pooled),
                  "p50_us": us(statistics.median(pooled)) if pooled else None,
                  "p99_us": us(percentile(pooled, 99)),
                  "p999_us": us(percentile(pooled, 99.9)),
                  "max_us": us(pooled[-1]) if pooled else None,
                  "runs": runs}
    for p in PROXIES:
        lat[p]["added_p50_us"] = diff(lat[p]["p50_us"], lat["direct"]["p50_us"])
        lat[p]["added_p99_us"] = diff(lat[p]["p99_us"], lat["direct"]["p99_us"])
    return lat


def summary(args):
    problems = []
    result = {"throughput": {"tool": f"wrk -t1 -c{args.connections} -d{args.duration} --latency",
                             "rounds": args.rounds, "path": "/json"},
              "streams": {"streams": args.streams}}

    for t in TARGETS if "throughput" in args.parts else ():
        if t not in args.targets and not (t == "recording" and "reprise" in args.targets):
            continue
        runs = []
        for r in range(1, args.rounds + 1):
            path = os.path.join(args.work, f"wrk-{t}-{r}.txt")
            if not os.path.exists(path):
                problems.append(f"throughput {t} round {r}: no wrk output")
                continue
            with open(path) as f:
                w = parse_wrk(f.read())
            if "rps" not in w or "p99_ms" not in w:
                problems.append(f"throughput {t} round {r}: unparsable wrk output ({path})")
                continue
            if w["errors"]:
                problems.append(f"throughput {t} round {r}: {w['errors']} socket errors / non-2xx responses")
            runs.append(w)
        result["throughput"][t] = {
            "rps_median": statistics.median([w["rps"] for w in runs]) if runs else None,
            "p99_ms_median": statistics.median([w["p99_ms"] for w in runs]) if runs else None,
            "runs": runs,
        }
    tp = result["throughput"]
    for t in TARGETS:
        tp.setdefault(t, {"rps_median": None, "p99_ms_median": None, "runs": [], "skipped": True})
    tp["reprise_vs_haproxy"] = {"rps": ratio(tp["reprise"]["rps_median"], tp["haproxy"]["rps_median"]),
                                "p99": ratio(tp["reprise"]["p99_ms_median"], tp["haproxy"]["p99_ms_median"])}

    tp["recording_vs_reprise"] = ratio(tp["recording"]["rps_median"], tp["reprise"]["rps_median"])
    rec_log = os.path.join(args.work, "tp-recording", "reprise.log")
    if not tp["recording"].get("skipped") and os.path.exists(rec_log):
        with open(rec_log) as f:
            m = re.search(r"(\d+) exchanges written, (\d+) dropped", f.read())
        if m:
            tp["recording"]["written"], tp["recording"]["dropped"] = int(m.group(1)), int(m.group(2))
            if tp["recording"]["dropped"]:
                problems.append(f"recording: {tp['recording']['dropped']} records dropped")
        else:
            problems.append("recording: the proxy did not report what it wrote")

    st = result["streams"]
    for p in PROXIES:
        if "streams" not in args.parts or p not in args.targets:
            st[p] = {"kib_per_stream": None, "skipped": True}
            continue
        path = os.path.join(args.work, f"streams-{p}.env")
        entry = {"kib_per_stream": None}
        if not os.path.exists(path):
            problems.append(f"streams {p}: not measured")
        else:
            e = read_env(path)
            for k in ("rss_before_kib", "rss_after_kib", "ready", "failed", "lost", "proxy_fds", "heartbeats"):
                if e.get(k, "").lstrip("-").isdigit():
                    entry[k] = int(e[k])
            if e.get("error"):
                entry["error"] = e["error"]
                problems.append(f"streams {p}: {e['error']}")
            if entry.get("failed"):
                problems.append(f"streams {p}: {entry['failed']} of {args.streams} streams failed "
                                f"({e.get('first_error', '?')})")
                entry["first_error"] = e.get("first_error")
            if entry.get("lost"):
                problems.append(f"streams {p}: {entry['lost']} streams closed by the proxy while held")
            if entry.get("ready") and "rss_before_kib" in entry and "rss_after_kib" in entry:
                entry["kib_per_stream"] = (entry["rss_after_kib"] - entry["rss_before_kib"]) / entry["ready"]
        st[p] = entry
    st["reprise_vs_haproxy"] = ratio(st["reprise"]["kib_per_stream"], st["haproxy"]["kib_per_stream"])
    lat = result["latency"] = latency(args, problems)
    result["problems"] = problems

    d, r, h = tp["direct"], tp["reprise"], tp["haproxy"]
    rv = tp["reprise_vs_haproxy"]
    lines = [
        f"throughput (wrk -t1 -c{args.connections} -d{args.duration}, median of {args.rounds}): "
        f"direct {fmt(d['rps_median'], '.0f')} req/s p99 {fmt(d['p99_ms_median'], '.2f')} ms | "
        f"reprise {fmt(r['rps_median'], '.0f')} req/s p99 {fmt(r['p99_ms_median'], '.2f')} ms | "
        f"haproxy {fmt(h['rps_median'], '.0f')} req/s p99 {fmt(h['p99_ms_median'], '.2f')} ms | "
        f"reprise/haproxy req/s {fmt(rv['rps'], '.2f')} p99 {fmt(rv['p99'], '.2f')}",
        f"recording (reprise --record, same rounds): {fmt(tp['recording']['rps_median'], '.0f')} req/s "
        f"p99 {fmt(tp['recording']['p99_ms_median'], '.2f')} ms | recording on/off req/s "
        f"{fmt(tp['recording_vs_reprise'], '.2f')} | written {tp['recording'].get('written', 'n/a')}, "
        f"dropped {tp['recording'].get('dropped', 'n/a')}",
        f"streams ({args.streams} SSE): reprise {fmt(st['reprise']['kib_per_stream'], '.1f')} KiB/stream | "
        f"haproxy {fmt(st['haproxy']['kib_per_stream'], '.1f')} KiB/stream | "
        f"ratio {fmt(st['reprise_vs_haproxy'], '.2f')}",
        f"sse latency ({args.latency_streams} streams x {lat['events_per_stream']} events"
        f"{'' if args.rounds == 1 else f' over {args.rounds} rounds'}, {fmt(args.latency_period, 'g')} ms apart): "
        f"direct p50 {fmt(lat['direct']['p50_us'], '.0f')} us p99 {fmt(lat['direct']['p99_us'], '.0f')} us | "
        f"reprise {fmt(lat['reprise']['added_p50_us'], '+.0f')} us (p99 {fmt(lat['reprise']['added_p99_us'], '+.0f')}) | "
        f"haproxy{' (http-no-delay)' if args.haproxy_no_delay else ''} "
        f"{fmt(lat['haproxy']['added_p50_us'], '+.0f')} us (p99 {fmt(lat['haproxy']['added_p99_us'], '+.0f')})",
    ]
    print("==== bench summary ====")
    for line in lines:
        print("  " + line)
    for p in problems:
        print("  PROBLEM: " + p)
    result["summary"] = lines
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(f"  written: {args.out}")
    return 1 if problems else 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "wrk":
        with open(sys.argv[2]) as f:
            w = parse_wrk(f.read())
        print(f"{w.get('rps', 'n/a')} {w.get('p99_ms', 'n/a')} errors={w['errors']}")
        return 0
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["summary"])
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--duration", required=True)
    ap.add_argument("--rounds", type=int, required=True)
    ap.add_argument("--streams", type=int, required=True)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--parts", default="throughput streams latency", help="the parts run.sh ran")
    ap.add_argument("--targets", default="direct reprise haproxy", help="the targets run.sh measured")
    ap.add_argument("--latency-streams", type=int, default=20)
    ap.add_argument("--latency-events", type=int, default=500, help="recorded events per stream and round")
    ap.add_argument("--latency-period", type=float, default=20.0, help="ms between two events of a stream")
    ap.add_argument("--haproxy-no-delay", action="store_true",
                    help="the latency part's haproxy ran with option http-no-delay")
    args = ap.parse_args()
    args.parts, args.targets = args.parts.split(), args.targets.split()
    return summary(args)


if __name__ == "__main__":
    sys.exit(main())
