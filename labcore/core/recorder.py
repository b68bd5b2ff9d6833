"""The Recorder every phenomenon writes through: metric rows, artifacts, progress, cancel.

With a sink (the run store, or any object with the RunSink methods) rows are buffered and
written as one chunk every `flush_s` seconds, and a heartbeat thread renews the run's
claim and polls for cancel requests, so logging costs no I/O per step. Without a sink
(tests, benchmarks) everything stays in memory.
"""
from __future__ import annotations

import math
import threading
import time
from typing import Any


class Cancelled(Exception):
    """Raised inside a run when a cancel was requested."""


class Diverged(Exception):
    """Raised when a logged metric becomes non-finite; carries the step and the metric."""

    def __init__(self, step: int, value: float, metric: str = "loss") -> None:
        super().__init__(f"{metric} became {value} at step {step}")
        self.step, self.metric = step, metric


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
        self._span = (0.0, 1.0)
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
        """Append one metric row; any non-finite value raises Diverged (loss checked first)."""
        row = {"step": int(step)}
        for k, v in scalars.items():
            row[k] = float(v)
        self.rows.append(row)
        if self.store is not None:
            with self._lock:
                self._pending.append(row)
        bad = [k for k in sorted(row, key=lambda k: k != "loss") if k != "step" and not math.isfinite(row[k])]
        if bad:
            self.flush()  # the non-finite row is kept: it shows where the run blew up
            raise Diverged(step, row[bad[0]], bad[0])
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
        """Fraction of the current span done, in [0, 1]; written with the next heartbeat.

        Inside `span(lo, hi)` the run's progress is lo + (hi − lo)·fraction, so loops run
        once per round (pruning rounds, arms) still report progress of the whole run.
        """
        lo, hi = self._span
        f = float(min(max(fraction, 0.0), 1.0))
        self.fraction = max(self.fraction, lo + (hi - lo) * f)

    def span(self, lo: float, hi: float) -> None:
        """Map the progress of the next loop into [lo, hi] of the whole run."""
        self._span = (float(lo), float(hi))

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


