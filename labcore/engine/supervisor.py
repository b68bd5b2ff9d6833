"""The store's supervisor: one small process (no torch) that lives while work exists.

Liveness must not depend on a viewer: a worker killed outright (SIGKILL, the kernel) leaves
its run `running` and nobody else may be polling (no dashboard, no `jobs.wait`). So every
`ensure` of the pool also makes sure the store has a supervisor
(`python -m labcore.worker --supervise --store DIR`). Every `POLL_S` it

- settles runs whose worker process is gone as `interrupted` (rows kept; the error says
  "worker process 1234 was killed (SIGKILL)" / "... exited with code N"),
- starts replacement workers while runs are queued (it is their parent, so it sees how
  they end), and
- leaves, in a transaction that sees no queued and no running run, after `QUIET_S` quiet
  seconds; a submit meanwhile finds it gone and starts a new one.

It is registered under the store key `supervisor` ({"pid", "ticks"}), changed only in
transactions, so there is at most one per store.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any, Callable

from labcore.engine import launch
from labcore.engine.backends import local
from labcore.runs.disk import StoreDamaged
from labcore.runs.scheduling import CLAIMS, QUEUE, SUPERVISOR
from labcore.runs.store import Store

POLL_S = float(os.environ.get("LAB_SUPERVISE_S", "0.5"))
QUIET_S = float(os.environ.get("LAB_SUPERVISOR_QUIET_S", "5"))
FULL_REAP_EVERY = 20  # polls between full reaps (which read every record)


def alive(store: Store) -> bool:
    """True when the registered supervisor process exists."""
    sup = SUPERVISOR.read(store)
    return bool(sup) and local.alive(sup)


def ensure(store: Store) -> int | None:
    """Start the store's supervisor unless a live one is registered; returns the new pid."""
    if alive(store):  # the common case: read only, no write lock
        return None
    with store.transact():
        sup = SUPERVISOR.get(store)
        if sup and local.alive(sup):
            return None
        pid = _spawn(store)
        SUPERVISOR.set(store, {"pid": pid, "ticks": local.start_ticks(pid)})
    return pid


def _spawn(store: Store) -> int:
    logs = store.dir / "logs"
    logs.mkdir(mode=0o700, exist_ok=True)
    fd = os.open(logs / "supervisor.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        proc = subprocess.Popen(launch.command(store, "--supervise"), cwd=str(launch.ROOT),
                                env=launch.worker_env(store), stdout=fd, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    finally:
        os.close(fd)
    threading.Thread(target=proc.wait, name=f"reap-supervisor-{proc.pid}", daemon=True).start()
    return proc.pid


def serve(store: Store, ensure_workers: Callable[[Store], Any], poll: float = POLL_S,
          quiet_s: float = QUIET_S) -> None:
    """The supervisor loop (see the module doc); returns when there is no work left.
    `ensure_workers(store)` starts the workers the queue needs (the local pool's `ensure`,
    passed in by the caller: the pool starts the supervisor, so this module cannot import it)."""
    from labcore.engine import scheduler

    me = {"pid": os.getpid(), "ticks": local.start_ticks(os.getpid())}
    quiet_since: float | None = None
    polls = 0
    while True:
        polls += 1
        sup = SUPERVISOR.read(store)
        if sup and (sup.get("pid"), sup.get("ticks")) != (me["pid"], me["ticks"]) and local.alive(sup):
            return  # another supervisor took over (e.g. this one was stopped for a long time)
        try:
            if polls % FULL_REAP_EVERY == 0:
                scheduler.reap(store)
            else:
                scheduler.reap_claims(store)
            queue = QUEUE.read(store)
            claims = CLAIMS.read(store)
            if queue or claims:
                quiet_since = None
                if queue:
                    ensure_workers(store)
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > quiet_s and _leave(store, me):
                return
        except StoreDamaged as exc:  # nothing to supervise until `labcore doctor` repairs it
            print(f"supervisor: {exc}", file=sys.stderr, flush=True)
            return
        except Exception as exc:  # noqa: BLE001 - a locked or full store: try again next poll
            print(f"supervisor: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        time.sleep(poll)


def _leave(store: Store, me: dict) -> bool:
    with store.transact():
        if QUEUE.get(store) or CLAIMS.get(store):
            return False
        sup = SUPERVISOR.get(store)
        if sup and sup.get("pid") == me["pid"]:
            SUPERVISOR.clear(store)
    return True


def stop(store: Store, timeout: float = 10.0) -> None:
    """Stop the store's supervisor (SIGTERM, then SIGKILL) and unregister it."""
    sup = SUPERVISOR.read(store)
    if sup and local.alive(sup) and sup["pid"] != os.getpid():
        try:
            os.kill(sup["pid"], signal.SIGCONT)
            os.kill(sup["pid"], signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and local.pid_alive(sup["pid"]):
            time.sleep(0.05)
        if local.pid_alive(sup["pid"]):
            try:
                os.kill(sup["pid"], signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    with store.transact():
        SUPERVISOR.clear(store)
