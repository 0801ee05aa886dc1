"""docker/k8s's sharded replay, run as Kubernetes would run it but without a cluster: both Jobs'
fields checked against the Kubernetes API's models (k8s_manifest.py), then (k8s_job.py) the
Indexed Job's pods side by side, each with its JOB_COMPLETION_INDEX, TARGET patched to a
fresh built-in chat service on loopback, the ConfigMap holding captures/seed-auth.jsonl and
profiles/auth-replay.json (replay-timing: every session once, so every count is exact), then the
merge Job. The merged summary must add up to one unsharded run of the same capture and profile
against another fresh service: requests, iterations, sessions, statuses per route and per recorded
request. Durations differ from run to run and are not compared. A shard's own breach does not
fail its pod; the merged run's fails the merge Job. It must not assume what the manifests say
(N, paths, names): it reads them."""
import json
import os
import shutil
import tempfile
import unittest

from harness import BIN, SOURCE, demo_upstream, replay
from k8s_job import LocalCluster
from k8s_manifest import load_objects

K8S = os.path.join(SOURCE, "docker/k8s")
CAPTURE = os.path.join(SOURCE, "captures/seed-auth.jsonl")
PROFILE = os.path.join(SOURCE, "profiles/auth-replay.json")
CONFIG_MAP = "reprise-replay"  # the name the manifest's `kubectl create configmap` gives
TIMEOUT = 60.0


def figures(summary):
    """What one run and the merge of its shards agree on exactly."""
    counters = ("http_reqs", "iterations", "http_req_failed", "unexpected_status", "transport_errors", "interrupted",
                "interrupted_iterations", "dropped_iterations")
    return {
        "counters": {k: summary["counters"][k] for k in counters},
        "status": summary["status"],
        "sessions": summary["sessions"],
        "requests_per_pass": summary["requests_per_pass"],
        "planned_iterations": summary["planned_iterations"],
        "latencies": summary["histograms"]["http_req_duration"]["count"],
        "tags": {name: (t["http_reqs"], t["http_req_failed"],
                        sorted((b["method"], b["status"], b["http_reqs"]) for b in t["by"]))
                 for name, t in summary["tags"].items()},
        "steps": {s["step"]: s["replayed"] for s in summary["steps"]},
    }


def claim_name(job):
    [claim] = [v["persistentVolumeClaim"]["claimName"] for v in job["spec"]["template"]["spec"]["volumes"]
               if "persistentVolumeClaim" in v]
    return claim


class ShardJobTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="reprise-k8s-test-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.replay_job = load_objects(os.path.join(K8S, "replay-shards.yaml"), "Job")["reprise-replay"]
        self.merge_job = load_objects(os.path.join(K8S, "merge-shards.yaml"), "Job")["reprise-merge"]
        self.bin = os.path.join(self.dir, "bin")  # the image's /usr/local/bin: `reprise` is the built binary
        os.makedirs(self.bin)
        os.symlink(os.path.abspath(BIN), os.path.join(self.bin, "reprise"))

    def path(self, name):
        return os.path.join(self.dir, name)

    def profile_with(self, thresholds):
        """The shipped profile with more thresholds, as a user's own profile.json would be."""
        with open(PROFILE) as f:
            profile = json.load(f)
        profile["thresholds"].update(thresholds)
        with open(self.path("profile.json"), "w") as f:
            json.dump(profile, f)
        return self.path("profile.json")

    def run_jobs(self, profile):
        """The replay Job against a fresh service, then the merge Job: (cluster, its pods, merge pod)."""
        cluster = LocalCluster(self.path("cluster"), [self.bin],
                               {CONFIG_MAP: {"capture.jsonl": CAPTURE, "profile.json": profile}})
        with demo_upstream() as up:
            pods = cluster.run_job(self.replay_job, {"TARGET": f"http://127.0.0.1:{up.port}"}, timeout=TIMEOUT)
        for pod in pods:
            self.assertEqual(pod.returncode, 0, pod)
        [merge] = cluster.run_job(self.merge_job, timeout=TIMEOUT)
        return cluster, pods, merge


    def test_the_manifests_are_jobs_kubernetes_accepts(self):
        # load_objects checked every field against the Kubernetes API's models; these are the
        # Job rules the schema does not hold
        for job in (self.replay_job, self.merge_job):
            self.assertEqual((job["apiVersion"], job["kind"]), ("batch/v1", "Job"))
            pod = job["spec"]["template"]["spec"]
            self.assertEqual(pod["restartPolicy"], "Never")  # a Job's pods must not be restarted in place
            self.assertEqual(len(pod["containers"]), 1)
            self.assertTrue(pod["containers"][0]["image"])
        spec = self.replay_job["spec"]
        self.assertEqual(spec["completionMode"], "Indexed")
        self.assertEqual(spec["completions"], spec["parallelism"], "every shard runs at once, as one run's share")
        self.assertEqual(claim_name(self.replay_job), claim_name(self.merge_job),
                         "the merge reads the claim the shards write")

    def test_the_merged_shards_add_up_to_one_unsharded_run(self):
        n = self.replay_job["spec"]["completions"]
        # Every shard alone breaches this count (it replays about 1/N of the 40 users) and its pod
        # still succeeds; the merged run does not breach it.
        profile = self.profile_with({"iterations": ["count>=40"]})
        with demo_upstream() as up:
            single = replay(CAPTURE, f"http://127.0.0.1:{up.port}", profile, summary=self.path("single.json"),
                            timeout=TIMEOUT)
        self.assertIn(single.returncode, (0, 99), single)
        self.assertEqual(single.counters["http_reqs"], 404, "every recorded request once")
        self.assertEqual(single.counters["iterations"], 40)

        cluster, pods, merge = self.run_jobs(profile)
        self.assertLess(max(p.started for p in pods), min(p.ended for p in pods), "the pods ran side by side")
        folder = cluster.claim(claim_name(self.replay_job))
        shards = []
        for name in sorted(os.listdir(folder)):
            if name.endswith(".json") and name != "merged.json":
                with open(os.path.join(folder, name)) as f:
                    shards.append(json.load(f))
        self.assertEqual(sorted(s["shard"] for s in shards), [[k, n] for k in range(1, n + 1)])
        for pod in pods:
            self.assertIn(f"shard {pod.index + 1}/{n}", pod.stdout, pod)
        for shard in shards:
            self.assertIn({"threshold": "iterations", "condition": "count>=40", "ok": False},
                          [{k: v[k] for k in ("threshold", "condition", "ok")} for v in shard["verdicts"]])

        with open(os.path.join(folder, "merged.json")) as f:
            merged = json.load(f)
        self.assertEqual((merged["merged"], merged["shard"]), (True, [n, n]))
        self.assertEqual(figures(merged), figures(single.summary))
        verdicts = {v["condition"]: v["ok"] for v in merged["verdicts"] if v["threshold"] == "iterations"}
        self.assertEqual(verdicts, {"count>=40": True})
        self.assertEqual(merge.returncode, 0 if all(v["ok"] for v in merged["verdicts"]) else 99, merge)
        for name in ("merged.xml", "merged.html"):
            self.assertGreater(os.path.getsize(os.path.join(folder, name)), 0, name)

    def test_a_breach_of_the_merged_run_fails_the_merge_job_only(self):
        _, pods, merge = self.run_jobs(self.profile_with({"iterations": ["count>40"]}))
        self.assertTrue(all(p.returncode == 0 for p in pods), pods)
        self.assertEqual(merge.returncode, 99, merge)
        self.assertIn("count>40", merge.stdout + merge.stderr)


if __name__ == "__main__":
    unittest.main()
