#!/usr/bin/python3
"""Turns the raw outputs run.sh leaves in its work directory into the summary and the JSON.

  report.py wrk FILE              -> prints `<req/s> <p99 ms>` of one wrk --latency output
  report.py summary --work DIR --out FILE --duration D --rounds R --streams N --connections C
                    [--latency-streams S --latency-events E --latency-period MS] [--compare BEFORE]
  report.py ab DIR ROUNDS CLK_TCK GOAL_PCT COUNTED0 COUNTED1 A B [C...]
                                  -> run.sh's ab_compare: prints its one line (B against A), writes
                                     DIR/medians.json (each contender's medians)
  report.py rows MEDIANS LABEL PEER PEER_LABEL HOW
                                  -> the before/after table's rows of one part (JSON lines): the
                                     contenders `before` and `after` of MEDIANS, PEER for the ratios
  report.py table ROWS...         -> the before/after table (markdown) of the rows in the files;
                                     exit status 1 when a figure is worse by more than the tolerance

Work directory layout (written by run.sh):
  wrk-<target>-<round>.txt   wrk output; targets: direct, reprise, haproxy
  streams-<proxy>.env        key=value lines: rss_before_kib, rss_after_kib, ready, failed, ...
  latency-<target>-<round>.txt  one-way SSE event delays in ns, one per line (sse_latency.py)
  latency-<target>-<round>.log  sse_latency.py output: `DONE ...` or `FAILED ...`
  <part>/wrk-<name>-<round>.txt, <part>/cpu-<name>-<round>.txt  ab_compare's runs (wrk output;
                             the contender's CPU ticks before and after)
  <part>/medians.json        written by `ab` from those
  compare-rows.jsonl         the before/after rows (BENCH_BEFORE), written by `rows`
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
# Before/after (BENCH_BEFORE): a figure of `after` worse than `before`'s by more than this (%) fails.
TOLERANCE_PCT = float(os.environ.get("BENCH_COMPARE_TOLERANCE", "3"))


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


# ---- ab_compare (run.sh): contenders in front of one nginx, wrk against each in alternation ------

def ab(d, rounds, tck, goal, counted0, counted1, names):
    """Medians over the rounds of each contender's req/s, p99 and CPU µs per request (its CPU
    ticks around its wrk runs over the requests wrk sent); writes DIR/medians.json and returns the
    log line comparing the second contender with the first (goal: at most GOAL % throughput lost)."""
    def med(xs):
        xs = [x for x in xs if x is not None]
        return statistics.median(xs) if xs else None

    runs, fig = {}, {}
    for t in names:
        runs[t] = []
        for r in range(1, rounds + 1):
            with open(f"{d}/wrk-{t}-{r}.txt") as f:
                w = parse_wrk(f.read())
            with open(f"{d}/cpu-{t}-{r}.txt") as f:
                c0, c1 = (int(x) for x in f.read().split())
            w["cpu_us_per_req"] = (c1 - c0) / tck * 1e6 / w["requests"] if w.get("requests") else None
            runs[t].append(w)
        fig[t] = {k: med(w.get(k) for w in runs[t]) for k in ("rps", "p99_ms", "cpu_us_per_req")}
        fig[t]["requests"] = sum(w.get("requests", 0) for w in runs[t])
        fig[t]["errors"] = sum(w["errors"] for w in runs[t])
    with open(f"{d}/medians.json", "w") as f:
        json.dump({"rounds": rounds, "contenders": fig, "runs": runs}, f, indent=2)
        f.write("\n")
    a, b = names[:2]
    rps_ratio = ratio(fig[b]["rps"], fig[a]["rps"])
    lost = None if rps_ratio is None else 100 * (1 - rps_ratio)
    line = (f"{a}_rps={fmt(fig[a]['rps'], '.0f')} {b}_rps={fmt(fig[b]['rps'], '.0f')} ratio={fmt(rps_ratio, '.4f')} "
            f"lost_pct={fmt(lost, '.2f')} cpu_us_per_req_{a}={fmt(fig[a]['cpu_us_per_req'], '.2f')} "
            f"cpu_us_per_req_{b}={fmt(fig[b]['cpu_us_per_req'], '.2f')} "
            f"cpu_ratio={fmt(ratio(fig[b]['cpu_us_per_req'], fig[a]['cpu_us_per_req']), '.4f')}")
    for t in names[2:]:
        line += f" {t}_rps={fmt(fig[t]['rps'], '.0f')} cpu_us_per_req_{t}={fmt(fig[t]['cpu_us_per_req'], '.2f')}"
    line += f" errors={sum(fig[t]['errors'] for t in names)}"
    if counted0 != "none":  # a counter was given (empty: it failed)
        counted = f"{float(counted1) - float(counted0):.0f}" if counted0 and counted1 else "n/a"
        line += f" wrk_requests={fig[b]['requests']} counted={counted}"
    if lost is not None:
        line += f" | goal: at most {goal:g} % lost: {'met' if lost <= goal else 'NOT met'}"
    return line


# ---- before/after (BENCH_BEFORE): rows and the table -------------------------------------------

# key, what the table calls it, format, True when higher is better
FIGURES = {"rps": ("req/s", ",.0f", True), "p99_ms": ("p99 (ms)", ".2f", False),
           "cpu_us_per_req": ("CPU per request (µs)", ".2f", False)}


def compare_rows(label, figures, peer_label, how, keys=("rps", "p99_ms", "cpu_us_per_req"), errors=0, runs=None):
    """One row per figure of a part: FIGURES maps before, after and peer to {key: median}; RUNS,
    when given, maps before and after to their runs ({key: value} per round, in round order): the
    row also gets after/before of each round (the two ran next to each other, on the same load)."""
    rows = []
    for k in keys:
        row = {"part": label, "figure": k, "before": figures["before"].get(k), "after": figures["after"].get(k),
               "peer_label": peer_label, "peer": (figures.get("peer") or {}).get(k), "how": how, "errors": errors}
        if runs:
            row["per_round"] = [ratio(a.get(k), b.get(k)) for b, a in zip(runs["before"], runs["after"])]
        rows.append(row)
    return rows


def worse_pct(row):
    """How much worse after is than before, in % (negative: better); None when not measured."""
    higher_better = FIGURES[row["figure"]][2]
    r = ratio(row["after"], row["before"])
    if r is None:
        return None
    return 100 * (1 - r) if higher_better else 100 * (r - 1)


def compare_table(rows, tolerance=TOLERANCE_PCT):
    """The markdown table (and a line per part saying how it was measured); True when no figure
    is worse by more than TOLERANCE % and every figure was measured."""
    out = [f"| part | figure | before | after | after/before | per round: median (min-max) | peer | before/peer | "
           f"after/peer | within {tolerance:g} % |",
           "|---|---|--:|--:|--:|--:|---|--:|--:|---|"]
    ok, hows = bool(rows), {}
    for row in rows:
        name, spec, _ = FIGURES[row["figure"]]
        w = worse_pct(row)
        if w is None:
            verdict, ok = "n/a", False
        elif w > tolerance:
            verdict, ok = f"**no: {w:.1f} % worse**", False
        else:
            verdict = "yes" if w <= 0 else f"yes ({w:.1f} % worse)"
        peer = f"{row['peer_label']} {fmt(row['peer'], spec)}"
        rounds = sorted(x for x in row.get("per_round") or () if x is not None)
        paired = f"{statistics.median(rounds):.3f} ({rounds[0]:.2f}-{rounds[-1]:.2f})" if rounds else "n/a"
        out.append(f"| {row['part']} | {name} | {fmt(row['before'], spec)} | {fmt(row['after'], spec)} | "
                   f"{fmt(ratio(row['after'], row['before']), '.3f')} | {paired} | {peer} | "
                   f"{fmt(ratio(row['before'], row['peer']), '.2f')} | {fmt(ratio(row['after'], row['peer']), '.2f')} | "
                   f"{verdict} |")
        hows.setdefault(row["part"], row["how"])
        if row.get("errors"):
            ok = False
    out.append("")
    out += [f"- {part}: {how}" for part, how in hows.items()]
    for part in dict.fromkeys(r["part"] for r in rows if r.get("errors")):
        out.append(f"- {part}: {next(r['errors'] for r in rows if r['part'] == part)} errors (socket errors, "
                   f"non-2xx, failed requests): the figures are not comparable")
    return "\n".join(out), ok


def read_rows(paths):
    rows = []
    for path in paths:
        if os.path.exists(path):
            with open(path) as f:
                rows += [json.loads(line) for line in f if line.strip()]
    return rows


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


def held(args, kind, count, what, problems):
    """The streams or tls-idle part (run.sh held_one): per proxy the RSS growth per thing held
    (KiB), from WORK/KIND-PROXY.env; and reprise/haproxy."""
    out = {"count": count}
    for p in PROXIES:
        if kind not in args.parts or p not in args.targets:
            out[p] = {"kib_per_stream": None, "skipped": True}
            continue
        path = os.path.join(args.work, f"{kind}-{p}.env")
        entry = {"kib_per_stream": None}
        if not os.path.exists(path):
            problems.append(f"{kind} {p}: not measured")
        else:
            e = read_env(path)
            for k in ("rss_before_kib", "rss_after_kib", "ready", "failed", "lost", "proxy_fds", "heartbeats"):
                if e.get(k, "").lstrip("-").isdigit():
                    entry[k] = int(e[k])
            if e.get("error"):
                entry["error"] = e["error"]
                problems.append(f"{kind} {p}: {e['error']}")
            if entry.get("failed"):
                problems.append(f"{kind} {p}: {entry['failed']} of {count} {what} failed "
                                f"({e.get('first_error', '?')})")
                entry["first_error"] = e.get("first_error")
            if entry.get("lost"):
                problems.append(f"{kind} {p}: {entry['lost']} {what} closed by the proxy while held")
            if entry.get("ready") and "rss_before_kib" in entry and "rss_after_kib" in entry:
                entry["kib_per_stream"] = (entry["rss_after_kib"] - entry["rss_before_kib"]) / entry["ready"]
        out[p] = entry
    out["reprise_vs_haproxy"] = ratio(out["reprise"]["kib_per_stream"], out["haproxy"]["kib_per_stream"])
    return out


def tls_part(args, part, problems):
    """A TLS part (run.sh tls_parts: ab_compare of haproxy and reprise): medians and ratios."""
    if part not in args.parts or not {"reprise", "haproxy"} <= set(args.targets):
        return {"skipped": True}
    path = os.path.join(args.work, part, "medians.json")
    if not os.path.exists(path):
        problems.append(f"{part}: not measured")
        return {}
    with open(path) as f:
        m = json.load(f)
    fig, runs = m["contenders"], m["runs"]
    # Each round ran the two one after the other: their ratio in a round shares that round's load.
    per_round = sorted(ratio(r.get("rps"), h.get("rps")) for r, h in zip(runs["reprise"], runs["haproxy"])
                       if r.get("rps") and h.get("rps"))
    if any(fig[t]["errors"] for t in fig):
        problems.append(f"{part}: socket errors or non-2xx responses "
                        f"(reprise {fig['reprise']['errors']}, haproxy {fig['haproxy']['errors']})")
    return {"rounds": m["rounds"], "reprise": fig["reprise"], "haproxy": fig["haproxy"],
            "rps_ratio": ratio(fig["reprise"]["rps"], fig["haproxy"]["rps"]),
            "p99_ratio": ratio(fig["reprise"]["p99_ms"], fig["haproxy"]["p99_ms"]),
            "cpu_ratio": ratio(fig["reprise"]["cpu_us_per_req"], fig["haproxy"]["cpu_us_per_req"]),
            "rps_ratio_per_round": per_round,
            "rps_ratio_round_median": statistics.median(per_round) if per_round else None}


def tls_line(label, t, unit, goal):
    if t.get("skipped") or not t:
        return f"{label}: not measured"
    r, h = t["reprise"], t["haproxy"]
    return (f"{label} (median of {t['rounds']}): reprise {fmt(r['rps'], '.0f')} {unit} p99 {fmt(r['p99_ms'], '.2f')} ms "
            f"cpu {fmt(r['cpu_us_per_req'], '.1f')} us | haproxy {fmt(h['rps'], '.0f')} {unit} "
            f"p99 {fmt(h['p99_ms'], '.2f')} ms cpu {fmt(h['cpu_us_per_req'], '.1f')} us | reprise/haproxy "
            f"{unit} {fmt(t['rps_ratio'], '.2f')} (per round {fmt(t['rps_ratio_round_median'], '.2f')}, "
            f"{fmt(min(t['rps_ratio_per_round'], default=None), '.2f')}-{fmt(max(t['rps_ratio_per_round'], default=None), '.2f')}) "
            f"p99 {fmt(t['p99_ratio'], '.2f')} cpu {fmt(t['cpu_ratio'], '.2f')} ({goal})")


def summary(args):
    problems = []
    result = {"throughput": {"tool": f"wrk -t1 -c{args.connections} -d{args.duration} --latency",
                             "rounds": args.rounds, "path": "/json"},
              "streams": {"streams": args.streams}}

    # BENCH_BEFORE: the throughput part compared the two binaries (compare-rows.jsonl) instead
    for t in TARGETS if "throughput" in args.parts and not args.compare else ():
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

    st = result["streams"] = held(args, "streams", args.streams, "streams", problems)
    ti = result["tls_idle"] = held(args, "tls-idle", args.tls_idle, "idle TLS connections", problems)
    tls = result["tls"] = {part: tls_part(args, part, problems) for part in ("tls", "tls-handshakes")}
    lat = result["latency"] = latency(args, problems)
    table = None
    if args.compare:  # BENCH_BEFORE: the throughput and faults parts compared before and after
        rows = result["compare"] = read_rows([os.path.join(args.work, "compare-rows.jsonl")])
        for part, label in (("throughput", "proxy"), ("faults", "idle faults")):
            if part in args.parts and not any(r["part"] == label for r in rows):
                problems.append(f"before/after {label}: not measured")
        for label in dict.fromkeys(r["part"] for r in rows if r.get("errors")):
            problems.append(f"before/after {label}: socket errors or non-2xx responses")
        table = compare_table(rows)[0] if rows else None
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
        tls_line(f"tls keep-alive (wrk -t1 -c{args.connections}, TLS both sides)", tls["tls"], "req/s",
                 "goal: req/s >= 1.00, p99 <= 1.00"),
        tls_line(f"tls new connections (wrk -t1 -c{args.connections}, Connection: close)", tls["tls-handshakes"],
                 "conn/s", "goal: conn/s >= 0.90"),
        f"tls idle ({args.tls_idle} TLS connections, one request each, held): "
        f"reprise {fmt(ti['reprise']['kib_per_stream'], '.1f')} KiB/connection | "
        f"haproxy {fmt(ti['haproxy']['kib_per_stream'], '.1f')} KiB/connection | "
        f"ratio {fmt(ti['reprise_vs_haproxy'], '.2f')} (goal: <= 1.00)",
        f"sse latency ({args.latency_streams} streams x {lat['events_per_stream']} events"
        f"{'' if args.rounds == 1 else f' over {args.rounds} rounds'}, {fmt(args.latency_period, 'g')} ms apart): "
        f"direct p50 {fmt(lat['direct']['p50_us'], '.0f')} us p99 {fmt(lat['direct']['p99_us'], '.0f')} us | "
        f"reprise {fmt(lat['reprise']['added_p50_us'], '+.0f')} us (p99 {fmt(lat['reprise']['added_p99_us'], '+.0f')}) | "
        f"haproxy{' (http-no-delay)' if args.haproxy_no_delay else ''} "
        f"{fmt(lat['haproxy']['added_p50_us'], '+.0f')} us (p99 {fmt(lat['haproxy']['added_p99_us'], '+.0f')})",
    ]
    if args.compare:  # the throughput part compared before and after instead (the table below)
        lines = lines[2:]
    print("==== bench summary ====")
    for line in lines:
        print("  " + line)
    if table:
        print(f"  before/after (before: {args.compare}):\n")
        print(table + "\n")
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
    if len(sys.argv) >= 10 and sys.argv[1] == "ab":
        d, rounds, tck, goal, c0, c1, *names = sys.argv[2:]
        print(ab(d, int(rounds), int(tck), float(goal), c0, c1, names))
        return 0
    if len(sys.argv) == 7 and sys.argv[1] == "rows":
        medians, label, peer, peer_label, how = sys.argv[2:]
        with open(medians) as f:
            m = json.load(f)
        fig, runs = m["contenders"], m["runs"]
        figures = {"before": fig["before"], "after": fig["after"], "peer": fig.get(peer)}
        errors = sum(fig[t]["errors"] for t in fig)
        for row in compare_rows(label, figures, peer_label, how, errors=errors,
                                runs={"before": runs["before"], "after": runs["after"]}):
            print(json.dumps(row))
        return 0
    if len(sys.argv) >= 3 and sys.argv[1] == "table":
        table, ok = compare_table(read_rows(sys.argv[2:]))
        print(table)
        return 0 if ok else 1
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["summary"])
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--duration", required=True)
    ap.add_argument("--rounds", type=int, required=True)
    ap.add_argument("--streams", type=int, required=True)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--tls-idle", type=int, default=5000, help="idle TLS connections held (tls-idle part)")
    ap.add_argument("--parts", default="throughput streams latency", help="the parts run.sh ran")
    ap.add_argument("--targets", default="direct reprise haproxy", help="the targets run.sh measured")
    ap.add_argument("--latency-streams", type=int, default=20)
    ap.add_argument("--latency-events", type=int, default=500, help="recorded events per stream and round")
    ap.add_argument("--latency-period", type=float, default=20.0, help="ms between two events of a stream")
    ap.add_argument("--haproxy-no-delay", action="store_true",
                    help="the latency part's haproxy ran with option http-no-delay")
    ap.add_argument("--compare", metavar="BEFORE", default="",
                    help="BENCH_BEFORE was set (the before binary): the throughput and faults parts compared "
                         "it with the binary benchmarked (WORK/compare-rows.jsonl)")
    args = ap.parse_args()
    args.parts, args.targets = args.parts.split(), args.targets.split()
    return summary(args)


if __name__ == "__main__":
    sys.exit(main())
