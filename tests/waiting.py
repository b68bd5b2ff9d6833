"""Waiting for something that happens in another thread or process, without timing it.

`eventually(cond)` polls until `cond()` is true and returns its last value. The guard is
only there so a broken engine fails the test instead of hanging it: it is minutes long, far
beyond any stall of a busy machine, and no test asserts how fast anything happened (that is
what `python -m labcore bench` measures).
"""
from __future__ import annotations

import time

GUARD_S = 300.0
# How long a test's workers get to leave on SIGTERM at teardown before SIGKILL (pool.shutdown's
# own default, 10 s, is for a real store): none. The test's store is thrown away, so nothing
# needs a graceful exit (the worker settling its claim, then an interpreter shutdown with torch
# loaded: docs/measurements.md, "Test suite"). The flock-based store lock and SQLite's journal
# are released and recovered when a holder is killed.
# tests/engine/test_faults.py shuts pools down with the default.
TEARDOWN_S = 0.0


def eventually(cond, guard: float = GUARD_S, poll: float = 0.02):
    """Poll `cond()` until it is truthy or the hang guard passes; returns its last value."""
    deadline = time.monotonic() + guard
    value = cond()
    while not value and time.monotonic() < deadline:
        time.sleep(poll)
        value = cond()
    return value
