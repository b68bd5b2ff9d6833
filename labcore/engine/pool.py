"""The local warm pool: up to `max_jobs()` long-lived worker processes per store.

Workers (`python -m labcore.worker --serve --store DIR`) import torch once, then claim
queued runs one after another; they exit after `LAB_WORKER_IDLE_S` idle seconds or
`LAB_WORKER_MAX_RUNS` runs (recycling), and a dead one is simply not counted. The
dashboard keeps one worker warm while it lives (`keep_warm`: `--warm-for PID`), so the first
click's first point does not wait for a process start and a torch import. The registry
`workers` ({pid: {"ticks", "started"}}) lives in the store and is changed in transactions:
`ensure` spawns under the store's write lock, so simultaneous submits never start more
workers than there is work for, and a worker leaves only in a transaction that sees an
empty queue, so a run submitted meanwhile always finds a worker.
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

from labcore.engine.backends import local
from labcore.engine.launch import ROOT, command, max_jobs, worker_env
from labcore.runs.scheduling import CLAIMS, QUEUE, WORKERS
from labcore.runs.store import Store


def live_workers(store: Store) -> dict[str, dict]:
    """The registered workers whose process still exists."""
    return _alive(WORKERS.read(store))


def _alive(workers: dict[str, dict]) -> dict[str, dict]:
    """The entries of a `workers` registry whose process still exists (same pid and start ticks)."""
    return {p: w for p, w in workers.items() if local.alive({"pid": int(p), "ticks": w.get("ticks")})}


def ensure(store: Store, supervise: bool = True) -> list[int]:
    """Start workers so that min(max_jobs, queued + running) exist; returns the new pids.
    With `supervise`, also make sure the store's supervisor runs (it settles dead workers'
    runs and replaces them while work exists, whoever is watching)."""
    started: list[int] = []
    with store.transact():
        workers = WORKERS.get(store)
        live = _alive(workers)
        want = min(max_jobs(), len(QUEUE.get(store)) + len(CLAIMS.get(store)))
        for _ in range(want - len(live)):
            pid = _spawn(store)
            live[str(pid)] = {"ticks": local.start_ticks(pid), "started": time.time()}
            started.append(pid)
        if live != workers:
            WORKERS.set(store, live)
    if supervise:
        from labcore.engine import supervisor

        supervisor.ensure(store)
    return started


def keep_warm(store: Store, owner: int) -> int | None:
    """Make sure a worker of `store` is alive while process `owner` (the dashboard) lives:
    if none is, start one that stays (idle) until `owner` exits. Returns its pid, or None
    when a worker was already there (a busy or warm one serves the next click as fast)."""
    with store.transact():
        workers = WORKERS.get(store)
        live = _alive(workers)
        pid = None
        if not live:
            pid = _spawn(store, "--warm-for", str(owner))
            live[str(pid)] = {"ticks": local.start_ticks(pid), "started": time.time(), "warm_for": owner}
        if live != workers:
            WORKERS.set(store, live)
    return pid


def leave(store: Store, pid: int, force: bool = False) -> bool:
    """Unregister worker `pid` unless runs are waiting (then it should keep serving)."""
    with store.transact():
        if not force and QUEUE.get(store):
            return False
        workers = WORKERS.get(store)
        workers.pop(str(pid), None)
        WORKERS.set(store, workers)
    return True


def _spawn(store: Store, *args: str) -> int:
    logs = store.dir / "logs"
    logs.mkdir(mode=0o700, exist_ok=True)
    name = logs / f"worker-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}.log"
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        proc = subprocess.Popen(command(store, "--serve", *args), cwd=str(ROOT), env=worker_env(store),
                                stdout=fd, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)  # survives the page or CLI that started it
    finally:
        os.close(fd)
    # Reap the worker the moment it exits (otherwise it stays <defunct> under the server
    # until the next Popen happens to collect it) and record how it ended, so its run's
    # error can say "killed (SIGKILL)" or "exited with code N". One daemon thread per worker.
    threading.Thread(target=_watch, args=(store, proc), name=f"reap-worker-{proc.pid}", daemon=True).start()
    return proc.pid


def _watch(store: Store, proc: subprocess.Popen) -> None:
    rc = proc.wait()
    if rc != 0:
        from labcore.engine import scheduler

        try:
            scheduler.record_exit(store, proc.pid, rc)
        except Exception:  # noqa: BLE001 - the run is then settled as "died"
            pass


def shutdown(store: Store, timeout: float = 10.0) -> None:
    """Stop the supervisor and every worker of this store (SIGTERM, then SIGKILL); tests and
    `labcore` teardown."""
    from labcore.engine import supervisor

    supervisor.stop(store, timeout)
    pids = [int(p) for p in WORKERS.read(store)]
    pids += [c["pid"] for c in CLAIMS.read(store).values() if local.owns(c)]
    pids = sorted({p for p in pids if p != os.getpid()})
    for pid in pids:
        _signal(pid, signal.SIGCONT)
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(local.pid_alive(p) for p in pids):
        time.sleep(0.05)
    for pid in pids:
        if local.pid_alive(pid):
            _signal(pid, signal.SIGKILL)
    with store.transact():
        WORKERS.set(store, {})


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
