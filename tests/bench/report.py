#!/usr/bin/python3
"""Turns the raw outputs run.sh leaves in its work directory into the summary and the JSON.

  report.py wrk FILE              -> prints `<req/s> <p99 ms>` of one wrk --latency output
  report.py summary --work DIR --out FILE --duration D --rounds R --streams N --connections C
                    [--held-rounds H] [--parts P] [--targets T]
                    [--latency-streams S --latency-events E --latency-period MS] [--compare BEFORE]
  report.py ab DIR ROUNDS CLK_TCK GOAL_PCT COUNTED0 COUNTED1 A B [C...]
                                  -> run.sh's ab_compare: prints its one line (B against A), writes
                                     DIR/medians.json (each contender's medians)
  report.py mirror-run DIR NAME ROUND CLK_TCK
                                  -> run.sh's mirror part: one line of one run (NAME: plain, mirrored,
                                     slow, replay, fixed-plain, fixed-mirrored or fixed-slow)
  report.py mirror DIR ROUNDS CLK_TCK DELAY CONNECTIONS DURATION RATE
                                  -> the mirror part's figures (RATE: req/s of its fixed-rate runs):
                                     writes DIR/figures.json, prints its summary lines (and PROBLEM:
                                     lines)
  report.py rows MEDIANS LABEL PEER PEER_LABEL HOW
                                  -> the before/after table's rows of one part (JSON lines): the
                                     contenders `before` and `after` of MEDIANS, PEER for the ratios
  report.py table ROWS...         -> the before/after table (markdown) of the rows in the files;
                                     exit status 1 when a figure is worse by more than the tolerance

Work directory layout (written by run.sh):
  wrk-<target>-<round>.txt   wrk output; targets: direct, reprise, haproxy
  <kind>-<proxy>-<round>.env key=value lines of one held run (kind: streams, ws-tunnels, tls-idle):
                             rss_before_kib, rss_after_kib, ready, failed, ...
  latency-<target>-<round>.txt  one-way SSE event delays in ns, one per line (sse_latency.py)
  latency-<target>-<round>.log  sse_latency.py output: `DONE ...` or `FAILED ...`
  <part>/wrk-<name>-<round>.txt, <part>/cpu-<name>-<round>.txt  ab_compare's runs (wrk output;
                             the contender's CPU ticks before and after)
  <part>/warmup-<name>.txt   the wrk output of ab_compare's warm-up of a contender
  <part>/medians.json        written by `ab` from those
  recording/capture-lines.txt  the recording part's capture: its lines and gap lines (goals.py)
  compare-rows.jsonl         the before/after rows (BENCH_BEFORE), written by `rows`
  mirror/                    the mirror part: wrk-<name>-<round>.txt and cpu-<name>-<round>.txt (plain,
                             mirrored, slow), mirror-<name>-<round>-{0,1}.json (GET /mirror around
                             the run), replay-<round>.{json,out,cpu,rate} (the replayer's summary,
                             output, `time` and rate), fixed-<name>-<round>.{json,out,cpu,rate} and
                             cpu-fixed-<name>-<round>.txt, mirror-fixed-<name>-<round>-{0,1}.json (the
                             fixed-rate runs against plain, mirrored, slow), figures.json (by `mirror`)
Exit status of `summary` is 1 when a figure is missing or a run reported errors.
"""
import argparse
import json
import os
import re
import statistics
import sys

import goals
from bench_common import contender, fmt, median, parse_wrk, per_round, percentile, ratio, read_env, read_json, to_ms

TARGETS = ("direct", "reprise", "recording", "haproxy")  # recording: reprise --record, run with reprise
PROXIES = ("reprise", "haproxy")
# Before/after (BENCH_BEFORE): a figure of `after` worse than `before`'s by more than this (%) fails.
TOLERANCE_PCT = float(os.environ.get("BENCH_COMPARE_TOLERANCE", "3"))


def us(ns):
    return None if ns is None else ns / 1000.0


def diff(a, b):
    return None if a is None or b is None else a - b


# ---- ab_compare (run.sh): contenders in front of one nginx, wrk against each in alternation ------

def ab(d, rounds, tck, goal, counted0, counted1, names):
    """Medians over the rounds of each contender's req/s, p99 and CPU µs per request (its CPU
    ticks around its wrk runs over the requests wrk sent); writes DIR/medians.json and returns the
    log line comparing the second contender with the first (goal: at most GOAL % throughput lost)."""
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
        fig[t] = {k: median(w.get(k) for w in runs[t]) for k in ("rps", "p99_ms", "cpu_us_per_req")}
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


def held_run(path, at, count, what, problems):
    """One run of held_one (WORK/KIND-PROXY-ROUND.env): its counts and the RSS growth per thing held."""
    entry = {"kib_per_stream": None}
    if not os.path.exists(path):
        problems.append(f"{at}: not measured")
        return entry
    e = read_env(path)
    for k in ("rss_before_kib", "rss_after_kib", "ready", "failed", "lost", "proxy_fds", "heartbeats"):
        if e.get(k, "").lstrip("-").isdigit():
            entry[k] = int(e[k])
    if e.get("error"):
        entry["error"] = e["error"]
        problems.append(f"{at}: {e['error']}")
    if entry.get("failed"):
        problems.append(f"{at}: {entry['failed']} of {count} {what} failed ({e.get('first_error', '?')})")
        entry["first_error"] = e.get("first_error")
    if entry.get("lost"):
        problems.append(f"{at}: {entry['lost']} {what} closed by the proxy while held")
    if entry.get("ready") and "rss_before_kib" in entry and "rss_after_kib" in entry:
        entry["kib_per_stream"] = (entry["rss_after_kib"] - entry["rss_before_kib"]) / entry["ready"]
    return entry


def held(args, kind, count, what, problems):
    """The streams, ws-tunnels or tls-idle part (run.sh streams, held_one): per proxy and round the
    RSS growth per thing held (KiB); per proxy the median over the rounds (kib_per_stream) and its
    runs; reprise/haproxy of the medians, and of each round (the two ran next to each other)."""
    rounds = 1 if kind == "tls-idle" else args.held_rounds
    out = {"count": count, "rounds": rounds}
    for p in PROXIES:
        if kind not in args.parts or p not in args.targets:
            out[p] = {"kib_per_stream": None, "skipped": True}
            continue
        runs = [held_run(os.path.join(args.work, f"{kind}-{p}-{r}.env"), f"{kind} {p} round {r}", count, what,
                         problems) for r in range(1, rounds + 1)]
        out[p] = {"kib_per_stream": median(x["kib_per_stream"] for x in runs), "runs": runs}
    out["reprise_vs_haproxy"] = ratio(out["reprise"]["kib_per_stream"], out["haproxy"]["kib_per_stream"])
    out["ratio_per_round"] = [ratio(a["kib_per_stream"], b["kib_per_stream"])
                              for a, b in zip(out["reprise"].get("runs", []), out["haproxy"].get("runs", []))]
    return out


def held_line(label, h, unit, goal):
    """The summary's line of a held part: each proxy's median KiB per UNIT (and range), the ratio."""
    def one(p):
        xs = [x["kib_per_stream"] for x in h[p].get("runs", []) if x["kib_per_stream"] is not None]
        spread = f" ({min(xs):.1f}-{max(xs):.1f})" if len(xs) > 1 else ""
        return f"{p} {fmt(h[p]['kib_per_stream'], '.1f')} KiB/{unit}{spread}"
    rounds = f", median of {h['rounds']}" if h["rounds"] > 1 else ""
    per = f", per round {per_round(h['ratio_per_round'])}" if h["rounds"] > 1 else ""
    return (f"{label}{rounds}: {one('reprise')} | {one('haproxy')} | reprise/haproxy "
            f"{fmt(h['reprise_vs_haproxy'], '.2f')}{per} ({goal})")


def vs_haproxy(args, part, problems):
    """A part that is ab_compare of haproxy and reprise (tls, tls-handshakes, keepalive, threads2):
    medians and ratios."""
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


def vs_line(label, t, unit, goal):
    if t.get("skipped") or not t:
        return f"{label}: not measured"
    r, h = t["reprise"], t["haproxy"]
    return (f"{label} (median of {t['rounds']}): {contender('reprise', r, unit)} | {contender('haproxy', h, unit)} "
            f"| reprise/haproxy "
            f"{unit} {fmt(t['rps_ratio'], '.2f')} (per round {fmt(t['rps_ratio_round_median'], '.2f')}, "
            f"{fmt(min(t['rps_ratio_per_round'], default=None), '.2f')}-{fmt(max(t['rps_ratio_per_round'], default=None), '.2f')}) "
            f"p99 {fmt(t['p99_ratio'], '.2f')} cpu {fmt(t['cpu_ratio'], '.2f')} ({goal})")


# ---- the mirror part (run.sh mirror): plain, mirrored, slow mirror, and the replayer -----------

MIRROR_GOALS = {"p99": 1.10, "cpu": 1.00, "slow_p99": 1.05}
MIRROR_COUNTS = ("copies", "answered", "failed", "dropped")


def replay_run(stem, cpu_key="cpu"):
    """One `reprise replay` run of the mirror part (run.sh mirror_replay: STEM.json, its summary;
    STEM.out, its printed summary; STEM.rate; STEM.cpu, bash `time`): the rate asked for, req/s
    done, p50, p99 and max of http_req_duration (constant-arrival-rate: from each request's intended
    start), failures, non-200, dropped iterations, and the replayer's CPU µs (user + sys) as
    CPU_KEY_us, CPU_KEY_us_per_req and CPU_KEY_share (of one core over its wall time)."""
    out = {}
    s = read_json(f"{stem}.json")
    if s is None:
        return out
    c = s["counters"]
    out["requests"] = c["http_reqs"]
    out["failed"] = c["http_req_failed"] + c["transport_errors"]
    out["not_200"] = sum(v for k, v in s["status"].items() if k != "200")
    out["errors"] = out["failed"] + out["not_200"]
    out["dropped_iterations"] = c.get("dropped_iterations", 0)
    if s.get("elapsed_s"):
        out["rps"] = c["http_reqs"] / s["elapsed_s"]
    try:
        with open(f"{stem}.rate") as f:
            out["rate"] = int(f.read().split()[0])
        with open(f"{stem}.out") as f:
            m = re.search(r"^\s*http_req_duration .*", f.read(), re.M)
        for key, label in (("p50_ms", "med"), ("p99_ms", "p\\(99\\)"), ("max_ms", "max")):
            v = re.search(rf"\b{label}=(\S+)", m.group(0)) if m else None
            if v:
                out[key] = to_ms(v.group(1).replace("\u00b5s", "us"))
        with open(f"{stem}.cpu") as f:
            u, sy, wall = (float(x) for x in f.read().split()[-3:])
        out[f"{cpu_key}_us"] = (u + sy) * 1e6
        out[f"{cpu_key}_share"] = (u + sy) / wall if wall > 0 else None
        if out["requests"]:
            out[f"{cpu_key}_us_per_req"] = out[f"{cpu_key}_us"] / out["requests"]
    except (OSError, ValueError, IndexError):
        pass
    return out


def mirror_run(d, name, r, tck):
    """One run of the mirror part. plain, mirrored, slow: wrk's figures, the proxy's CPU µs (its
    ticks around the run) per request, and (mirroring proxies) the change of GET /mirror's counters
    over the run and the copies still pending at its end; replay: the replayer's req/s, p99, CPU µs
    per request (user + sys, bash `time`), failures and dropped iterations; fixed-plain,
    fixed-mirrored, fixed-slow: the replayer against that proxy at a fixed rate (replay_run, its
    CPU as replayer_cpu_*), with the proxy's CPU and GET /mirror's counters as for wrk's runs."""
    out = {}
    if name == "replay":
        return replay_run(f"{d}/replay-{r}")
    try:
        if name.startswith("fixed-"):
            out = replay_run(f"{d}/{name}-{r}", "replayer_cpu")
        else:
            with open(f"{d}/wrk-{name}-{r}.txt") as f:
                out = parse_wrk(f.read())
        with open(f"{d}/cpu-{name}-{r}.txt") as f:
            c0, c1 = (int(x) for x in f.read().split())
        out["cpu_us"] = (c1 - c0) / tck * 1e6
        if out.get("requests"):
            out["cpu_us_per_req"] = out["cpu_us"] / out["requests"]
    except (OSError, ValueError):
        pass
    if name not in ("plain", "fixed-plain"):
        # a fixed-rate run's counts go in "mirror" (its "failed" is the replayer's failed requests)
        dst = out.setdefault("mirror", {}) if name.startswith("fixed-") else out
        s0, s1 = read_json(f"{d}/mirror-{name}-{r}-0.json"), read_json(f"{d}/mirror-{name}-{r}-1.json")
        if s0 is not None and s1 is not None:
            for k in MIRROR_COUNTS:
                if k in s0 and k in s1:
                    dst[k] = s1[k] - s0[k]
            if "pending" in s1:
                dst["pending_end"] = s1["pending"]
    return out


def mirror_run_line(w, name):
    if name == "replay":
        return (f"rate={w.get('rate', 'n/a')} req/s p99(ms) {fmt(w.get('rps'), '.1f')} {fmt(w.get('p99_ms'), '.3f')} "
                f"cpu_us_per_req={fmt(w.get('cpu_us_per_req'), '.2f')} cpu_share={fmt(w.get('cpu_share'), '.2f')} "
                f"requests={w.get('requests', 'n/a')} failed={w.get('failed', 'n/a')} not_200={w.get('not_200', 'n/a')} "
                f"dropped_iterations={w.get('dropped_iterations', 'n/a')}")
    if name.startswith("fixed-"):
        line = (f"rate={w.get('rate', 'n/a')} req/s p50(ms) p99(ms) max(ms) {fmt(w.get('rps'), '.1f')} "
                f"{fmt(w.get('p50_ms'), '.3f')} {fmt(w.get('p99_ms'), '.3f')} {fmt(w.get('max_ms'), '.2f')} "
                f"requests={w.get('requests', 'n/a')} "
                f"failed={w.get('failed', 'n/a')} not_200={w.get('not_200', 'n/a')} "
                f"dropped_iterations={w.get('dropped_iterations', 'n/a')} "
                f"cpu_us_per_req={fmt(w.get('cpu_us_per_req'), '.2f')} "
                f"replayer_cpu_share={fmt(w.get('replayer_cpu_share'), '.2f')}")
    else:
        line = (f"req/s p99(ms) {w.get('rps', 'n/a')} {w.get('p99_ms', 'n/a')} errors={w.get('errors', 'n/a')} "
                f"requests={w.get('requests', 'n/a')} cpu_us_per_req={fmt(w.get('cpu_us_per_req'), '.2f')}")
    if name.startswith("fixed-") and name != "fixed-plain":
        c = w.get("mirror", {})
        line += "".join(f" copies_{k}={c.get(k, 'n/a')}" if k != "copies" else f" copies={c.get(k, 'n/a')}"
                        for k in MIRROR_COUNTS) + f" copies_pending={c.get('pending_end', 'n/a')}"
    elif not name.startswith("fixed-") and name != "plain":
        line += "".join(f" {k}={w.get(k, 'n/a')}" for k in MIRROR_COUNTS) + f" pending={w.get('pending_end', 'n/a')}"
    return line


def mirror(d, rounds, tck, delay, conns, duration, rate=None):
    """The mirror part's figures (DIR/figures.json) and its four lines. RATE: the req/s of the
    fixed-rate runs (fixed-plain, fixed-mirrored, fixed-slow)."""
    names = ("plain", "mirrored", "slow", "replay")
    runs = {t: [mirror_run(d, t, r, tck) for r in range(1, rounds + 1)] for t in names}
    fig, problems = {}, []
    for t in names:
        rs = runs[t]
        fig[t] = {k: median(w.get(k) for w in rs) for k in ("rps", "p99_ms", "cpu_us_per_req")}
        fig[t]["requests"] = sum(w.get("requests", 0) for w in rs)
        fig[t]["errors"] = sum(w.get("errors", 0) for w in rs)
        if t in ("mirrored", "slow"):
            for k in MIRROR_COUNTS:
                fig[t][k] = sum(w[k] for w in rs if k in w) if any(k in w for w in rs) else None
        for r, w in enumerate(rs, 1):
            if w.get("rps") is None or (t != "replay" and w.get("p99_ms") is None):
                problems.append(f"mirror {t} round {r}: not measured")
            if w.get("errors"):
                problems.append(f"mirror {t} round {r}: {w['errors']} "
                                f"{'failed or not 200' if t == 'replay' else 'socket errors / non-2xx responses'}")
    fig["replay"]["rate"] = median(w.get("rate") for w in runs["replay"])
    fig["replay"]["dropped_iterations"] = sum(w.get("dropped_iterations", 0) for w in runs["replay"])
    stuck = [r for r, w in enumerate(runs["mirrored"], 1) if w.get("pending_end")]
    if stuck:
        problems.append(f"mirror mirrored: copies still pending 10 s after wrk stopped in round(s) "
                        f"{', '.join(map(str, stuck))} (the mirror is nginx: it should keep up)")
    for t in ("mirrored", "slow"):
        if fig[t]["copies"] is None:
            problems.append(f"mirror {t}: no copy counts (GET /mirror)")
        if fig[t]["failed"]:
            problems.append(f"mirror {t}: {fig[t]['failed']} copies failed (no answer or a failed status)")

    # CPU per copy, per round: the mirrored run's CPU less what the same requests cost the plain
    # proxy in that round (its CPU per request x the mirrored run's requests), over the copies sent.
    # Copies dropped (queue full) cost something too: per copy made (sent or dropped) as well.
    per_copy, per_made = [], []
    for p, m in zip(runs["plain"], runs["mirrored"]):
        if None not in (p.get("cpu_us_per_req"), m.get("cpu_us"), m.get("requests")) and m.get("copies"):
            extra = m["cpu_us"] - p["cpu_us_per_req"] * m["requests"]
            per_copy.append(extra / m["copies"])
            per_made.append(extra / (m["copies"] + (m.get("dropped") or 0)))
        else:
            per_copy.append(None)
            per_made.append(None)

    def vs(a, b, k):
        return [ratio(x.get(k), y.get(k)) for x, y in zip(runs[a], runs[b])]

    out = {"rounds": rounds, "tool": f"wrk -t1 -c{conns} -d{duration} --latency", "path": "/json",
           "factor": 1, "slow_delay": delay, "contenders": fig,
           "mirrored_vs_plain": {"rps": ratio(fig["mirrored"]["rps"], fig["plain"]["rps"]),
                                 "p99": ratio(fig["mirrored"]["p99_ms"], fig["plain"]["p99_ms"]),
                                 "rps_per_round": vs("mirrored", "plain", "rps"),
                                 "p99_per_round": vs("mirrored", "plain", "p99_ms")},
           "slow_vs_plain": {"rps": ratio(fig["slow"]["rps"], fig["plain"]["rps"]),
                             "p99": ratio(fig["slow"]["p99_ms"], fig["plain"]["p99_ms"]),
                             "rps_per_round": vs("slow", "plain", "rps"),
                             "p99_per_round": vs("slow", "plain", "p99_ms")},
           "cpu": {"us_per_copy": median(per_copy), "us_per_copy_per_round": per_copy,
                   "us_per_copy_made": median(per_made), "us_per_copy_made_per_round": per_made,
                   "replayer_us_per_req": fig["replay"]["cpu_us_per_req"]},
           "goals": MIRROR_GOALS,
           "end": {t: read_json(f"{d}/mirror-{t}-end.json") for t in ("mirrored", "slow")},
           "exit_lines": {}, "runs": runs}
    out["cpu"]["copy_vs_replayer"] = ratio(out["cpu"]["us_per_copy"], out["cpu"]["replayer_us_per_req"])
    if out["cpu"]["us_per_copy"] is None:
        problems.append("mirror: no CPU per copy")
    if out["cpu"]["replayer_us_per_req"] is None:
        problems.append("mirror: no CPU per request of the replayer")
    for t in ("mirrored", "slow"):
        try:
            with open(f"{d}/exit-{t}.txt") as f:
                out["exit_lines"][t] = f.read().strip() or None
        except OSError:
            out["exit_lines"][t] = None
    out["fixed_rate"] = mirror_fixed(d, rounds, tck, conns, duration, rate, problems)
    out["problems"] = problems
    out["summary"] = mirror_lines(out)
    with open(f"{d}/figures.json", "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    return out


def mirror_fixed(d, rounds, tck, conns, duration, rate, problems):
    """The mirror part's fixed-rate runs: `reprise replay` against plain, mirrored and slow at RATE
    req/s (constant-arrival-rate, each request's latency from its intended start). Medians of p50
    and p99, and the per-round ratios mirrored/plain and slow/plain of p99 (of p50 too) with their
    medians, which the goals are judged on (the runs of a round ran one after the other)."""
    names = ("plain", "mirrored", "slow")
    runs = {t: [mirror_run(d, f"fixed-{t}", r, tck) for r in range(1, rounds + 1)] for t in names}
    fig = {}
    for t in names:
        rs = runs[t]
        fig[t] = {k: median(w.get(k) for w in rs)
                  for k in ("rps", "p50_ms", "p99_ms", "cpu_us_per_req", "replayer_cpu_us_per_req")}
        fig[t]["max_ms"] = max((w["max_ms"] for w in rs if w.get("max_ms") is not None), default=None)
        for k in ("requests", "failed", "not_200", "dropped_iterations"):
            fig[t][k] = sum(w.get(k, 0) for w in rs)
        if t != "plain":  # GET /mirror's counts over the runs
            cs = [w.get("mirror", {}) for w in rs]
            fig[t]["mirror"] = {k: sum(c[k] for c in cs if k in c) if any(k in c for c in cs) else None
                                for k in MIRROR_COUNTS}
        for r, w in enumerate(rs, 1):
            if w.get("p99_ms") is None or w.get("rps") is None:
                problems.append(f"mirror fixed-rate {t} round {r}: not measured")
            if w.get("errors"):
                problems.append(f"mirror fixed-rate {t} round {r}: {w['errors']} requests failed or not 200")
        if t != "plain" and fig[t]["mirror"]["failed"]:
            problems.append(f"mirror fixed-rate {t}: {fig[t]['mirror']['failed']} copies failed "
                            f"(no answer or a failed status)")
    stuck = [r for r, w in enumerate(runs["mirrored"], 1) if w.get("mirror", {}).get("pending_end")]
    if stuck:
        problems.append(f"mirror fixed-rate mirrored: copies still pending 10 s after the run in round(s) "
                        f"{', '.join(map(str, stuck))}")

    def vs(a, k):
        per = [ratio(x.get(k), y.get(k)) for x, y in zip(runs[a], runs["plain"])]
        return {k.replace("_ms", ""): median(per), f"{k.replace('_ms', '')}_per_round": per,
                f"{k.replace('_ms', '')}_of_medians": ratio(fig[a][k], fig["plain"][k])}

    return {"rate": rate, "duration": duration, "rounds": rounds, "path": "/json",
            "tool": f"reprise replay --threads 1, constant-arrival-rate {rate}/s for {duration}, "
                    f"{conns} VUs (at most {4 * int(conns)})",
            "latency": "http_req_duration, from each request's intended start (no coordinated omission)",
            "contenders": fig,
            "mirrored_vs_plain": {**vs("mirrored", "p99_ms"), **vs("mirrored", "p50_ms")},
            "slow_vs_plain": {**vs("slow", "p99_ms"), **vs("slow", "p50_ms")},
            "goals": {"mirrored_p99": MIRROR_GOALS["p99"], "slow_p99": MIRROR_GOALS["slow_p99"]},
            "runs": runs}


def goal(x, limit):
    return "n/a" if x is None else "met" if x <= limit else "NOT met"


def mirror_lines(m):
    """The summary's lines of the mirror part (its figures.json)."""
    if not m or m.get("skipped"):
        return ["mirror: not measured"]
    f, mp, sp, cpu = m["contenders"], m["mirrored_vs_plain"], m["slow_vs_plain"], m["cpu"]
    p, mi, s, rp = f["plain"], f["mirrored"], f["slow"], f["replay"]
    g = m["goals"]
    pc = [x for x in cpu.get("us_per_copy_per_round", []) if x is not None]
    return [
        f"mirror ({m['tool'].replace(' --latency', '')}, reprise proxy --threads 1, median of {m['rounds']}): "
        f"no mirror {fmt(p['rps'], '.0f')} req/s p99 {fmt(p['p99_ms'], '.2f')} ms | "
        f"--mirror nginx --mirror-factor 1 {fmt(mi['rps'], '.0f')} req/s p99 {fmt(mi['p99_ms'], '.2f')} ms | "
        f"mirrored/plain req/s {fmt(mp['rps'], '.2f')} p99 {fmt(mp['p99'], '.2f')} "
        f"(goal: p99 <= {g['p99']:.2f}: {goal(mp['p99'], g['p99'])}) | per round: req/s "
        f"{per_round(mp['rps_per_round'])} p99 {per_round(mp['p99_per_round'])}",
        f"mirror CPU (median of {m['rounds']}): {fmt(cpu['us_per_copy'], '.2f')} us per copy sent "
        f"({fmt(min(pc, default=None), '.1f')}-{fmt(max(pc, default=None), '.1f')}; per copy sent or dropped "
        f"{fmt(cpu.get('us_per_copy_made'), '.2f')}; the proxy's CPU per request: mirrored "
        f"{fmt(mi['cpu_us_per_req'], '.2f')} us, plain {fmt(p['cpu_us_per_req'], '.2f')}; "
        f"{fmt(mi['copies'], ',')} copies sent for {mi['requests']:,} requests, {fmt(mi['failed'], ',')} failed, "
        f"{fmt(mi['dropped'], ',')} dropped) | reprise replay --threads 1 (constant-arrival-rate "
        f"{fmt(rp.get('rate'), ',.0f')}/s, GET /json) {fmt(rp['cpu_us_per_req'], '.2f')} us per request | "
        f"per copy/replayer {fmt(cpu['copy_vs_replayer'], '.2f')} "
        f"(goal: <= {g['cpu']:.2f}: {goal(cpu['copy_vs_replayer'], g['cpu'])})",
        f"slow mirror ({m['slow_delay']} delay, median of {m['rounds']}): {fmt(s['rps'], '.0f')} req/s "
        f"p99 {fmt(s['p99_ms'], '.2f')} ms cpu {fmt(s['cpu_us_per_req'], '.2f')} us per request | slow/plain req/s "
        f"{fmt(sp['rps'], '.2f')} p99 {fmt(sp['p99'], '.2f')} cpu {fmt(ratio(s['cpu_us_per_req'], p['cpu_us_per_req']), '.2f')} "
        f"(goal: p99 <= {g['slow_p99']:.2f}: {goal(sp['p99'], g['slow_p99'])}) | per round: req/s "
        f"{per_round(sp['rps_per_round'])} p99 {per_round(sp['p99_per_round'])} | during the runs: "
        f"{fmt(s['copies'], ',')} copies sent, {fmt(s['dropped'], ',')} dropped, {fmt(s['failed'], ',')} failed "
        f"of {s['requests']:,} requests",
        mirror_fixed_line(m.get("fixed_rate")),
    ]


def mirror_fixed_line(x):
    """The summary's line of the mirror part's fixed-rate runs (figures.json's fixed_rate)."""
    if not x or x.get("rate") is None:
        return "mirror at a fixed rate: not measured"
    f, mp, sp, g = x["contenders"], x["mirrored_vs_plain"], x["slow_vs_plain"], x["goals"]
    p, mi, s = f["plain"], f["mirrored"], f["slow"]

    def rounds(xs):
        return ", ".join(fmt(v, ".2f") for v in xs)

    return (
        f"mirror at a fixed {x['rate']} req/s (reprise replay --threads 1, constant-arrival-rate for {x['duration']}, "
        f"latency from the intended start, median of {x['rounds']}): p99 plain {fmt(p['p99_ms'], '.3f')} ms, "
        f"mirrored {fmt(mi['p99_ms'], '.3f')} ms (mirrored/plain {fmt(mp['p99'], '.2f')}, median of the rounds' "
        f"ratios; goal <= {g['mirrored_p99']:.2f}: {goal(mp['p99'], g['mirrored_p99'])}), slow mirror "
        f"{fmt(s['p99_ms'], '.3f')} ms (slow/plain {fmt(sp['p99'], '.2f')}; goal <= {g['slow_p99']:.2f}: "
        f"{goal(sp['p99'], g['slow_p99'])}) | "
        f"per round: mirrored/plain p99 {rounds(mp['p99_per_round'])}; slow/plain p99 {rounds(sp['p99_per_round'])} | "
        f"p50 plain {fmt(p['p50_ms'], '.3f')} ms, mirrored {fmt(mi['p50_ms'], '.3f')}, slow {fmt(s['p50_ms'], '.3f')} | "
        f"plain, mirrored, slow: failed or not 200 {p['failed'] + p['not_200']}, {mi['failed'] + mi['not_200']}, "
        f"{s['failed'] + s['not_200']}; dropped iterations (no free VU: not sent, not in the p99) "
        f"{p['dropped_iterations']:,}, {mi['dropped_iterations']:,}, {s['dropped_iterations']:,}; "
        f"max {fmt(p['max_ms'], '.1f')}, {fmt(mi['max_ms'], '.1f')}, {fmt(s['max_ms'], '.1f')} ms | "
        f"copies: mirrored {fmt(mi['mirror']['copies'], ',')} sent, {fmt(mi['mirror']['dropped'], ',')} dropped, "
        f"{fmt(mi['mirror']['failed'], ',')} failed; slow {fmt(s['mirror']['copies'], ',')} sent, "
        f"{fmt(s['mirror']['dropped'], ',')} dropped, {fmt(s['mirror']['failed'], ',')} failed"
    )


def mirror_part(args, problems):
    """The mirror part for the summary: DIR/figures.json as `mirror` wrote it."""
    if "mirror" not in args.parts or "reprise" not in args.targets:
        return {"skipped": True}
    m = read_json(os.path.join(args.work, "mirror", "figures.json"))
    if m is None:
        problems.append("mirror: not measured")
        return {}
    problems.extend(m.get("problems", []))
    return m


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
    tls = result["tls"] = {part: vs_haproxy(args, part, problems) for part in ("tls", "tls-handshakes")}
    lat = result["latency"] = latency(args, problems)
    mir = result["mirror"] = mirror_part(args, problems)
    # issue [13]'s goals
    ka = result["keepalive"] = vs_haproxy(args, "keepalive", problems)
    t2 = result["threads2"] = vs_haproxy(args, "threads2", problems)
    rec = result["recording"] = goals.recording(args.work, args.parts, args.connections, problems)
    ws = result["ws_tunnels"] = held(args, "ws-tunnels", args.streams, "WebSocket tunnels", problems)
    result["goals"], goal_lines = goals.judge(result, args.parts)
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
        held_line(f"streams ({args.streams} SSE streams held)", st, "stream", "goal: <= 1.00"),
        vs_line(f"tls keep-alive (wrk -t1 -c{args.connections}, TLS both sides)", tls["tls"], "req/s",
                 "goal: req/s >= 1.00, p99 <= 1.00"),
        vs_line(f"tls new connections (wrk -t1 -c{args.connections}, Connection: close)", tls["tls-handshakes"],
                 "conn/s", "goal: conn/s >= 0.90"),
        held_line(f"tls idle ({args.tls_idle} TLS connections, one request each, held)", ti, "connection",
                  "goal: <= 1.00"),
        f"sse latency ({args.latency_streams} streams x {lat['events_per_stream']} events"
        f"{'' if args.rounds == 1 else f' over {args.rounds} rounds'}, {fmt(args.latency_period, 'g')} ms apart): "
        f"direct p50 {fmt(lat['direct']['p50_us'], '.0f')} us p99 {fmt(lat['direct']['p99_us'], '.0f')} us | "
        f"reprise {fmt(lat['reprise']['added_p50_us'], '+.0f')} us (p99 {fmt(lat['reprise']['added_p99_us'], '+.0f')}) | "
        f"haproxy{' (http-no-delay)' if args.haproxy_no_delay else ''} "
        f"{fmt(lat['haproxy']['added_p50_us'], '+.0f')} us (p99 {fmt(lat['haproxy']['added_p99_us'], '+.0f')})",
    ] + mirror_lines(mir)
    lines += [line for part, line in (
        ("keepalive", vs_line(f"keepalive (wrk -t1 -c{args.connections}, reprise --threads 1 vs haproxy nbthread 1)",
                              ka, "req/s", "goal: req/s >= 1.15, p99 <= 1.00")),
        ("threads2", vs_line(f"threads2 (wrk -t2 -c{args.connections}, reprise --threads 2 vs haproxy nbthread 2)",
                             t2, "req/s", "goal: req/s >= 1.15")),
        ("recording", goals.recording_line(rec, args.connections)),
        ("ws-tunnels", held_line(f"ws-tunnels ({args.streams} WebSocket tunnels held)", ws, "tunnel", "goal: <= 1.00")),
    ) if part in args.parts]
    if args.compare:  # the throughput part compared before and after instead (the table below)
        lines = lines[2:]
    print("==== bench summary ====")
    for line in lines:
        print("  " + line)
    if table:
        print(f"  before/after (before: {args.compare}):\n")
        print(table + "\n")
    if goal_lines:
        print("  goals of issue [13]:")
    for line in goal_lines:
        print("    " + line)
    for p in problems:
        print("  PROBLEM: " + p)
    result["summary"] = lines + goal_lines
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
    if len(sys.argv) == 6 and sys.argv[1] == "mirror-run":
        d, name, r, tck = sys.argv[2:]
        print(mirror_run_line(mirror_run(d, name, int(r), int(tck)), name))
        return 0
    if len(sys.argv) == 9 and sys.argv[1] == "mirror":
        d, rounds, tck, delay, conns, duration, rate = sys.argv[2:]
        m = mirror(d, int(rounds), int(tck), delay, conns, duration, int(rate))
        print("\n".join(m["summary"]))
        for p in m["problems"]:
            print("PROBLEM: " + p)
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
    ap.add_argument("--held-rounds", type=int, default=1, help="rounds of the streams and ws-tunnels parts")
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
