"""How the engine starts its processes on this machine: how many runs train at once, the
thread budget of each, and the argv and environment of a worker, supervisor or dispatcher.

Shared by the pool, the supervisor and the Ray backend, so none of them imports another
to start a process.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from labcore.core import env

if TYPE_CHECKING:
    from labcore.runs.store import Store

ROOT = Path(__file__).resolve().parents[2]


def max_jobs() -> int:
    """Concurrent runs: $LAB_MAX_JOBS, else 1 per GPU, else cores // 2 (at least 1)."""
    n = env.number("LAB_MAX_JOBS")
    if n is not None:
        return n
    from labcore.nn import device

    gpus = len(device.machine()["gpus"])
    return gpus if gpus else max(1, (os.cpu_count() or 2) // 2)


def max_crashes() -> int:
    """Workers dying at start in a row after which none is started (engine.pool):
    $LAB_WORKER_MAX_CRASHES, default 5."""
    raw = os.environ.get("LAB_WORKER_MAX_CRASHES", "")
    return int(raw) if raw.strip().isdigit() and int(raw) > 0 else 5


def threads_per_worker() -> int:
    """Intra-op threads per worker: $LAB_THREADS, else max(1, (cores - 1) // max_jobs()).

    One core is left to the dashboard server, the browser and whatever else runs: torch's
    threads spin-wait on each other, so a worker that needs every core slows down 4-20x as
    soon as anything else wants one (bench part 3 measured that at 2 threads on 2 cores),
    while the lab's small nets gain little from a second thread when the machine is quiet."""
    n = env.number("LAB_THREADS")
    if n is not None:
        return n
    return max(1, ((os.cpu_count() or 1) - 1) // max_jobs())


def worker_env(store: Store) -> dict[str, str]:
    """The environment of a worker: the repo root on PYTHONPATH (plugins import), the store,
    the user folder's absolute path (a worker starts in the repo root, so `./experiments` of
    the caller's directory must be named), $LAB_DATASETS's paths made absolute likewise, and
    one OpenMP/MKL thread per worker process before torch starts."""
    from labcore.core import dataset_files
    from labcore.core.registry import user_dir

    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    n = str(threads_per_worker())
    mine, files = user_dir(), dataset_files.absolute_env()
    return {**os.environ, "PYTHONPATH": path, "LAB_CACHE_DIR": str(store.dir),
            **({"LAB_EXPERIMENTS": str(mine)} if mine is not None else {}),
            **({"LAB_DATASETS": files} if files is not None else {}),
            "OMP_NUM_THREADS": n, "MKL_NUM_THREADS": n}


WORKER_MODULE = "labcore.worker"  # a worker process is `python -m WORKER_MODULE ...`


def command(store: Store, *args: str) -> list[str]:
    """The argv of a worker process: `python -m labcore.worker ARGS --store DIR`."""
    return [sys.executable, "-m", WORKER_MODULE, *worker_args(store, *args)]


def worker_args(store: Store, *args: str) -> list[str]:
    """The arguments after `python -m labcore.worker` for a worker of `store`: ARGS --store DIR."""
    return [*args, "--store", str(store.dir)]
