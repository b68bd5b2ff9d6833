"""Background jobs: submit / cancel / status / wait, worker processes and concurrency slots.

Each run trains in its own process (`python -m labcore.worker RUN_ID --store DIR`) started
in a new session, so it survives browser reloads and dashboard restarts. At most
`max_jobs()` runs hold a slot at once; other workers wait as `queued` in FIFO order.
Slots and the queue live in the store, so a slot held by a dead process is reclaimed by
whichever worker looks next.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from labcore.nn import device
from labcore.core.registry import get as get_experiment
from labcore.core.params import from_dict, non_default, to_dict
from labcore.runs.store import ACTIVE, FINISHED, Store, pid_alive, run_id

ROOT = Path(__file__).resolve().parents[2]
REUSABLE = ("done", "diverged")  # deterministic outcomes: the same settings give them again


def max_jobs() -> int:
    """Concurrent runs: $LAB_MAX_JOBS, else 1 per GPU, else cores // 2 (at least 1)."""
    env = os.environ.get("LAB_MAX_JOBS")
    if env:
        return max(1, int(env))
    gpus = len(device.machine()["gpus"])
    return gpus if gpus else max(1, (os.cpu_count() or 2) // 2)


def make_config(experiment: str, config: Any) -> Any:
    """A validated Config from a Config instance or a dict of (string) values."""
    exp = get_experiment(experiment)
    if isinstance(config, exp.config):
        return config
    return from_dict(exp.config, dict(config or {}))


def run_id_for(experiment: str, config: Any) -> str:
    """The id a run with these settings has (or would have) in the store."""
    return run_id(experiment, non_default(make_config(experiment, config)))


def submit(experiment: str, config: Any = None, store: Store | None = None, force: bool = False) -> str:
    """Start (or find) the run of `experiment` with `config`; returns its run id.

    A finished run with the same settings is a cache hit; a queued or running one is
    re-attached; otherwise (or with force=True) a record is created and a worker started.
    """
    store = store or Store()
    cfg = make_config(experiment, config)
    overrides = non_default(cfg)
    rid = run_id(experiment, overrides)
    rec = store.get(rid)
    if rec is not None and rec["status"] in ACTIVE:
        return rid
    if rec is not None and rec["status"] in REUSABLE and not force:
        return rid
    store.create(rid, experiment, to_dict(cfg), overrides)
    with store.cache.transact():
        queue = store.cache.get("queue", [])
        queue.append(rid)
        store.cache.set("queue", queue)
    logs = store.dir / "logs"
    logs.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    with open(logs / f"{rid}.log", "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "labcore.worker", rid, "--store", str(store.dir)],
                                cwd=str(ROOT), env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    store.update(rid, pid=proc.pid)
    return rid


def cancel(rid: str, store: Store | None = None) -> dict | None:
    """Ask a run to stop; a queued or running worker stops within about a second."""
    store = store or Store()
    rec = store.get(rid)
    if rec is None or rec["status"] in FINISHED:
        return rec
    store.request_cancel(rid)
    if not pid_alive(rec.get("pid")):
        return store.update(rid, status="cancelled", finished=time.time())
    return rec


def status(rid: str, store: Store | None = None) -> dict | None:
    """The run record (a dead worker's run reads as `interrupted`)."""
    return (store or Store()).get(rid)


def wait(rid: str, store: Store | None = None, timeout: float | None = None, poll: float = 0.2,
         on_progress=None) -> dict:
    """Block until the run finishes (or `timeout` passes); returns the latest record."""
    store = store or Store()
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        rec = store.get(rid)
        if on_progress is not None and rec is not None:
            on_progress(rec)
        if rec is None or rec["status"] in FINISHED:
            return rec
        if deadline is not None and time.monotonic() > deadline:
            return rec
        time.sleep(poll)


def active(store: Store | None = None) -> list[dict]:
    """Queued and running runs, newest first."""
    return [r for r in (store or Store()).runs() if r["status"] in ACTIVE]


def try_acquire_slot(store: Store, rid: str, limit: int) -> bool:
    """Take a slot for `rid` if one is free and no earlier queued run is waiting for it."""
    with store.cache.transact():
        slots = {r: p for r, p in store.cache.get("slots", {}).items() if pid_alive(p)}
        queue = [r for r in store.cache.get("queue", []) if _waiting(store, r)]
        if rid not in queue:
            queue.append(rid)
        free = limit - len(slots)
        ok = free > 0 and queue.index(rid) < free
        if ok:
            slots[rid] = os.getpid()
            queue.remove(rid)
        store.cache.set("slots", slots)
        store.cache.set("queue", queue)
    return ok


def release_slot(store: Store, rid: str) -> None:
    """Give the slot (and any queue place) of `rid` back."""
    with store.cache.transact():
        slots = store.cache.get("slots", {})
        slots.pop(rid, None)
        store.cache.set("slots", slots)
        store.cache.set("queue", [r for r in store.cache.get("queue", []) if r != rid])


def _waiting(store: Store, rid: str) -> bool:
    rec = store.cache.get(f"run:{rid}")
    return rec is not None and rec["status"] == "queued" and (rec["pid"] is None or pid_alive(rec["pid"]))
