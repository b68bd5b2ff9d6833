"""The local warm pool: up to `max_jobs()` long-lived worker processes per store.

Workers (`python -m labcore.worker --serve --store DIR`) import torch once, then claim
queued runs one after another; they exit after `LAB_WORKER_IDLE_S` idle seconds or
`LAB_WORKER_MAX_RUNS` runs (recycling), and a dead one is simply not counted. The
dashboard keeps one worker warm while it lives (`ensure_warm`: `--warm-for PID`), so the first
click's first point does not wait for a process start and a torch import. The registry
`workers` ({pid: {"ticks", "started"}}) lives in the store and is changed in transactions:
`ensure` spawns under the store's write lock, so simultaneous submits never start more
workers than there is work for, and a worker leaves only in a transaction that sees an
empty queue, so a run submitted meanwhile always finds a worker.

A worker that dies at start (within CRASH_WINDOW_S, not stopped by a signal we send) is
counted in `crashes`; the next one is started only after a backoff that doubles with each
crash in a row (1, 2, 4, 8 s), and after MAX_CRASHES ($LAB_WORKER_MAX_CRASHES, default 5) none
is: the queued runs end `failed` naming the cause (the last line of the worker's log), and
Home and `labcore runs` say it until a run is submitted again. A worker
that claims a run clears the count.
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from labcore.engine import zygote
from labcore.engine.backends import local
from labcore.engine.launch import ROOT, WORKER_MODULE, command, max_crashes, max_jobs, worker_args, worker_env
from labcore.runs import scheduling as sched
from labcore.runs.scheduling import CLAIMS, CRASHES, QUEUE, WORKERS
from labcore.runs.store import Store

CRASH_WINDOW_S = 30.0   # a worker that dies sooner than this after its start crashed at start
BACKOFF_S = 1.0         # the wait after the first crash; doubled with each one in a row
BACKOFF_MAX_S = 60.0
STOPPED_BY_US = (-signal.SIGTERM, -signal.SIGINT)  # shutdown, not a crash


def backoff_left(crashes: dict, now: float | None = None) -> float:
    """Seconds until a worker may be started again after `crashes` (0: now)."""
    n = crashes.get("count", 0)
    if n <= 0:
        return 0.0
    wait = min(BACKOFF_S * 2 ** (n - 1), BACKOFF_MAX_S)
    return max(0.0, crashes["at"] + wait - (time.time() if now is None else now))


def trouble(store: Store) -> str | None:
    """One line when workers stopped being started (crashed at start MAX_CRASHES times), else None."""
    crashes = CRASHES.read(store)
    if crashes.get("count", 0) < max_crashes():
        return None
    return (f"workers stopped after {crashes['count']} crashes at start in a row: {crashes.get('cause')} "
            f"(log: {crashes.get('log')}); fix that and submit a run to try again")


def live_workers(store: Store) -> dict[str, dict]:
    """The registered workers whose process still exists (a read: the registry is left as it is)."""
    return _alive(WORKERS.read(store))


def _alive(workers: dict[str, dict]) -> dict[str, dict]:
    """The entries of a `workers` registry whose process still exists (same pid and start ticks)."""
    return {p: w for p, w in workers.items() if local.alive({"pid": int(p), "ticks": w.get("ticks")})}


def _prune(store: Store) -> dict[str, dict]:
    """Inside a transaction: drop the dead workers from the registry (written only when one
    was dead) and return the live ones."""
    workers = WORKERS.get(store)
    live = _alive(workers)
    if live != workers:
        WORKERS.set(store, live)
    return live


def _entry(pid: int, **extra) -> dict:
    """The registry entry of the worker just spawned, `pid` (its start ticks tell it from a
    later process that reuses the pid)."""
    return {"ticks": local.start_ticks(pid), "started": time.time(), **extra}


def ensure(store: Store, supervise: bool = True) -> list[int]:
    """Start workers so that min(max_jobs, queued + running) exist; returns the new pids.
    With `supervise`, also make sure the store's supervisor runs (it settles dead workers'
    runs and replaces them while work exists, whoever is watching)."""
    started: list[int] = []
    with store.transact():
        live = _prune(store)
        want = min(max_jobs(), len(QUEUE.get(store)) + len(CLAIMS.get(store)))
        crashes = CRASHES.get(store)
        if crashes.get("count", 0) >= max_crashes():
            _give_up(store, crashes)
            want = 0
        elif backoff_left(crashes) > 0:
            want = 0  # the supervisor (or a waiter) asks again; the backoff decides when
        for _ in range(want - len(live)):
            pid = _spawn(store)
            live[str(pid)] = _entry(pid)
            started.append(pid)
        if started:
            WORKERS.set(store, live)
    if supervise:
        from labcore.engine import supervisor

        supervisor.ensure(store)
    return started


def _give_up(store: Store, crashes: dict) -> None:
    """End the queued runs `failed` with the crash loop's cause (inside a transaction)."""
    why = (f"workers keep crashing at start ({crashes['count']} in a row): {crashes.get('cause')} "
           f"(log: {crashes.get('log')})")
    for rid in QUEUE.get(store):
        rec = sched.record(store, rid)
        if rec is not None and rec["status"] == "queued":
            rec.update(status="failed", error=why, finished=time.time())
            sched.save_record(store, rec)
    QUEUE.set(store, [])


def healthy(store: Store) -> None:
    """A worker claimed a run: the crashes in a row are over (a read when there were none)."""
    if CRASHES.read(store):
        with store.transact():
            CRASHES.clear(store)


def ensure_warm(store: Store, owner: int) -> int | None:
    """Make sure a worker of `store` is alive while process `owner` (the dashboard) lives:
    if none is, start one that stays (idle) until `owner` exits. Returns its pid, or None
    when a worker was already there (a busy or warm one serves the next click as fast)."""
    with store.transact():
        if _prune(store):
            return None
        pid = _spawn(store, "--warm-for", str(owner))
        WORKERS.set(store, {str(pid): _entry(pid, warm_for=owner)})
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
    env = worker_env(store)
    forked = zygote.start(WORKER_MODULE, worker_args(store, "--serve", *args), env, str(ROOT), str(name))
    if forked is not None:
        pid, wait = forked
    else:
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            proc = subprocess.Popen(command(store, "--serve", *args), cwd=str(ROOT), env=env, stdout=fd,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)  # survives the page or CLI that started it
        finally:
            os.close(fd)
        pid, wait = proc.pid, proc.wait
    # Reap the worker the moment it exits (otherwise it stays <defunct> under the server
    # until the next Popen happens to collect it) and record how it ended, so its run's
    # error can say "killed (SIGKILL)" or "exited with code N". One daemon thread per worker.
    threading.Thread(target=_watch, args=(store, pid, wait, time.monotonic(), name),
                     name=f"reap-worker-{pid}", daemon=True).start()
    return pid


def _watch(store: Store, pid: int, wait, started: float, log: Path) -> None:
    rc = wait()  # None: its zygote died first, so nobody saw how it ended
    if rc is not None and rc != 0:
        from labcore.engine import scheduler

        try:
            scheduler.record_exit(store, pid, rc)
            claimed = any(c.get("pid") == pid for c in CLAIMS.read(store).values())
            if rc not in STOPPED_BY_US and not claimed and time.monotonic() - started < CRASH_WINDOW_S:
                _crashed(store, rc, log)
        except Exception:  # noqa: BLE001 - the run is then settled as "died"
            pass


def _crashed(store: Store, rc: int, log: Path) -> None:
    """Count a worker that died at start, with its cause: its log's last line."""
    try:
        lines = [ln.strip() for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        lines = []
    cause = (lines[-1][:200] if lines else f"exit code {rc}")
    with store.transact():
        crashes = CRASHES.get(store)
        CRASHES.set(store, {"count": crashes.get("count", 0) + 1, "at": time.time(), "cause": cause,
                            "log": str(log)})


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
