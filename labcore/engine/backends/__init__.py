"""Backends run workers somewhere and answer whether a claim's worker is still alive.

`local` (default): a warm pool of worker processes on this machine (labcore.engine.pool).
`ray` (LAB_BACKEND=ray): a detached dispatcher launches each run as a Ray task that runs
the same worker code, writing through a RunSink actor that owns the store
(labcore.engine.backends.ray). `jobs.start_workers` picks one; neither is imported until a
run is submitted; ray itself is imported only by the dispatcher and the Ray workers.
"""
from __future__ import annotations

import os

BACKENDS = ("local", "ray")


def name() -> str:
    """The configured backend: $LAB_BACKEND, default "local"."""
    return os.environ.get("LAB_BACKEND", "local").strip() or "local"

