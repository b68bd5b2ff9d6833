"""Ray backend (LAB_BACKEND=ray): runs train as Ray tasks; the store stays on this machine.

Who does what:
- The dashboard or CLI never imports ray. `ensure(store)` (called by `jobs.submit`) starts
  one detached *dispatcher* process per store (`python -m labcore.engine.backends.ray_dispatch`,
  `start_new_session=True`), so it survives page reruns and server restarts, exactly like
  the local warm pool. It is the Ray driver: it connects to $RAY_ADDRESS, owns the RunSink
  actor and launches one task per queued run (labcore.engine.backends.ray_dispatch).
- The RunSink actor lives on the head node (the dispatcher's node) and is the only process
  that opens the diskcache store; tasks on other nodes write rows, records, heartbeats and
  read cancel flags through it (labcore.engine.backends.ray_sink), never SQLite on a
  network file system.
- A task claims its run through the actor when Ray starts it (same scheduler transaction,
  slots, fencing and attempts as a local worker), so a run stays `queued` while Ray keeps
  the task pending and becomes `running` when it really starts.

Settings: RAY_ADDRESS (`auto`, `host:port`, or empty: the dispatcher starts a private local
Ray instance), LAB_RAY_CPUS (CPUs per run; default the local thread budget), LAB_MAX_JOBS
(runs in flight; default the cluster's CPUs // CPUs per run), LAB_RAY_CODE (`auto`,
`working_dir` or `installed`: how project code and plugins reach the nodes).
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

from labcore.engine.backends import local
from labcore.runs.scheduling import QUEUE, RAY_DISPATCHER
from labcore.runs.store import Store

ROOT = Path(__file__).resolve().parents[3]
EXCLUDES = [".git", ".venv", "/cache", "/data", ".pytest_cache", "**/__pycache__", "*.log", "node_modules"]


def address() -> str:
    """$RAY_ADDRESS: `auto`, `host:port`, or "" for a private local instance."""
    return os.environ.get("RAY_ADDRESS", "").strip()


def cpus_per_run() -> int:
    """CPUs a run asks Ray for (its intra-op threads): $LAB_RAY_CPUS, else the local budget."""
    env = os.environ.get("LAB_RAY_CPUS")
    if env:
        return max(1, int(env))
    from labcore.engine.launch import threads_per_worker

    return threads_per_worker()


def wants_gpu(config: dict, cluster_gpus: float) -> bool:
    """A run asks for one GPU when it trains on CUDA: device=cuda, or auto on a GPU cluster."""
    device = config.get("device", "cpu")
    return device == "cuda" or (device == "auto" and cluster_gpus > 0)


def slots(cluster: dict) -> int:
    """Runs in flight at once: $LAB_MAX_JOBS, else what the cluster's CPUs hold."""
    from labcore.core import env

    n = env.number("LAB_MAX_JOBS")
    if n is not None:
        return n
    return max(1, int(cluster.get("CPU", 1) // cpus_per_run()))


def code_mode() -> str:
    """How project code reaches the workers: `installed` (same path on every node, e.g. the
    local instance or a shared image) or `working_dir` (the repo is shipped with the job)."""
    mode = os.environ.get("LAB_RAY_CODE", "auto")
    if mode == "auto":
        return "installed" if address() in ("", "local") else "working_dir"
    return mode


def runtime_env(store_dir: Path | None = None) -> dict:
    """The job's runtime_env: the environment variables a worker needs and, for a remote
    cluster, the repo as working_dir (plus plugin packages outside it as py_modules).

    The user folder (your phenomena and its datasets/) reaches the workers too: `installed`
    names its absolute path in LAB_EXPERIMENTS (Ray's workers are started by the raylet, not by
    the dispatcher, so they do not inherit its environment); `working_dir` ships it as one more
    py_modules entry, found on the node by its name (LAB_EXPERIMENTS_MODULE, see
    `registry.user_dir`), also when it is the repo's ./experiments: .gitignore lists that, and
    Ray leaves what .gitignore lists out of a working_dir.
    LAB_DATASETS travels with absolute paths: files outside the user folder must be at the same
    path on every node (a shared file system), those in its datasets/ travel with it.

    Heavy dependencies (torch) are expected on the nodes already (same requirements.txt or
    image): a per-job pip install of torch would take minutes. The lab's own code and the
    plugins change often, so they travel with the job and always match the head's version.
    """
    n = str(cpus_per_run())
    # torchvision data: the head's directory as an absolute path, the same on every node (a
    # node without it downloads there when online); a relative one would land in the job's
    # unpacked working_dir, which is thrown away.
    data_dir = str(Path(os.environ.get("LAB_DATA_DIR", "data")).resolve())
    env_vars = {"OMP_NUM_THREADS": n, "MKL_NUM_THREADS": n, "LAB_DATA_DIR": data_dir}
    for k in ("LAB_PLUGINS", "LAB_RAY_CPUS", "LAB_MAX_JOBS"):
        if os.environ.get(k):
            env_vars[k] = os.environ[k]
    from labcore.core import dataset_files
    from labcore.core.registry import user_dir

    files, mine = dataset_files.absolute_env(), user_dir()
    if files is not None:
        env_vars["LAB_DATASETS"] = files
    if mine is not None and not mine.is_dir():
        mine = None  # nothing to ship; workers find no user folder, as here
    if code_mode() != "working_dir":
        path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        if mine is not None:
            env_vars["LAB_EXPERIMENTS"] = str(mine)
        return {"env_vars": {**env_vars, "PYTHONPATH": path}}
    modules = _outside_modules(os.environ.get("LAB_PLUGINS", ""))
    if mine is not None:
        modules = sorted(set(modules) | {str(mine)})
        env_vars["LAB_EXPERIMENTS_MODULE"] = mine.name
    excludes = list(EXCLUDES)
    for d in (store_dir, Path(data_dir), mine):  # a store, data or user folder kept inside the repo
        if d is not None and ROOT in Path(d).resolve().parents:
            excludes.append("/" + Path(d).resolve().relative_to(ROOT).as_posix())
    out = {"env_vars": env_vars, "working_dir": str(ROOT), "excludes": excludes}
    if modules:
        out["py_modules"] = modules
    return out


def _outside_modules(plugins: str) -> list[str]:
    """Directories of plugin top-level packages that do not live in the repo."""
    dirs = []
    for name in filter(None, (p.strip() for p in plugins.split(","))):
        spec = importlib.util.find_spec(name.split(".")[0])
        origin = Path(spec.origin) if spec and spec.origin else None
        if origin is None:
            continue
        top = origin.parent if origin.name == "__init__.py" else origin
        if ROOT not in top.resolve().parents:
            dirs.append(str(top))
    return sorted(set(dirs))


def alive(store: Store) -> dict | None:
    """The store's dispatcher registration when its process still exists."""
    d = RAY_DISPATCHER.read(store)
    return d if d and local.alive({"pid": d["pid"], "ticks": d.get("ticks")}) else None


def ensure(store: Store) -> list[int]:
    """Start the store's dispatcher unless one is alive; returns the new pid (or [])."""
    if alive(store):  # the common case: one read, no write lock
        return []
    with store.transact():
        d = RAY_DISPATCHER.get(store)
        if d and local.alive({"pid": d["pid"], "ticks": d.get("ticks")}):
            return []
        pid = _spawn(store)
        RAY_DISPATCHER.set(store, {"pid": pid, "ticks": local.start_ticks(pid), "started": time.time()})
    return [pid]


def leave(store: Store, pid: int, busy: bool) -> bool:
    """Unregister dispatcher `pid` when nothing is queued and it has no task in flight; in
    one transaction, so a run submitted meanwhile always finds a dispatcher."""
    with store.transact():
        if busy or QUEUE.get(store):
            return False
        if (RAY_DISPATCHER.get(store) or {}).get("pid") == pid:
            RAY_DISPATCHER.clear(store)
    return True


def shutdown(store: Store, timeout: float = 20.0) -> None:
    """Stop the store's dispatcher (SIGTERM: it cancels its tasks and marks them)."""
    import signal

    d = RAY_DISPATCHER.read(store)
    if not d:
        return
    pid = d["pid"]
    if local.alive({"pid": pid, "ticks": d.get("ticks")}):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and local.pid_alive(pid):
            time.sleep(0.05)
        if local.pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
    with store.transact():
        if (RAY_DISPATCHER.get(store) or {}).get("pid") == pid:
            RAY_DISPATCHER.clear(store)


def _spawn(store: Store) -> int:
    from labcore.engine.launch import worker_env

    logs = store.dir / "logs"
    logs.mkdir(mode=0o700, exist_ok=True)
    name = logs / f"ray-dispatcher-{time.strftime('%Y%m%d-%H%M%S')}-{time.monotonic_ns()}.log"
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        cmd = [sys.executable, "-m", "labcore.engine.backends.ray_dispatch", "--store", str(store.dir)]
        proc = subprocess.Popen(cmd, cwd=str(ROOT), env=worker_env(store), stdout=fd,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)  # outlives the page or CLI that started it
    finally:
        os.close(fd)
    return proc.pid
