"""The Recorder every phenomenon writes through: metric rows, artifacts, progress, cancel.

With a sink (a RunSink: the run store locally, or anything with the same methods) rows are
buffered, and a heartbeat thread writes them as one chunk every `flush_s` seconds, renews
the run's claim and polls for cancel requests, so the training thread does no I/O per step
(it writes only the first row, every row with `flush_s=0`, a diverging row, and rows the
heartbeat is late with). Every write carries the run's `attempt`: when the sink refuses it (the claim was revoked,
e.g. the run was declared dead or re-armed), the Recorder stops the run at its next step and writes
nothing more. Without a sink (tests, benchmarks) everything stays in memory.
"""
from __future__ import annotations

import math
import threading
import time
from typing import Any, Protocol

from labcore.core.disk_errors import is_disk_full


class Cancelled(Exception):
    """Raised inside a run when a cancel was requested (or its claim was revoked)."""


DIVERGENCE_FACTOR = 100.0  # the training loss above this multiple of its first value: diverged


class Diverged(Exception):
    """Raised when a logged metric becomes non-finite, or the training loss grows past
    `divergence_factor` times its first value; carries the step and the metric."""

    def __init__(self, step: int, value: float, metric: str = "loss", why: str = "") -> None:
        super().__init__(f"{metric} became {value:.4g} at step {step}" + (f" ({why})" if why else "")
                         if math.isfinite(value) else f"{metric} became {value} at step {step}")
        self.step, self.metric, self.value = step, metric, value


class RunSink(Protocol):
    """Where a Recorder writes. Fenced methods return False/None when `attempt` is stale."""

    def get(self, rid: str) -> dict | None:
        """The run record, or None."""
    def append_rows(self, rid: str, rows: list[dict], attempt: int | None = None) -> bool:
        """Append metric rows as one chunk; False when `attempt` is stale."""
    def put_artifact(self, rid: str, name: str, value: Any, attempt: int | None = None) -> bool:
        """Store an array or DataFrame under `name`; False when `attempt` is stale."""
    def update(self, rid: str, attempt: int | None = None, **fields: Any) -> dict | None:
        """Change fields of the record; returns it, or None when `attempt` is stale."""
    def renew(self, rid: str, attempt: int, **fields: Any) -> tuple[bool, bool]:
        """Heartbeat: renew the claim's lease, writing `fields`; returns (still ours, cancel requested)."""


class Recorder:
    """Collects metric rows, artifacts and progress for one run.

    With a store (a RunSink), a background thread renews the claim's lease and polls for
    cancel requests every `beat_s`, and writes the buffered rows as one chunk every
    `flush_s` seconds; `should_stop()` is a cheap flag read. `attempt` fences every write
    (default: the record's current attempt). `revoked` is set when the sink refused a write;
    `failure` holds "disk full: ..." when the disk filled up. Without a store everything
    stays in memory.
    """

    def __init__(self, store: Any = None, run_id: str | None = None, flush_s: float = 0.5,
                 beat_s: float = 0.5, attempt: int | None = None,
                 divergence_factor: float | None = DIVERGENCE_FACTOR) -> None:
        self.store, self.run_id, self.flush_s, self.beat_s = store, run_id, flush_s, beat_s
        # The one divergence rule: any logged metric non-finite, or the training loss
        # ("loss", logged or returned by a step) above divergence_factor x its first
        # positive value (None: only non-finite; an Experiment overrides it where a loss
        # legitimately grows).
        self.divergence_factor = divergence_factor
        self._first_loss: float | None = None
        self._last_loss: tuple[int, float] | None = None  # (step, value) of the latest loss seen
        self.rows: list[dict] = []          # every row (kept for in-memory use)
        self.artifacts: dict[str, Any] = {}
        self.fraction = 0.0
        self._span = (0.0, 1.0)
        self.device: str | None = None
        self.info: dict[str, Any] = {}
        self.revoked = False
        self.failure: str | None = None
        self._pending: list[dict] = []
        self._last_flush = float("-inf")  # the first row is written at once: a live page shows it
        self._t0 = time.monotonic()  # stored rows carry `_t`, seconds since this point (wall-time x axis)
        self._stop = threading.Event()
        self._closed = threading.Event()
        self._lock = threading.Lock()  # guards `_pending`: held only to append or take rows
        self._write_lock = threading.Lock()  # held through a write, so chunks land in row order
        self._thread = None
        if store is not None:
            if attempt is None:
                attempt = (store.get(run_id) or {}).get("attempt")
            self.attempt = attempt
            self._thread = threading.Thread(target=self._beat_loop, args=(beat_s,), daemon=True)
            self._thread.start()

    def log(self, step: int, **scalars: float) -> None:
        """Append one metric row; any non-finite value raises Diverged (loss checked first)."""
        row = {"step": int(step)}
        for k, v in scalars.items():
            row[k] = float(v)
        self.rows.append(row)
        if self.store is not None:
            with self._lock:  # `_t` only on the stored copy: in-memory rows hold metrics alone
                self._pending.append({**row, "_t": round(time.monotonic() - self._t0, 3)})
        bad = [k for k in sorted(row, key=lambda k: k != "loss") if k != "step" and not math.isfinite(row[k])]
        if bad:
            self.flush()  # the non-finite row is kept: it shows where the run blew up
            raise Diverged(step, row[bad[0]], bad[0])
        if "loss" in row:
            self._watch_loss(step, row["loss"])
        if self.store is not None and self._flush_here():
            self.flush()

    def _flush_here(self) -> bool:
        """Whether the training thread writes the pending rows now. The heartbeat thread
        writes them every beat, so a step never waits for the store; the training thread
        writes the first row (a live page shows it at once), every row when `flush_s` is 0,
        and rows the heartbeat left for over `flush_s + 2 beat_s` (e.g. a slow renew)."""
        since = time.monotonic() - self._last_flush
        if since < self.flush_s:
            return False
        return self.flush_s <= 0 or since == math.inf or since >= self.flush_s + 2 * self.beat_s

    def check_loss(self, step: int, loss: float) -> None:
        """Apply the divergence rule to a training step's loss (not logged unless it breaks
        the rule: then its row is written and Diverged raised)."""
        loss = float(loss)
        if not math.isfinite(loss):
            self.log(step, loss=loss)  # records the bad row, raises Diverged
        self._watch_loss(step, loss, log=True)

    def blown_up(self) -> tuple[int, str, float] | None:
        """(step, "loss", value) when the latest training loss seen was already far above its
        first value (over sqrt(divergence_factor) x, e.g. 10x): an exception a measurement
        raises then comes from the blown-up weights and is reported as divergence."""
        if self._last_loss is None or self._first_loss is None or not self.divergence_factor:
            return None
        step, value = self._last_loss
        if not math.isfinite(value) or value > math.sqrt(self.divergence_factor) * self._first_loss:
            return step, "loss", value
        return None

    def _watch_loss(self, step: int, loss: float, log: bool = False) -> None:
        self._last_loss = (int(step), loss)
        if self._first_loss is None:
            if loss > 0:
                self._first_loss = loss
            return
        factor = self.divergence_factor
        if factor and loss > factor * self._first_loss:
            why = f"over {factor:g}x its first value {self._first_loss:.4g}"
            if log:
                row = {"step": int(step), "loss": loss}
                self.rows.append(row)
                if self.store is not None:
                    with self._lock:
                        self._pending.append({**row, "_t": round(time.monotonic() - self._t0, 3)})
            self.flush()
            raise Diverged(int(step), loss, "loss", why)

    def meta(self, device: str | None = None, **info: Any) -> None:
        """Record the device a run trains on and other facts (e.g. the effective lr)."""
        self.info.update(info)
        if device is not None:
            self.device = device
        if self.store is not None and not self.revoked:
            self._check(self.store.update(self.run_id, self.attempt, device=self.device, meta=dict(self.info)))

    def stopped_early(self, step: int, of: int, why: str) -> None:
        """Record that the run ended at `step` of the `of` it planned, and why (e.g. "training
        loss reached the target 0.005"): kept in the record's meta as `stopped_early`, so a
        page can say why a run ended early instead of jumping from 52% to done."""
        self.meta(stopped_early={"step": int(step), "of": int(of), "why": str(why)})

    def artifact(self, name: str, value: Any) -> None:
        """Store an array (1-D/2-D) or DataFrame under `name`."""
        self.artifacts[name] = value
        if self.store is not None and not self.revoked:
            self._check(self.store.put_artifact(self.run_id, name, value, self.attempt))

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
        """True once a cancel was requested or the claim was lost (checked every step; no I/O)."""
        return self._stop.is_set()

    def flush(self) -> None:
        """Write pending rows as one chunk (dropped when the claim was revoked)."""
        if self.store is None:
            return
        with self._write_lock:  # taken before the rows, so chunks land in row order
            with self._lock:  # the training thread's `log` waits only for this swap, not the write
                pending, self._pending = self._pending, []
                if pending:  # an empty beat is no write: the first row must still go at once
                    self._last_flush = time.monotonic()
            if pending and not self.revoked:
                self._check(self.store.append_rows(self.run_id, pending, self.attempt))

    def close(self) -> None:
        """Flush and stop the heartbeat thread (errors here are kept in `failure`, not raised
        twice: the worker records them)."""
        self._closed.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.store is None:
            return
        try:
            self.flush()
            if not self.revoked:
                self._check(self.store.update(self.run_id, self.attempt, progress=self.fraction))
        except Exception as exc:  # noqa: BLE001 - e.g. disk full: the worker reports it
            self._fail(exc)

    def _check(self, ok: Any) -> None:
        if not ok:  # the sink refused this attempt's write: someone else owns the run now
            self.revoked = True
            self._stop.set()

    def _fail(self, exc: BaseException) -> None:
        if self.failure is None:
            self.failure = f"disk full: {exc}" if is_disk_full(exc) else f"{type(exc).__name__}: {exc}"
        self._stop.set()

    def _beat_loop(self, every: float) -> None:
        # Never dies silently: an I/O error stops the run with `failure` set instead.
        errors = 0
        while not self._closed.wait(every):
            try:
                ok, cancel = self.store.renew(self.run_id, self.attempt, progress=self.fraction)
                self._check(ok)
                if cancel:
                    self._stop.set()
                # The rows' regular writer, off the training thread (so also prompt after a slow
                # step): at the beat nearest `flush_s` after the last write (defaults: every beat).
                if time.monotonic() - self._last_flush + every / 2 >= self.flush_s:
                    self.flush()
                errors = 0
            except Exception as exc:  # noqa: BLE001 - any failed beat counts; a full disk or 20 in a row end the run
                errors += 1
                if is_disk_full(exc) or errors >= 20:  # a transient lock is retried; a full disk is not
                    self._fail(exc)
            if self.revoked:
                return
