"""The setup shared by the tests that kill, stop or cancel a worker mid-run: a slow quadratic
run (the test plugin, `sleep_ms` per step) that has stored some rows, and its worker paused
for the length of a block."""
from __future__ import annotations

import contextlib
import os
import signal

from labcore.engine import jobs
from tests.waiting import eventually

LONG = {"steps": 100_000, "sleep_ms": 2}  # far longer than any test waits: it is killed or cancelled


def wait_rows(store, rid: str, n: int) -> None:
    """Wait until run `rid` has stored `n` rows (a hang guard, not a timing)."""
    assert eventually(lambda: len(store.metrics(rid)) >= n, poll=0.05), store.get(rid)


def running(store, rows: int, **overrides) -> tuple[str, int]:
    """Submit a slow quadratic run (LONG with `overrides`) and wait until it has stored `rows`
    rows; returns (its run id, the pid of the worker training it)."""
    rid = jobs.submit("quadratic", {**LONG, **overrides}, store)
    wait_rows(store, rid, rows)
    return rid, store.get(rid)["pid"]


@contextlib.contextmanager
def stopped(pid: int):
    """SIGSTOP process `pid` for the block; SIGCONT after it, also when the block fails."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)
