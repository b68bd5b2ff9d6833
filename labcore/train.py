"""The one training-loop skeleton and the Recorder every experiment writes through.

An experiment builds its model and data, then calls `train_loop` with a `step_fn` (one
optimisation step, returns the loss) and a `measure_fn` (metrics at a step, pure
measurements). The loop handles cancellation, divergence, progress and logging, so no
experiment carries its own copy of that logic.
"""
from __future__ import annotations

import math
import threading
import time
from typing import Any, Callable

import numpy as np


class Cancelled(Exception):
    """Raised inside a run when a cancel was requested."""


class Diverged(Exception):
    """Raised when the loss becomes non-finite; carries the step."""

    def __init__(self, step: int, value: float) -> None:
        super().__init__(f"loss became {value} at step {step}")
        self.step = step


class Recorder:
    """Collects metric rows, artifacts and progress for one run.

    With a store, rows are buffered and flushed as one chunk every `flush_s` seconds (so
    logging costs no disk I/O per step), a background thread writes the heartbeat and
    polls for cancel requests, and `should_stop()` is a cheap flag read. Without a store
    (tests, benchmarks) everything stays in memory.
    """

    def __init__(self, store: Any = None, run_id: str | None = None, flush_s: float = 0.5,
                 beat_s: float = 0.5) -> None:
        self.store, self.run_id, self.flush_s = store, run_id, flush_s
        self.rows: list[dict] = []          # every row (kept for in-memory use)
        self.artifacts: dict[str, Any] = {}
        self.fraction = 0.0
        self.device: str | None = None
        self.info: dict[str, Any] = {}
        self._pending: list[dict] = []
        self._last_flush = time.monotonic()
        self._stop = threading.Event()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._thread = None
        if store is not None:
            self._thread = threading.Thread(target=self._beat_loop, args=(beat_s,), daemon=True)
            self._thread.start()

    def log(self, step: int, **scalars: float) -> None:
        """Append one metric row; a non-finite `loss` raises Diverged."""
        row = {"step": int(step)}
        for k, v in scalars.items():
            row[k] = float(v)
        self.rows.append(row)
        if self.store is not None:
            with self._lock:
                self._pending.append(row)
        loss = row.get("loss")
        if loss is not None and not math.isfinite(loss):
            self.flush()  # the non-finite row is kept: it shows where the run blew up
            raise Diverged(step, loss)
        if self.store is not None and time.monotonic() - self._last_flush >= self.flush_s:
            self.flush()

    def meta(self, device: str | None = None, **info: Any) -> None:
        """Record the device a run trains on and other facts (e.g. the effective lr)."""
        self.info.update(info)
        if device is not None:
            self.device = device
        if self.store is not None:
            self.store.update(self.run_id, device=self.device, meta=dict(self.info))

    def artifact(self, name: str, value: Any) -> None:
        """Store an array (1-D/2-D) or DataFrame under `name`."""
        self.artifacts[name] = value
        if self.store is not None:
            self.store.put_artifact(self.run_id, name, value)

    def progress(self, fraction: float) -> None:
        """Fraction of the run done, in [0, 1]; written with the next heartbeat."""
        self.fraction = float(min(max(fraction, 0.0), 1.0))

    def should_stop(self) -> bool:
        """True once a cancel was requested (checked every step; no I/O)."""
        return self._stop.is_set()

    def flush(self) -> None:
        """Write pending rows as one chunk."""
        if self.store is None:
            return
        with self._lock:  # held through the write so chunks land in row order
            pending, self._pending = self._pending, []
            self.store.append_rows(self.run_id, pending)
            self._last_flush = time.monotonic()

    def close(self) -> None:
        """Flush and stop the heartbeat thread."""
        self.flush()
        self._closed.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self.store.update(self.run_id, progress=self.fraction)

    def _beat_loop(self, every: float) -> None:
        while not self._closed.wait(every):
            self.store.beat(self.run_id, progress=self.fraction)
            if self.store.cancel_requested(self.run_id):
                self._stop.set()
            # Flush rows here too, so a slow step still shows its rows promptly.
            if time.monotonic() - self._last_flush >= self.flush_s:
                self.flush()


def train_loop(rec: Recorder, steps: int, step_fn: Callable[[int], Any],
               measure_fn: Callable[[int], dict] | None = None, measure_every: int = 1,
               until: Callable[[dict], bool] | None = None) -> int:
    """Run up to `steps` optimisation steps with measurements; returns the steps done.

    `step_fn(step)` performs one update and returns its loss (float or 0-d tensor).
    `measure_fn(step)` returns a dict of metrics; it is called at step 0, every
    `measure_every` steps and after the last step. `until(row)`, if given, ends training
    early once a measured row satisfies it (e.g. the loss reached a target). A non-finite
    loss raises Diverged with the step where it happened; a cancel request raises Cancelled.
    """
    t0 = time.perf_counter()
    for step in range(steps + 1):
        if rec.should_stop():
            raise Cancelled()
        if measure_fn is not None and (step % measure_every == 0 or step == steps):
            row = measure_fn(step)
            rec.log(step, **row)
            if until is not None and step > 0 and until(row):
                steps = step
        if step == steps:
            break
        loss = float(step_fn(step))
        if not math.isfinite(loss):
            rec.log(step, loss=loss)  # records the bad row, raises Diverged
        rec.progress((step + 1) / steps)
    rec.progress(1.0)
    rec.meta(loop_s=time.perf_counter() - t0)  # the loop's own wall time, for `labcore bench`
    return steps


def set_seed(seed: int) -> None:
    """Seed torch and numpy so a Config reproduces the same numbers on the same device."""
    import torch

    torch.manual_seed(seed)
    np.random.seed(seed % (2**32))
