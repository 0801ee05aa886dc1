"""Issue [13]'s goals for report.py's summary (imported, not run): the recording part's figures
(run.sh's `recording`: reprise plain against reprise --record, ab_compare) and one verdict line per
goal, "<goal>: <figure> (goal <op> <limit>): met|not met". It reads only what run.sh left in its
work directory and prints nothing; the other parts' figures come from report.py (vs_haproxy, held).
A goal not met is not a problem; records dropped, or records that do not add up, are."""
import os
import re

from bench_common import contender, fmt, median, parse_wrk, per_round, ratio, read_json, read_text

# (result key, figure key, label, op, limit, unit); the result key is run.sh's part name with _ for -
GOALS = (
    ("keepalive", "rps_ratio", "keep-alive req/s, reprise/haproxy (1 thread each, wrk -c64)", ">=", 1.15, "x"),
    ("keepalive", "p99_ratio", "keep-alive p99, reprise/haproxy", "<=", 1.0, "x"),
    ("threads2", "rps_ratio", "2 threads req/s, reprise/haproxy (nbthread 2, wrk -t2)", ">=", 1.15, "x"),
    ("recording", "rps_ratio", "recording req/s, --record/plain", ">=", 0.95, "x"),
    ("recording", "dropped", "records dropped", "=", 0, ""),
    ("streams", "reprise_vs_haproxy", "memory per held SSE stream, reprise/haproxy", "<=", 1.0, "x"),
    ("ws_tunnels", "reprise_vs_haproxy", "memory per held WebSocket tunnel, reprise/haproxy", "<=", 1.0, "x"),
)


def met(x, op, limit):
    if x is None:
        return None
    return x >= limit if op == ">=" else x <= limit if op == "<=" else x == limit


def judge(result, parts):
    """The goals of the parts that ran: a list of {goal, figure, op, limit, met} and their lines."""
    goals, lines = [], []
    for key, fig, label, op, limit, unit in GOALS:
        part = result.get(key) or {}
        if key.replace("_", "-") not in parts or part.get("skipped"):
            continue
        x = part.get(fig)
        ok = met(x, op, limit)
        text = "n/a" if x is None else f"{x:.2f}{unit}" if unit else f"{x:g}"
        want = f"{limit:.2f}{unit}" if unit else f"{limit:g}"
        verdict = "not measured" if ok is None else "met" if ok else "not met"
        goals.append({"goal": label, "figure": x, "op": op, "limit": limit, "met": ok})
        lines.append(f"{label}: {text} (goal {op} {want}): {verdict}")
    return goals, lines


def recording(work, parts, conns, problems):
    """reprise plain against reprise --record: medians (WORK/recording/medians.json), the ratios, the
    recorder's exit line (written, dropped) and whether the records add up to the requests wrk had
    answered (its rounds, its warm-up and the one GET of the check): written + dropped may exceed them
    by the requests still in flight when each wrk run stopped, at most BENCH_CONNECTIONS per run."""
    if "recording" not in parts:
        return {"skipped": True}
    d = os.path.join(work, "recording")
    m = read_json(os.path.join(d, "medians.json"))
    if m is None:
        problems.append("recording: not measured")
        return {}
    fig, runs = m["contenders"], m["runs"]
    plain, rec = fig["plain"], fig["recording"]
    each = [ratio(r.get("rps"), p.get("rps")) for p, r in zip(runs["plain"], runs["recording"])]
    out = {"rounds": m["rounds"], "plain": plain, "recording": rec,
           "rps_ratio": ratio(rec["rps"], plain["rps"]), "rps_ratio_per_round": each,
           "rps_ratio_round_median": median(each), "p99_ratio": ratio(rec["p99_ms"], plain["p99_ms"]),
           "cpu_ratio": ratio(rec["cpu_us_per_req"], plain["cpu_us_per_req"]), "dropped": None}
    if plain["errors"] or rec["errors"]:
        problems.append(f"recording: socket errors or non-2xx responses (plain {plain['errors']}, "
                        f"recording {rec['errors']})")
    found = re.search(r"(\d+) exchanges written, (\d+) dropped",
                      read_text(os.path.join(work, "recording-recording", "reprise.log")))
    if not found:
        problems.append("recording: the proxy did not report what it wrote")
        return out
    written, dropped = int(found.group(1)), int(found.group(2))
    warm_reqs = parse_wrk(read_text(os.path.join(d, "warmup-recording.txt"))).get("requests")
    answered = None if warm_reqs is None else rec["requests"] + warm_reqs + 1
    in_flight = None if answered is None else written + dropped - answered
    counts = read_text(os.path.join(d, "capture-lines.txt")).split()
    lines, gaps = (int(counts[0]), int(counts[1])) if len(counts) >= 2 else (None, None)
    out.update(written=written, dropped=dropped, wrk_answered=answered, in_flight_at_stops=in_flight,
               wrk_runs=m["rounds"] + 1, capture_lines=lines, capture_gap_lines=gaps)
    out["adds_up"] = in_flight is not None and 0 <= in_flight <= conns * out["wrk_runs"]
    if dropped:
        problems.append(f"recording: {dropped} records dropped")
    if not out["adds_up"]:
        problems.append(f"recording: {written} written + {dropped} dropped does not add up to the {answered} "
                        f"requests wrk had answered (+ at most {conns} in flight at each of its "
                        f"{out['wrk_runs']} stops)")
    if lines is not None and lines != 1 + written + gaps:
        problems.append(f"recording: the capture has {lines} lines, not 1 + {written} records + {gaps} gap lines")
    return out


def recording_line(r, conns):
    """The summary's line of the recording part."""
    if not r or r.get("skipped"):
        return "recording (plain vs --record): not measured"
    p, c = r["plain"], r["recording"]
    return (f"recording (reprise --threads 1 plain vs --record, median of {r['rounds']}): {contender('plain', p)} | "
            f"{contender('--record', c)} | "
            f"--record/plain req/s {fmt(r['rps_ratio'], '.2f')}, per round {per_round(r['rps_ratio_per_round'])}, "
            f"cpu {fmt(r['cpu_ratio'], '.2f')} | "
            f"records: {fmt(r.get('written'), ',')} written, {fmt(r.get('dropped'), ',')} dropped; wrk had "
            f"{fmt(r.get('wrk_answered'), ',')} answered, {fmt(r.get('in_flight_at_stops'), ',')} more in flight at "
            f"its {r.get('wrk_runs', 'n/a')} stops (at most {conns} each): "
            f"{'adds up' if r.get('adds_up') else 'does NOT add up'}")
