"""`reprise replay`: each executor's shape as the upstream sees it (arrivals counted per second,
concurrency sampled), the open model under a stalled target (drops counted, latency from the
due time), shards that together send exactly what one run sends and merge into its summary,
SSE streams held for their recorded length, and every malformed input's exit code and line.
Captures and profiles are generated here; the upstream is harness.CountingUpstream unless the
test says otherwise."""
import collections
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ET

from harness import (BIN, CountingUpstream, demo_upstream, free_port, recorded_exchange, replay, write_capture,
                     write_profile)


def single_request_capture(path, sessions, prefix, gap_us=1000):
    """`sessions` sessions of one GET each, `prefix`/0, `prefix`/1, ... recorded `gap_us` apart."""
    return write_capture(path, [recorded_exchange(f"c0-{i + 1}", i * gap_us, "GET", f"{prefix}/{i}")
                                for i in range(sessions)])


class ReplayCase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="reprise-replay-test-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def profile(self, name, profile):
        return write_profile(self.path(name), profile)

    def upstream(self):
        up = CountingUpstream()
        self.addCleanup(up.close)
        return up

    def assertRan(self, run):
        self.assertEqual(run.returncode, 0, run)
        self.assertIsNotNone(run.summary, f"no summary written: {run}")

    def assertBuckets(self, got, expected, rel, floor=0, what="per-second count"):
        """Each bucket within `rel` of the expectation (or `floor` requests, the larger)."""
        self.assertEqual(len(got), len(expected))
        for k, (g, e) in enumerate(zip(got, expected)):
            self.assertLessEqual(abs(g - e), max(rel * e, floor), f"{what} second {k}: {got} against {expected}")


class ArrivalRateTest(ReplayCase):
    def test_constant_arrival_rate_holds_the_rate_every_second(self):
        up = self.upstream()
        capture = single_request_capture(self.path("c.jsonl"), 10, "/car")
        # A busy machine may stall the run for a moment: the VUs it then needs are there (maxVUs),
        # and whatever it still could not start is counted as dropped, never lost. The rate's
        # accuracy on a quiet machine is a benchmark figure (tests/bench/replay.sh), not asserted here.
        profile = self.profile("p.json", {"executor": "constant-arrival-rate", "rate": 2000, "timeUnit": "1s",
                                          "duration": "5s", "preAllocatedVUs": 50, "maxVUs": 2000})
        run = replay(capture, up.url, profile, timeout=30)
        self.assertRan(run)
        up.wait_quiet()
        s, c = run.summary, run.counters
        self.assertEqual((s["executor"], s["shard"]), ("constant-arrival-rate", [1, 1]))
        self.assertAlmostEqual(s["planned_iterations"], 10000, delta=1)
        self.assertEqual(c["iterations"] + c["dropped_iterations"], s["planned_iterations"])
        self.assertLess(c["dropped_iterations"], s["planned_iterations"] / 2, "only a stall of seconds drops")
        self.assertEqual(c["http_reqs"], up.count(), "the replayer's count is what the upstream received")
        self.assertEqual(c["http_reqs"], c["iterations"])
        self.assertEqual(run.status(200), up.count())
        self.assertBuckets(s["per_second"]["iterations"][:5], [2000] * 5, 0, floor=1 + c["dropped_iterations"],
                           what="iterations due")
        if c["dropped_iterations"] == 0:  # every iteration went: iteration n replays session n mod S
            planned = s["planned_iterations"]
            self.assertEqual(up.requests(), collections.Counter(
                {("GET", f"/car/{i}"): len(range(i, planned, 10)) for i in range(10)}))

    def test_time_scale_shrinks_the_run_and_keeps_the_rate(self):
        up = self.upstream()
        capture = single_request_capture(self.path("c.jsonl"), 3, "/ts")
        profile = self.profile("p.json", {"executor": "constant-arrival-rate", "rate": 100, "timeUnit": "1s",
                                          "duration": "10s", "preAllocatedVUs": 5, "maxVUs": 100})
        run = replay(capture, up.url, profile, "--time-scale", "0.2", timeout=30)
        self.assertRan(run)
        up.wait_quiet()
        s, c = run.summary, run.counters
        self.assertEqual(s["planned_iterations"], 200, "10 s × 0.2 = 2 s at the same 100/s")
        self.assertEqual(c["iterations"] + c["dropped_iterations"], 200)
        self.assertEqual(up.count(), c["iterations"])
        self.assertBuckets(s["per_second"]["iterations"][:2], [100, 100], 0, what="iterations due")
        self.assertLess(s["elapsed_s"], 8.0, "ended by the scaled 2 s, not the profile's 10 s")

    def test_ramping_arrival_rate_follows_the_integral(self):
        up = self.upstream()
        capture = single_request_capture(self.path("c.jsonl"), 10, "/rar")
        profile = self.profile("p.json", {"executor": "ramping-arrival-rate", "startRate": 0, "timeUnit": "1s",
                                          "stages": [{"duration": "4s", "target": 2000},
                                                     {"duration": "2s", "target": 2000}],
                                          "preAllocatedVUs": 50, "maxVUs": 2000})
        run = replay(capture, up.url, profile, timeout=30)
        self.assertRan(run)
        up.wait_quiet()
        # rate 500·t for 4 s, then 2000/s: the integral is 250·t², so second k holds 250·(2k+1)
        expected = [250, 750, 1250, 1750, 2000, 2000]
        s, c = run.summary, run.counters
        self.assertAlmostEqual(s["planned_iterations"], 8000, delta=1)
        self.assertEqual(c["iterations"] + c["dropped_iterations"], s["planned_iterations"])
        self.assertEqual(c["http_reqs"], up.count())
        self.assertEqual(c["http_reqs"], c["iterations"])
        # the schedule is exact; how closely the arrivals follow it is a benchmark figure
        self.assertBuckets(s["per_second"]["iterations"][:6], expected, 0, floor=2, what="iterations due")

    def test_open_model_drops_what_no_vu_can_take_and_times_from_the_due_time(self):
        up = self.upstream()
        capture = write_capture(self.path("c.jsonl"), [recorded_exchange("c0-1", 0, "GET", "/slow?ms=2000")])
        profile = self.profile("p.json", {"executor": "constant-arrival-rate", "rate": 20, "timeUnit": "1s",
                                          "duration": "2s", "preAllocatedVUs": 5, "maxVUs": 5})
        run = replay(capture, up.url, profile, timeout=30)
        self.assertRan(run)
        s, c = run.summary, run.counters
        # due every 50 ms; the five VUs are all held by the stalled target until after the end
        # (on a machine that stalls the run past 2 s, a VU freed then may still take a late due
        # iteration: five is the least, and what was not run is dropped, never lost)
        self.assertEqual(s["planned_iterations"], 40)
        self.assertGreaterEqual(up.count(), 5, up.arrivals)
        self.assertLessEqual(up.count(), 10, up.arrivals)
        self.assertEqual(c["http_reqs"], up.count())
        self.assertEqual(c["iterations"], up.count())
        self.assertEqual(c["iterations"] + c["dropped_iterations"], 40)
        self.assertEqual(s["vus_max"], 5)
        self.assertEqual(sum(s["per_second"]["iterations"]), 40, "dropped iterations are still due in their second")
        times = [a[0] for a in up.arrivals[:5]]
        for k, t in enumerate(times):  # the five free VUs go at the first five due times
            self.assertAlmostEqual(t - times[0], k * 0.05, delta=0.15, msg="sent at the due times")
        duration = s["histograms"]["http_req_duration"]
        self.assertEqual(duration["count"], up.count())
        self.assertGreaterEqual(duration["min"], 2_000_000, "the stall shows in the latency")

    def test_5000_per_second_for_20_seconds_against_the_demo_service(self):
        with demo_upstream("--log-level", "warn") as demo:
            capture = single_request_capture(self.path("c.jsonl"), 20, "/replay/load")
            profile = self.profile("p.json", {"executor": "constant-arrival-rate", "rate": 5000, "timeUnit": "1s",
                                              "duration": "20s", "preAllocatedVUs": 100, "maxVUs": 2000})
            run = replay(capture, f"http://127.0.0.1:{demo.port}", profile, "--threads", "1", timeout=60)
        self.assertRan(run)
        s, c = run.summary, run.counters
        self.assertAlmostEqual(s["planned_iterations"], 100_000, delta=1)
        self.assertEqual(c["iterations"] + c["dropped_iterations"], s["planned_iterations"])
        self.assertEqual(c["transport_errors"], 0)
        self.assertEqual(c["http_reqs"], c["iterations"])
        self.assertEqual(run.status(404), c["http_reqs"], "the demo answers 404 to an unknown path")
        self.assertEqual(c["http_req_failed"], c["http_reqs"])
        # the schedule is exact; the rate reached at the target is the benchmark's figure (README, Measured)
        self.assertBuckets(s["per_second"]["iterations"][:20], [5000] * 20, 0, floor=1, what="iterations due")
        self.assertLess(s["elapsed_s"], 20 + 30, "the run ends by its duration and gracefulStop")


class ClosedModelTest(ReplayCase):
    def test_constant_vus_waits_the_recorded_think_time(self):
        up = self.upstream()
        # one session: /think/a answered in 1 ms, then 200 ms of think time, then /think/b
        capture = write_capture(self.path("c.jsonl"), [
            recorded_exchange("c0-1", 0, "GET", "/think/a", dur_us=1000),
            recorded_exchange("c0-1", 201_000, "GET", "/think/b", dur_us=1000)])
        profile = self.profile("p.json", {"executor": "constant-vus", "vus": 10, "duration": "3s"})
        run = replay(capture, up.url, profile, timeout=30)
        self.assertRan(run)
        up.wait_quiet()
        # an iteration is 200 ms of think time plus two short exchanges: at most 15 start within 3 s
        # on each of the 10 VUs (the 16th would start after 15 x 200 ms = 3 s; a busy machine
        # starts fewer), and every one started finishes
        requests = up.requests()
        self.assertEqual(requests[("GET", "/think/a")], requests[("GET", "/think/b")], "every iteration finished")
        self.assertLessEqual(up.count(), 300, "10 VUs x 15 iterations x 2 requests")
        self.assertGreaterEqual(up.count(), 20, "every VU ran")
        self.assertEqual(run.counters["http_reqs"], up.count())
        self.assertEqual(run.counters["iterations"], up.count() // 2)
        by_connection = collections.defaultdict(list)
        for t, _, target, _, conn in up.arrivals:
            by_connection[conn].append((t, target))
        self.assertEqual(len(by_connection), 10, "each VU holds one keep-alive connection")
        for seen in by_connection.values():
            for (t1, first), (t2, second) in zip(seen, seen[1:]):
                if first == "/think/a":
                    self.assertEqual(second, "/think/b")
                    self.assertGreaterEqual(t2 - t1, 0.195)
                    self.assertLess(t2 - t1, 0.39, "one think time, not two")

    def test_ramping_vus_concurrency_follows_the_stages(self):
        up = self.upstream()
        capture = write_capture(self.path("c.jsonl"),
                                [recorded_exchange("c0-1", 0, "GET", "/slow?ms=200", dur_us=200_000)])
        profile = self.profile("p.json", {"executor": "ramping-vus", "startVUs": 0,
                                          "stages": [{"duration": "1s", "target": 20}, {"duration": "1s", "target": 20},
                                                     {"duration": "1s", "target": 0}]})
        run = replay(capture, up.url, profile, timeout=30)
        self.assertRan(run)
        up.wait_quiet()
        self.assertEqual(up.active_peak, 20)
        self.assertEqual(run.summary["vus_max"], 20)
        self.assertEqual(run.counters["http_reqs"], up.count())
        start = up.arrivals[0][0] - 0.05  # the first VU is wanted once 20·t reaches 1
        # (seconds into the run, fewest, most): up 20/s, hold, down 20/s with each VU above the
        # target finishing its 200 ms iteration. On a quiet machine the counts sit within ±2 of the
        # schedule; the fewest here leave room for a busy one, whose VUs lag between iterations.
        for at, low, high in [(0.25, 1, 7), (0.5, 4, 12), (0.75, 8, 17), (1.25, 12, 20), (1.5, 12, 20),
                              (1.75, 12, 20), (2.5, 5, 15), (4.0, 0, 0)]:
            self.assertTrue(low <= up.active_at(start + at) <= high,
                            f"{up.active_at(start + at)} requests open at {at} s, wanted {low}..{high}")

    def test_per_vu_iterations_runs_exactly_vus_times_iterations(self):
        up = self.upstream()
        capture = write_capture(self.path("c.jsonl"),
                                [recorded_exchange(f"c0-{s}", i * 1000 + s * 100, "GET", f"/pvi/{s}/{i}")
                                 for s in (1, 2) for i in range(4)])
        profile = self.profile("p.json", {"executor": "per-vu-iterations", "vus": 7, "iterations": 3,
                                          "thinkTime": "0s", "maxDuration": "20s"})
        run = replay(capture, up.url, profile, timeout=30)
        self.assertRan(run)
        up.wait_quiet()
        self.assertEqual(up.count(), 7 * 3 * 4)
        self.assertEqual((run.counters["iterations"], run.counters["http_reqs"]), (21, 84))
        by_connection = collections.defaultdict(list)
        for _, _, target, _, conn in up.arrivals:
            by_connection[conn].append(target)
        self.assertEqual(sorted(len(t) for t in by_connection.values()), [12] * 7)
        for targets in by_connection.values():
            for k in range(0, 12, 4):
                session = targets[k].split("/")[2]
                self.assertEqual(targets[k:k + 4], [f"/pvi/{session}/{i}" for i in range(4)], "recorded order")


class ReplayTimingTest(ReplayCase):
    def test_requests_arrive_at_recorded_offsets_divided_by_speed(self):
        up = self.upstream()
        capture = write_capture(self.path("c.jsonl"), [
            recorded_exchange("a", 0, "GET", "/rt/a0"), recorded_exchange("a", 400_000, "GET", "/rt/a1"),
            recorded_exchange("a", 800_000, "GET", "/rt/a2"),
            recorded_exchange("b", 200_000, "GET", "/rt/b0"), recorded_exchange("b", 600_000, "POST", "/rt/b1",
                                                                                body='{"n":1}'),
            # answered in 1 ms when recorded, but 500 ms now: the next request waits for the answer
            recorded_exchange("c", 100_000, "GET", "/slow?ms=500"), recorded_exchange("c", 300_000, "GET", "/rt/c1")])
        profile = self.profile("p.json", {"executor": "replay-timing"})
        run = replay(capture, up.url, profile, "--speed", "2", timeout=30)
        self.assertRan(run)
        up.wait_quiet()
        arrived = {target: t for t, _, target, _, _ in up.arrivals}
        self.assertEqual(len(arrived), 7, up.arrivals)
        start = arrived["/rt/a0"]
        expected = {"/rt/a0": 0, "/rt/a1": 0.2, "/rt/a2": 0.4, "/rt/b0": 0.1, "/rt/b1": 0.3, "/slow?ms=500": 0.05,
                    "/rt/c1": 0.55}
        # within 30 ms on a quiet machine (tests/bench); room here for a busy one
        for target, offset in expected.items():
            self.assertAlmostEqual(arrived[target] - start, offset, delta=0.1, msg=target)
        self.assertGreaterEqual(arrived["/rt/c1"] - arrived["/slow?ms=500"], 0.5, "c1 waited for the slow answer")
        order = [target for _, _, target, _, _ in up.arrivals]
        for session in (["/rt/a0", "/rt/a1", "/rt/a2"], ["/rt/b0", "/rt/b1"], ["/slow?ms=500", "/rt/c1"]):
            self.assertEqual([t for t in order if t in session], session)
        body = [a[3] for a in up.arrivals if a[2] == "/rt/b1"][0]
        self.assertEqual(body, b'{"n":1}')
        self.assertEqual((run.counters["iterations"], run.counters["http_reqs"]), (3, 7))


def shard_capture(path):
    """30 sessions 20 ms apart, one GET each; every fifth also POSTs."""
    records = []
    for i in range(30):
        records.append(recorded_exchange(f"c0-{i + 1}", i * 20_000, "GET", f"/shard/{i:02d}?x={i}"))
        if i % 5 == 0:
            records.append(recorded_exchange(f"c0-{i + 1}", i * 20_000 + 5000, "POST", f"/shard/{i:02d}/more",
                                             body=f'{{"i":{i}}}'))
    return write_capture(path, records)


class EndOfRunTest(ReplayCase):
    def test_requests_cut_by_the_end_of_the_run_are_interrupted_not_failed(self):
        up = self.upstream()
        capture = write_capture(self.path("c.jsonl"), [recorded_exchange("c0-1", 0, "GET", "/slow?ms=5000")])
        profile = self.profile("p.json", {"executor": "constant-arrival-rate", "rate": 10, "timeUnit": "1s",
                                          "duration": "500ms", "preAllocatedVUs": 10, "gracefulStop": "300ms"})
        run = replay(capture, up.url, profile, timeout=20)
        self.assertRan(run)
        c = run.counters
        self.assertEqual((c["http_reqs"], c["interrupted"]), (5, 5))
        self.assertEqual((c["http_req_failed"], c["transport_errors"], c["iterations"]), (0, 0, 0))
        self.assertEqual(c["interrupted_iterations"], 5)
        self.assertLess(run.elapsed, 4.5, "cut at duration + gracefulStop, not when the target answers at 5 s")


class FlowTest(ReplayCase):
    def test_flows_that_wait_on_each_other_go_on_when_an_answer_lacks_the_value(self):
        # User grouping joins connection A (login, then a room B made) and B (makes the room with
        # A's token). Live answers carry neither value: each waiting request must go on with the
        # recorded value once the answer that should have handed it out has come.
        up = self.upstream()
        token, room = "tok_0123456789abcdef", "room-77aa88bb"
        auth = [["Host", "recorded.test"], ["Authorization", f"Bearer {token}"]]
        capture = write_capture(self.path("c.jsonl"), [
            recorded_exchange("a", 0, "POST", "/login", res_body=f'{{"access_token":"{token}"}}', dur_us=100),
            recorded_exchange("b", 1000, "POST", "/rooms", headers=auth, res_body=f'{{"room":"{room}"}}',
                              dur_us=100),
            recorded_exchange("a", 2000, "GET", f"/rooms/{room}", headers=auth),
        ])
        profile = self.profile("p.json", {"executor": "replay-timing"})
        run = replay(capture, up.url, profile, timeout=20)
        self.assertRan(run)
        up.wait_quiet()
        self.assertEqual(up.requests(), collections.Counter(
            {("POST", "/login"): 1, ("POST", "/rooms"): 1, ("GET", f"/rooms/{room}"): 1}))
        self.assertEqual(run.summary["sessions"], 1, "the two connections are one user")
        self.assertLess(run.elapsed, 5.0)


    def test_a_user_named_by_another_flow_exists_before_the_request_naming_it_goes(self):
        # alice logs in; bob registers on his own connection (with alice's token, which makes the
        # two one group), 1 ms later alice searches for bob. Live, bob's registration takes 300 ms:
        # the search waits for its answer, as in the recording, instead of finding no bob.
        up = self.upstream()
        token = "tok_0123456789abcdef"
        auth = [["Authorization", f"Bearer {token}"]]
        capture = write_capture(self.path("c.jsonl"), [
            recorded_exchange("a", 0, "POST", "/login", body='{"username":"alice"}',
                              res_body=f'{{"access_token":"{token}"}}', dur_us=100),
            recorded_exchange("b", 1000, "POST", "/slow?ms=300", headers=auth, body='{"username":"bob"}',
                              res_body='{"id":2,"username":"bob"}', dur_us=100),
            recorded_exchange("a", 2000, "GET", "/search?q=bob", headers=auth),
        ])
        profile = self.profile("p.json", {"executor": "replay-timing",
                                          "identities": {"template": {"username": "user{vu}x{iter}"}}})
        run = replay(capture, up.url, profile, timeout=20)
        self.assertRan(run)
        up.wait_quiet()
        arrived = {target.split("?")[0]: t for t, _, target, _, _ in up.arrivals}
        self.assertEqual(set(arrived), {"/login", "/slow", "/search"}, up.arrivals)
        searched = [target for _, _, target, _, _ in up.arrivals if target.startswith("/search")]
        self.assertNotIn("q=bob", searched[0], "bob's name is the copy's")
        self.assertGreaterEqual(arrived["/search"] - arrived["/slow"], 0.3, "searched before bob existed")


class ShardTest(ReplayCase):
    def run_sharded(self, capture, profile, timeout=30):
        """One run against one upstream, then shards 1/3, 2/3, 3/3 at once against three others."""
        single_up = self.upstream()
        single = replay(capture, single_up.url, profile, summary=self.path("single.json"), timeout=timeout)
        self.assertRan(single)
        single_up.wait_quiet()
        shard_ups = [self.upstream() for _ in range(3)]
        procs = []
        for i, up in enumerate(shard_ups, 1):
            procs.append(subprocess.Popen(
                [BIN, "replay", capture, "--target", up.url, "--profile", profile, "--shard", f"{i}/3",
                 "--summary", self.path(f"s{i}.json"), "--log-level", "warn"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True))
        try:
            for p in procs:
                _, err = p.communicate(timeout=timeout)
                self.assertEqual(p.returncode, 0, err)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        for up in shard_ups:
            up.wait_quiet()
        return single, single_up, shard_ups

    def merge(self):
        res = subprocess.run([BIN, "merge", *(self.path(f"s{i}.json") for i in (1, 2, 3)), "-o", self.path("m.json")],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(res.returncode, 0, res.stderr)
        with open(self.path("m.json")) as f:
            merged = json.load(f)
        shards = []
        for i in (1, 2, 3):
            with open(self.path(f"s{i}.json")) as f:
                shards.append(json.load(f))
        return merged, shards

    def test_replay_timing_shards_send_what_one_run_sends(self):
        capture = shard_capture(self.path("c.jsonl"))
        profile = self.profile("p.json", {"executor": "replay-timing"})
        single, single_up, shard_ups = self.run_sharded(capture, profile)
        self.assertEqual(single_up.count(), 36)
        union = collections.Counter()
        for up in shard_ups:
            union += up.requests()
            sessions = {target.split("/")[2][:2] for _, target in up.requests()}
            self.assertEqual(len(sessions), 10, "every third session of 30")
        self.assertEqual(union, single_up.requests())
        merged, shards = self.merge()
        self.assertEqual([s["shard"] for s in shards], [[1, 3], [2, 3], [3, 3]])
        self.assertEqual(merged["counters"], single.counters)
        self.assertEqual(merged["status"], single.summary["status"])

    def test_arrival_rate_shards_divide_the_rate_and_add_up_to_one_run(self):
        capture = shard_capture(self.path("c.jsonl"))
        profile = self.profile("p.json", {"executor": "constant-arrival-rate", "rate": 300, "timeUnit": "1s",
                                          "duration": "2s", "preAllocatedVUs": 10, "maxVUs": 50})
        single, single_up, shard_ups = self.run_sharded(capture, profile)
        self.assertEqual(single.counters["dropped_iterations"], 0)
        self.assertAlmostEqual(single.summary["planned_iterations"], 600, delta=1)
        union = collections.Counter()
        for up in shard_ups:
            union += up.requests()
            # 100 iterations/s each; every shard has two of its ten sessions with a second request
            self.assertBuckets(up.per_second(2), [120, 120], 0.1, what="a shard's arrivals")
        self.assertEqual(union, single_up.requests())
        merged, shards = self.merge()
        self.assertEqual(sum(s["planned_iterations"] for s in shards), single.summary["planned_iterations"])
        self.assertEqual(merged["counters"], single.counters)
        self.assertEqual(merged["status"], single.summary["status"])
        self.assertEqual(merged["per_second"]["iterations"], single.summary["per_second"]["iterations"])
        self.assertEqual(merged["histograms"]["http_req_duration"]["count"], single.counters["http_reqs"])
        self.assertEqual(merged["vus_max"], sum(s["vus_max"] for s in shards))
        self.assertEqual(merged["elapsed_s"], max(s["elapsed_s"] for s in shards))
        self.assertEqual((merged["requests_per_pass"], merged["sessions"], merged["merged"]),
                         (single.summary["requests_per_pass"], single.summary["sessions"], True))
        # the same shard twice, or a shard of another run, is refused with one line
        for files in ((self.path("s1.json"), self.path("s1.json")), (self.path("s1.json"), self.path("single.json"))):
            res = subprocess.run([BIN, "merge", *files, "-o", self.path("bad.json")], capture_output=True, text=True,
                                 timeout=30)
            self.assertEqual(res.returncode, 1, res)
            self.assertEqual(len(res.stderr.strip().splitlines()), 1, res.stderr)

    def test_a_shard_gets_a_share_of_the_vus_rounded_up(self):
        up = self.upstream()
        capture = single_request_capture(self.path("c.jsonl"), 2, "/share")
        profile = self.profile("p.json", {"executor": "constant-arrival-rate", "rate": 10, "timeUnit": "1s",
                                          "duration": "1s", "preAllocatedVUs": 1, "maxVUs": 1})
        run = replay(capture, up.url, profile, "--shard", "2/2", timeout=20)
        self.assertRan(run)
        self.assertEqual((run.counters["iterations"], run.counters["dropped_iterations"]), (5, 0))
        self.assertEqual(run.summary["vus_max"], 1)


class SseTest(ReplayCase):
    def test_each_vu_holds_its_stream_for_the_recorded_length(self):
        up = self.upstream()
        events = [(k * 200_000 + 50, 27) for k in range(5)]
        capture = write_capture(self.path("c.jsonl"), [
            recorded_exchange("c0-1", 0, "GET", "/events?n=5&every_ms=200", dur_us=1_000_000, sse_events=events)])
        profile = self.profile("p.json", {"executor": "per-vu-iterations", "vus": 20, "iterations": 1})
        run = replay(capture, up.url, profile, timeout=30)
        self.assertRan(run)
        up.wait_quiet()
        self.assertEqual(up.streams_peak, 20, "all twenty streams open at once")
        self.assertEqual(up.streams_open, 0, "the replayer closed every stream")
        self.assertEqual(len(up.streams), 20)
        for _, opened, closed in up.streams:
            self.assertGreaterEqual(closed - opened, 0.9)
            self.assertLess(closed - opened, 2.5, "held for the recorded second, not to the end of the run")
        first_open = min(opened for _, opened, _ in up.streams)
        self.assertEqual(up.active_at(first_open + 0.5), 20)
        c = run.counters
        self.assertEqual((c["sse_connections"], c["sse_events"], c["http_reqs"]), (20, 100, 20))
        ttfe = run.summary["histograms"]["sse_time_to_first_event"]
        self.assertEqual(ttfe["count"], 20)
        # from the request to the first event (sent with the head), not to the second 200 ms later
        self.assertLess(ttfe["min"], 200_000)


class MalformedInputTest(ReplayCase):
    def setUp(self):
        super().setUp()
        self.up = self.upstream()
        self.capture = single_request_capture(self.path("c.jsonl"), 2, "/m")
        self.good = self.profile("good.json", {"executor": "per-vu-iterations", "vus": 1, "iterations": 1})

    def run_replay(self, *args):
        return subprocess.run([BIN, "replay", *args], capture_output=True, text=True, timeout=30)

    def assertOneLine(self, res, code, *names):
        self.assertEqual(res.returncode, code, res.stderr)
        lines = [l for l in res.stderr.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, res.stderr)
        for name in names:
            self.assertIn(name, lines[0])

    def test_malformed_profiles_exit_1_naming_file_and_field(self):
        for name, profile, field in [
                ("bad-executor.json", {"executor": "warp-speed", "vus": 1}, "executor"),
                ("no-rate.json", {"executor": "constant-arrival-rate", "duration": "1s", "preAllocatedVUs": 1}, "rate")]:
            with self.subTest(profile=name):
                path = self.profile(name, profile)
                res = self.run_replay(self.capture, "--target", self.up.url, "--profile", path)
                self.assertOneLine(res, 1, name, field)
        self.assertEqual(self.up.count(), 0)

    def test_bad_shard_exits_1_naming_the_flag(self):
        for shard in ("0/3", "4/3", "x"):
            with self.subTest(shard=shard):
                res = self.run_replay(self.capture, "--target", self.up.url, "--profile", self.good, "--shard", shard)
                self.assertOneLine(res, 1, "--shard")
        self.assertEqual(self.up.count(), 0)

    def test_missing_capture_exits_1_naming_it(self):
        missing = self.path("no-such-capture.jsonl")
        res = self.run_replay(missing, "--target", self.up.url, "--profile", self.good)
        self.assertOneLine(res, 1, "no-such-capture.jsonl")

    def test_unreachable_target_exits_2(self):
        port = free_port()
        res = self.run_replay(self.capture, "--target", f"http://127.0.0.1:{port}", "--profile", self.good,
                              "--log-level", "warn")
        self.assertOneLine(res, 2, str(port))

    def test_good_input_runs(self):
        res = self.run_replay(self.capture, "--target", self.up.url, "--profile", self.good)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(self.up.count(), 1)


if __name__ == "__main__":
    unittest.main()


class ThresholdTest(ReplayCase):
    """k6's thresholds judged at the end of a replay and of a merge: exit 99 on a breach."""

    def test_passing_thresholds_exit_0_and_are_in_the_summary(self):
        up = self.upstream()
        capture = single_request_capture(self.path("c.jsonl"), 20, "/ok")
        profile = self.profile("p.json", {"executor": "replay-timing",
                                          "thresholds": {"http_req_failed": ["rate<0.01"],
                                                         "http_req_duration": ["p(95)<1000", "max<2000"],
                                                         "http_reqs": ["count==20"]}})
        run = replay(capture, up.url, profile, timeout=20)
        self.assertEqual(run.returncode, 0, run)
        verdicts = run.summary["verdicts"]
        self.assertEqual(len(verdicts), 4)
        self.assertTrue(all(v["ok"] for v in verdicts), verdicts)
        self.assertIn("all thresholds passed", run.stdout)

    def test_a_breached_threshold_on_a_route_tag_exits_99(self):
        up = self.upstream()
        capture = write_capture(self.path("c.jsonl"), [
            recorded_exchange(f"c0-{i}", i * 1000, "GET", "/slow?ms=200" if i % 2 else f"/fast/{i}")
            for i in range(10)])
        profile = self.profile("p.json", {
            "executor": "replay-timing", "routes": {"Slow": "GET /slow"},
            "thresholds": {"http_req_duration{name:Slow}": ["p(50)<100"],
                           "http_req_duration{name:/fast/{id}}": ["p(50)<100"],
                           "http_req_duration{name:Missing}": ["p(50)<100"]}})
        run = replay(capture, up.url, profile, "--junit", self.path("j.xml"), timeout=20)
        self.assertEqual(run.returncode, 99, run)
        verdicts = {v["threshold"]: v for v in run.summary["verdicts"]}
        suite = ET.parse(self.path("j.xml")).getroot().find("testsuite")  # a real XML parser reads it
        self.assertEqual((suite.get("tests"), suite.get("failures")), ("3", "2"))
        failed = {case.get("classname") for case in suite.iter("testcase") if case.find("failure") is not None}
        self.assertEqual(failed, {"http_req_duration{name:Slow}", "http_req_duration{name:Missing}"})
        slow = verdicts["http_req_duration{name:Slow}"]
        self.assertFalse(slow["ok"])
        self.assertAlmostEqual(slow["actual"], 200, delta=60, msg="milliseconds, as k6 judges them")
        self.assertTrue(verdicts["http_req_duration{name:/fast/{id}}"]["ok"], "untagged requests: their folded path")
        self.assertEqual((verdicts["http_req_duration{name:Missing}"]["ok"], verdicts["http_req_duration{name:Missing}"]["actual"]),
                         (False, None), "nothing measured fails")
        self.assertEqual(run.summary["tags"]["Slow"]["http_reqs"], 5)
        self.assertIn("THRESHOLDS FAILED", run.stdout)

    def test_thresholds_filter_by_method_and_status(self):
        up = self.upstream()
        capture = write_capture(self.path("c.jsonl"), [
            recorded_exchange(f"c0-{i}", i * 1000, "GET", f"/fast/{i}") for i in range(6)] + [
            recorded_exchange(f"c1-{i}", i * 1000, "POST", "/status/503") for i in range(4)])
        profile = self.profile("p.json", {"executor": "replay-timing", "thresholds": {
            "http_reqs{method:POST}": ["count==4"],
            "http_reqs{status:503}": ["count==4"],
            "http_req_failed{method:GET}": ["rate==0"],
            "http_req_failed{method:POST,status:503}": ["rate==1"],
            "http_reqs{name:/fast/{id},method:GET,status:200}": ["count==6"],
            "http_reqs{status:200}": ["count==5"]}})
        run = replay(capture, up.url, profile, timeout=20)
        self.assertEqual(run.returncode, 99, run)
        verdicts = {v["threshold"]: v for v in run.summary["verdicts"]}
        self.assertEqual({t for t, v in verdicts.items() if not v["ok"]}, {"http_reqs{status:200}"}, verdicts)
        self.assertEqual(verdicts["http_reqs{status:200}"]["actual"], 6)
        by = run.summary["tags"]["/status/{id}"]["by"]
        self.assertEqual([(b["method"], b["status"], b["http_reqs"]) for b in by], [("POST", 503, 4)])

    def test_the_summary_holds_a_timeline_that_adds_up_to_the_run(self):
        up = self.upstream()
        capture = write_capture(self.path("c.jsonl"), [recorded_exchange("c0-1", 0, "GET", "/slow?ms=50"),
                                                       recorded_exchange("c0-2", 10, "GET", "/fast/1")])
        profile = self.profile("p.json", {"executor": "constant-arrival-rate", "rate": 40, "timeUnit": "1s",
                                          "duration": "4s", "preAllocatedVUs": 10, "routes": {"Slow": "GET /slow"}})
        run = replay(capture, up.url, profile, timeout=30)
        points = run.summary["timeline"]
        self.assertIn(len(points), range(4, 7), "a point a second, and the last part")
        self.assertEqual([p["t"] for p in points], sorted(p["t"] for p in points))
        self.assertEqual(sum(p["http_reqs"] for p in points), run.counters["http_reqs"])
        self.assertEqual(sum(p["iterations"] for p in points), run.counters["iterations"])
        slow = [p["tags"]["Slow"] for p in points if "Slow" in p["tags"]]
        self.assertEqual(sum(s["http_reqs"] for s in slow), run.summary["tags"]["Slow"]["http_reqs"])
        self.assertEqual(sum(s["http_req_duration"]["count"] for s in slow),
                         run.summary["tags"]["Slow"]["http_req_duration"]["count"])
        self.assertTrue(all(s["http_req_duration"]["min"] >= 50_000 for s in slow if s["http_req_duration"]["count"]),
                        "each interval's own latencies: the slow route takes 50 ms")
        self.assertTrue(any(p["vus"] > 0 for p in points[:-1]), "VUs busy while the run goes")
        self.assertEqual(points[-1]["vus"], 0, "none at the end")

    def test_merge_judges_the_thresholds_on_the_merged_figures(self):
        up = self.upstream()
        capture = single_request_capture(self.path("c.jsonl"), 12, "/m")
        profile = self.profile("p.json", {"executor": "replay-timing", "thresholds": {"http_reqs": ["count==12"]}})
        for i in (1, 2):
            run = replay(capture, up.url, profile, "--shard", f"{i}/2", summary=self.path(f"s{i}.json"), timeout=20)
            self.assertEqual(run.returncode, 99, "each shard alone sends 6, not 12")
        res = subprocess.run([BIN, "merge", self.path("s1.json"), self.path("s2.json"), "-o", self.path("m.json")],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(res.returncode, 0, res)
        with open(self.path("m.json")) as f:
            merged = json.load(f)
        self.assertEqual([v["ok"] for v in merged["verdicts"]], [True])
        self.assertEqual(sum(p["http_reqs"] for p in merged["timeline"]), 12, "the shards' timelines added up")

    def test_abort_on_fail_cuts_the_run_after_its_delay(self):
        up = self.upstream()
        capture = write_capture(self.path("c.jsonl"), [recorded_exchange("c0-1", 0, "GET", "/slow?ms=300")])
        for delay, at_least in (("0s", 1.0), ("3s", 3.0)):
            profile = self.profile(f"p{delay}.json", {
                "executor": "constant-arrival-rate", "rate": 20, "timeUnit": "1s", "duration": "20s",
                "preAllocatedVUs": 20, "maxVUs": 50, "gracefulStop": "1s",
                "thresholds": {"http_req_duration": [{"threshold": "p(95)<100", "abortOnFail": True,
                                                      "delayAbortEval": delay}],
                               "http_reqs": ["count>0"]}})
            run = replay(capture, up.url, profile, timeout=30)
            self.assertEqual(run.returncode, 99, run)
            self.assertIn("abortOnFail", run.summary.get("cut_because", ""), run.summary.get("cut_because"))
            self.assertGreaterEqual(run.summary["elapsed_s"], at_least, f"not before delayAbortEval {delay}")
            self.assertLess(run.summary["elapsed_s"], at_least + 4.0, "cut long before the 20 s the profile asks")
            self.assertLess(run.counters["http_reqs"], 20 * (at_least + 4))


class MetricsEndpointTest(ReplayCase):
    def test_metrics_are_served_in_prometheus_format_while_the_run_goes(self):
        from prometheus_client.parser import text_string_to_metric_families  # Debian's python3-prometheus-client
        import threading
        import urllib.request
        up = self.upstream()
        capture = write_capture(self.path("c.jsonl"), [recorded_exchange("c0-1", 0, "GET", "/slow?ms=20"),
                                                       recorded_exchange("c0-2", 10, "GET", "/fast/1")])
        profile = self.profile("p.json", {"executor": "constant-arrival-rate", "rate": 50, "timeUnit": "1s",
                                          "duration": "4s", "preAllocatedVUs": 10, "routes": {"Slow": "GET /slow"}})
        port = free_port()
        result = {}
        runner = threading.Thread(target=lambda: result.setdefault(
            "run", replay(capture, up.url, profile, "--metrics", f"127.0.0.1:{port}", timeout=30)))
        runner.start()
        text = None
        for _ in range(40):  # the endpoint opens at start; figures come once a second
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as res:
                    self.assertIn("text/plain", res.headers["Content-Type"])
                    text = res.read().decode()
                if "reprise_http_reqs_total{" in text and "Slow" in text:
                    break
            except OSError:
                pass  # not listening yet
            threading.Event().wait(0.1)
        runner.join(30)
        self.assertEqual(result["run"].returncode, 0, result["run"])
        self.assertIsNotNone(text, "never answered")
        families = {f.name: f for f in text_string_to_metric_families(text)}
        self.assertEqual(families["reprise_http_reqs"].type, "counter")
        reqs = {s.labels["name"]: s.value for s in families["reprise_http_reqs"].samples}
        self.assertGreater(reqs["Slow"], 0)
        self.assertIn("/fast/{id}", reqs)
        duration = families["reprise_http_req_duration_seconds"]
        self.assertEqual(duration.type, "histogram")
        slow = [s for s in duration.samples if s.labels.get("name") == "Slow"]
        buckets = [(float(s.labels["le"]), s.value) for s in slow if s.name.endswith("_bucket")]
        self.assertEqual(buckets, sorted(buckets), "cumulative buckets")
        count = next(s.value for s in slow if s.name.endswith("_count"))
        self.assertEqual(buckets[-1], (float("inf"), count))
        self.assertEqual(dict(buckets)[0.01], 0, "nothing under 10 ms: the slow route takes 20 ms")
        self.assertEqual(dict(buckets)[0.25], count)
        for name in ("reprise_iterations", "reprise_vus", "reprise_sse_connections", "reprise_data_sent_bytes"):
            self.assertIn(name, families)


class PercentileTest(ReplayCase):
    def test_percentiles_of_a_known_latency_distribution_within_1_percent(self):
        # 20 requests whose answers take 1000, 1400, ..., 8600 ms; all due at once (replay-timing).
        # The percentiles the replayer reports (through its verdicts, in ms) are the distribution's
        # nearest-rank percentiles: never under them by more than the histogram's error (0.4 %),
        # and over them by less than the 400 ms between two ranks, however busy the machine is
        # (a busy machine adds time to every request; it cannot make one take another's rank).
        up = self.upstream()
        delays = [1000 + 400 * i for i in range(20)]
        capture = write_capture(self.path("c.jsonl"), [recorded_exchange(f"c0-{i}", i, "GET", f"/slow?ms={d}")
                                                       for i, d in enumerate(delays)])
        wanted = {"p(50)": 50, "p(90)": 90, "p(99)": 99, "med": 50, "max": 100, "min": 0}
        profile = self.profile("p.json", {"executor": "replay-timing",
                                          "thresholds": {"http_req_duration": [f"{a}<100000" for a in wanted]}})
        run = replay(capture, up.url, profile, timeout=30)
        self.assertEqual(run.returncode, 0, run)
        measured = {v["condition"].split("<")[0]: v["actual"] for v in run.summary["verdicts"]}
        for aggregation, p in wanted.items():
            rank = max(1, -(-p * len(delays) // 100))  # nearest rank, as k6 and HDR
            expected = sorted(delays)[rank - 1]
            msg = f"{aggregation}: {measured[aggregation]} ms against {expected} ms"
            self.assertGreaterEqual(measured[aggregation], expected * 0.996, msg)
            self.assertLess(measured[aggregation], expected + 400, msg)
