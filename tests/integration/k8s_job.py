"""Runs a Kubernetes Job's pods as local processes, started as the Job controller and the kubelet
would start them, for tests that must not need a cluster or a container engine: the container's
command and args (or the image's entrypoint and args) after Kubernetes' $(VAR) expansion, its env
(patched by name, as a kustomize patch would), JOB_COMPLETION_INDEX for an Indexed Job, each
volume's mountPath replaced by a local folder (configMap: its files; persistentVolumeClaim: one
folder per claim, shared by every pod and Job of the cluster), `parallelism` pods at a time.
It must not pretend to be more: no image (the command runs on this machine with what the test
puts on PATH), no restarts, probes, resources, security context or read-only mounts; anything in
the pod it does not map (a valueFrom, another volume type, several containers) is refused, never
ignored. Reading and checking the manifest is k8s_manifest.py's."""
import concurrent.futures
import os
import re
import shutil
import signal
import subprocess
import time


def expand(text, env):
    """Kubernetes' expansion of command, args and env values: `$$` is `$`, `$(NAME)` of a defined
    variable is its value, anything else (an undefined name, `$((i + 1))`) stays as written."""
    out, i = [], 0
    while i < len(text):
        if text[i] != "$" or i + 1 == len(text):
            out.append(text[i])
            i += 1
        elif text[i + 1] == "$":
            out.append("$")
            i += 2
        elif text[i + 1] == "(" and (end := text.find(")", i + 2)) >= 0:
            name = text[i + 2:end]
            out.append(env.get(name, text[i:end + 1]))
            i = end + 1
        else:
            out.append(text[i:i + 2])
            i += 2
    return "".join(out)


class Pod:
    """What one pod of a Job ran: its completion index, exit code, output and when it ran."""

    def __init__(self, index, argv, returncode, stdout, stderr, started, ended):
        self.index, self.argv, self.returncode = index, argv, returncode
        self.stdout, self.stderr, self.started, self.ended = stdout, stderr, started, ended

    def __repr__(self):
        return f"pod {self.index}: exit {self.returncode}, {self.argv}\n{self.stdout}\n{self.stderr}"


class LocalCluster:
    """The folders the Jobs' volumes point at, under `root`; `path_dirs` go first on each pod's PATH
    (where the image would have its binaries); `entrypoint` is the image's, for a container
    without `command`."""

    def __init__(self, root, path_dirs, config_maps, entrypoint=("reprise",)):
        self.root, self.path_dirs, self.entrypoint = root, list(path_dirs), list(entrypoint)
        for name, files in config_maps.items():
            folder = os.path.join(root, "configmap", name)
            os.makedirs(folder)
            for key, source in files.items():
                shutil.copyfile(source, os.path.join(folder, key))

    def claim(self, name):
        return os.path.join(self.root, "pvc", name)

    def run_job(self, job, env_patch=None, timeout=60.0):
        """Runs every completion of `job`, `parallelism` at once; the pods in index order."""
        spec = job["spec"]
        completions, parallelism = spec.get("completions", 1), spec.get("parallelism", 1)
        indexed = spec.get("completionMode") == "Indexed"
        pod_spec = spec["template"]["spec"]
        if len(pod_spec["containers"]) != 1 or pod_spec.get("initContainers"):
            raise ValueError("one container per pod, no initContainers: nothing else is mapped")
        with concurrent.futures.ThreadPoolExecutor(max_workers=parallelism) as pool:
            runs = [pool.submit(self.run_pod, pod_spec, i, indexed, env_patch or {}, timeout)
                    for i in range(completions)]
            return [r.result() for r in runs]

    def run_pod(self, pod_spec, number, indexed, env_patch, timeout):
        container = pod_spec["containers"][0]
        index = number if indexed else None
        pod_dir = os.path.join(self.root, "pods", f"{container['name']}-{number}")
        os.makedirs(pod_dir)
        mounts = self.mounts(pod_spec, container, pod_dir)
        defined = self.environment(container, index, env_patch, mounts)
        env = {**os.environ, "PATH": os.pathsep.join(self.path_dirs + [os.environ.get("PATH", "")]), **defined}
        argv = [local_paths(expand(a, defined), mounts)
                for a in (container.get("command") or self.entrypoint) + container.get("args", [])]
        cwd = local_paths(container.get("workingDir", pod_dir), mounts)
        started = time.monotonic()
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the pod's own process group: the shell and its child
            out, err = proc.communicate()
        return Pod(index, argv, proc.returncode, out, err, started, time.monotonic())

    def mounts(self, pod_spec, container, pod_dir):
        volumes = {v["name"]: v for v in pod_spec.get("volumes", [])}
        mounts = {}
        for m in container.get("volumeMounts", []):
            volume = volumes[m["name"]]
            if "configMap" in volume:
                folder = os.path.join(self.root, "configmap", volume["configMap"]["name"])
                if not os.path.isdir(folder):
                    raise ValueError(f"configMap {volume['configMap']['name']} was not given to the cluster")
            elif "persistentVolumeClaim" in volume:
                folder = self.claim(volume["persistentVolumeClaim"]["claimName"])
            elif "emptyDir" in volume:
                folder = os.path.join(pod_dir, "emptydir", m["name"])
            else:
                raise ValueError(f"volume {m['name']}: only configMap, persistentVolumeClaim and emptyDir are mapped")
            os.makedirs(folder, exist_ok=True)
            mounts[m["mountPath"]] = folder
        return mounts

    def environment(self, container, index, env_patch, mounts):
        """The container's own variables: a $(NAME) in a value or in the command and args refers to
        these only (and to Services' variables, of which there are none here)."""
        names = [e["name"] for e in container.get("env", [])]
        missing = set(env_patch) - set(names)
        if missing:
            raise ValueError(f"the patch names env entries the container lacks: {sorted(missing)}")
        env = {}
        for entry in container.get("env", []):
            if "value" not in entry:
                raise ValueError(f"env {entry['name']}: only `value` is mapped")
            value = env_patch.get(entry["name"], entry["value"])
            env[entry["name"]] = local_paths(expand(value, env), mounts)
        if index is not None:  # the Job controller appends it to every container's env
            env["JOB_COMPLETION_INDEX"] = str(index)
        return env


def local_paths(text, mounts):
    """`text` with every path under a mountPath moved under its local folder."""
    for mount_path, folder in mounts.items():
        text = re.sub(r"(?<![\w./-])" + re.escape(mount_path.rstrip("/")) + r"(?=/|\b|$)", folder.replace("\\", r"\\"),
                      text)
    return text
