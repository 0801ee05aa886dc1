"""docker/compose.yaml cannot rot silently: Debian's docker-compose (no engine needed) reads it
with `config`, and the parsed result has the chat app, the proxy, Prometheus and Grafana; every
file it mounts exists in the repository; every reprise flag its services pass is one
`reprise <command> --help` lists (Prometheus's, one `prometheus --help` lists); ports are published
on 127.0.0.1 only. Prometheus's scrape config passes `promtool check config`, and the Grafana
provisioning names the dashboard's folder and a Prometheus datasource. Where the dashboard's
queries are run against a live Prometheus: test_grafana_dashboard.

Run: cd tests/integration && /usr/bin/python3 -m unittest test_compose -v"""
import functools
import os
import re
import subprocess
import unittest

import yaml  # Debian's python3-yaml

import dashboard_queries
from harness import BIN, SOURCE, free_port, proxy

COMPOSE = os.path.join(SOURCE, "docker/compose.yaml")
REPRISE_SERVICES = ("chat", "proxy")


@functools.lru_cache(maxsize=None)
def help_text(*command):
    res = subprocess.run(command, capture_output=True, text=True, timeout=30)
    return res.stdout + res.stderr


def proxy_with(*pairs):
    """A proxy on loopback started with these (flag, value) pairs; nothing listens upstream."""
    return proxy(free_port(), *[x for pair in pairs for x in pair])


def flags(args):
    """The --flags of a command's arguments (--name=value and --name value alike)."""
    return [a.split("=", 1)[0] for a in args if a.startswith("--")]


class ComposeFileTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        res = subprocess.run(["docker-compose", "-f", COMPOSE, "config"], capture_output=True, text=True,
                             timeout=60)
        if res.returncode != 0:
            raise AssertionError(f"docker-compose config exited {res.returncode}: {res.stderr}")
        cls.config = yaml.safe_load(res.stdout)
        cls.services = cls.config["services"]

    def test_the_four_services_are_there(self):
        for name in ("chat", "proxy", "prometheus", "grafana"):
            self.assertIn(name, self.services)
        self.assertEqual(self.services["chat"]["command"][0], "upstream-demo")
        self.assertEqual(self.services["proxy"]["command"][0], "proxy")
        self.assertIn("prometheus", self.services["prometheus"]["image"])
        self.assertIn("grafana", self.services["grafana"]["image"])

    def test_reprise_services_are_built_from_the_repository_dockerfile(self):
        for name, service in self.services.items():
            if "build" not in service:
                continue
            context = service["build"]["context"]
            self.assertTrue(os.path.samefile(context, SOURCE), f"{name}: context {context}")
            self.assertTrue(os.path.isfile(os.path.join(context, service["build"]["dockerfile"])), name)

    def test_the_image_makes_the_volumes_mount_points_for_its_user(self):
        # A new named volume takes the owner of the image's folder it is mounted on: the image
        # runs as nobody, so the Dockerfile must make those folders and hand them to nobody.
        with open(os.path.join(SOURCE, "docker/Dockerfile")) as f:
            runtime = f.read().split("FROM ")[-1]
        made = re.search(r"RUN mkdir -p ([^&]+)&& chown -R nobody:nogroup (\S+)", runtime)
        self.assertIsNotNone(made, "the runtime stage makes the mount points")
        named = set(self.config.get("volumes", {}))
        for name, service in self.services.items():
            if "build" not in service:
                continue
            for volume in service.get("volumes", []):
                source, target = volume.split(":")[:2]
                if source in named:
                    self.assertIn(target, made.group(1).split(), f"{name}: {volume}")

    def test_every_mounted_file_exists_in_the_repository(self):
        named = set(self.config.get("volumes", {}))
        mounts = 0
        for name, service in self.services.items():
            for volume in service.get("volumes", []):
                source = volume.split(":")[0]
                if source in named:
                    continue
                mounts += 1
                self.assertTrue(os.path.exists(source), f"{name} mounts {source}, which does not exist")
                self.assertTrue(os.path.realpath(source).startswith(os.path.realpath(SOURCE)), source)
        self.assertGreaterEqual(mounts, 5, "faults, SLA, prometheus.yml, provisioning and dashboards")

    def test_the_proxy_records_to_a_volume_with_faults_sla_and_admin(self):
        proxy = self.services["proxy"]
        given = dict(a.split("=", 1) for a in proxy["command"] if "=" in a)
        for flag in ("--record", "--faults", "--sla", "--admin", "--admin-token-file"):
            self.assertIn(flag, given)
        mounted = {v.split(":")[1]: v.split(":")[0] for v in proxy["volumes"]}
        record_dir = os.path.dirname(given["--record"])
        self.assertIn(mounted.get(record_dir), self.config["volumes"], "the recording goes to a named volume")
        for flag in ("--faults", "--sla"):
            self.assertTrue(os.path.isfile(mounted[given[flag]]), f"{flag} {given[flag]} is mounted from a file")
        # The files as mounted are ones the proxy starts with (a malformed one is exit 1).
        with proxy_with(("--faults", mounted[given["--faults"]]), ("--sla", mounted[given["--sla"]])) as px:
            self.assertIsNone(px.popen.poll(), px.output())

    def test_the_replay_profile_and_capture_are_ones_replay_reads(self):
        replay = self.services["replay"]
        self.assertEqual(replay["profiles"], ["replay"], "started only when asked for")
        mounted = {v.split(":")[1]: v.split(":")[0] for v in replay["volumes"]}
        given = dict(a.split("=", 1) for a in replay["command"] if "=" in a)
        self.assertEqual(given["--target"], "http://proxy:8080")
        # Read and built, then refused only because nothing listens at the target (exit 2, not 1).
        res = subprocess.run([BIN, "replay", mounted[replay["command"][1]], "--target", "http://127.0.0.1:1",
                              "--profile", mounted[given["--profile"]]], capture_output=True, text=True, timeout=30)
        self.assertEqual(res.returncode, 2, res.stderr)
        self.assertIn("unreachable", res.stderr)

    def test_reprise_flags_are_ones_the_command_lists(self):
        for name, service in self.services.items():
            if service.get("image") != self.services["proxy"]["image"] or "entrypoint" in service:
                continue
            command = service["command"]
            listed = set(re.findall(r"(?:^|[\s,])(--[a-z0-9-]+)", help_text(BIN, command[0], "--help")))
            for flag in flags(command[1:]):
                self.assertTrue(flag in listed, f"{name}: `reprise {command[0]} --help` does not list {flag}")

    def test_prometheus_flags_are_ones_prometheus_lists(self):
        listed = set(re.findall(r"(?:^|[\s,])(--[a-z0-9.-]+)", help_text("prometheus", "--help")))
        for flag in flags(self.services["prometheus"]["command"]):
            self.assertTrue(flag in listed, f"`prometheus --help` does not list {flag}")

    def test_ports_are_published_on_loopback_only(self):
        published = 0
        for name, service in self.services.items():
            for port in service.get("ports", []):
                published += 1
                text = port if isinstance(port, str) else f"{port.get('host_ip')}:{port.get('published')}"
                self.assertTrue(text.startswith("127.0.0.1:"), f"{name} publishes {port}")
        self.assertGreaterEqual(published, 4)

    def test_the_scrape_config_passes_promtool(self):
        # --syntax-only: the admin token file exists only inside the compose volume (the dashboard
        # test checks a copy of this config with the file in place, without --syntax-only).
        res = subprocess.run(["promtool", "check", "config", "--syntax-only",
                              os.path.join(SOURCE, "docker/prometheus/prometheus.yml")],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        mounted = [v for v in self.services["prometheus"]["volumes"] if v.endswith(":/etc/prometheus/prometheus.yml:ro")]
        self.assertEqual(len(mounted), 1)

    def test_grafana_is_provisioned_with_the_datasource_and_the_dashboard(self):
        grafana = self.services["grafana"]
        mounts = {v.split(":")[1]: v.split(":")[0] for v in grafana["volumes"]}
        provisioning = mounts["/etc/grafana/provisioning"]
        with open(os.path.join(provisioning, "datasources/prometheus.yaml")) as f:
            datasource = yaml.safe_load(f)["datasources"][0]
        self.assertEqual(datasource["type"], "prometheus")
        self.assertEqual(datasource["url"], "http://prometheus:9090")
        with open(os.path.join(provisioning, "dashboards/reprise.yaml")) as f:
            provider = yaml.safe_load(f)["providers"][0]
        folder = provider["options"]["path"]
        self.assertTrue(os.path.isfile(os.path.join(mounts[folder], "reprise.json")), folder)
        dashboard = dashboard_queries.load(os.path.join(mounts[folder], "reprise.json"))
        sources = {json_ds["uid"] for p in dashboard_queries.panels(dashboard)
                   for json_ds in [p["datasource"]] + [t["datasource"] for t in p["targets"]]}
        self.assertEqual(sources, {"${datasource}"}, "every panel and query through the datasource variable")
        self.assertEqual(grafana["environment"]["GF_AUTH_ANONYMOUS_ORG_ROLE"], "Viewer")


if __name__ == "__main__":
    unittest.main()
