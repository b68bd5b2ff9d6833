"""Backends run workers somewhere and answer whether a claim's worker is still alive.

`local` (default): a warm pool of worker processes on this machine (labcore.engine.pool).
A `ray` backend (LAB_BACKEND=ray) will run the same worker code as Ray tasks, writing
through a RunSink actor; it plugs in here with the same two functions.
"""
from __future__ import annotations

import os


def name() -> str:
    """The configured backend: $LAB_BACKEND, default "local"."""
    return os.environ.get("LAB_BACKEND", "local")


def start_workers(store) -> list[int]:
    """Make sure workers will pick up queued runs of `store`; returns new worker ids."""
    if name() != "local":
        raise NotImplementedError(f"backend {name()!r} is not available yet (only 'local')")
    from labcore.engine import pool

    return pool.ensure(store)
