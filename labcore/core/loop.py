"""The one training-loop skeleton, with scheduled callbacks.

A phenomenon builds its model and data, then calls `train_loop` with a `step_fn` (one
optimisation step, returns the loss of the parameters it started from) and one or more
measurements, each with its own schedule: every n steps, log-spaced steps, given steps.
The loop handles cancellation, divergence, progress and logging, so no phenomenon carries
its own copy of that logic. Measurements due at the same step are merged into one row.
Rounds (e.g. pruning rounds) call the loop once per round inside `recorder.span(lo, hi)`, so
progress and ETA stay right across rounds.
"""
from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from labcore.core.recorder import Cancelled, Recorder


@dataclass(frozen=True)
class Schedule:
    """When a measurement runs: `due(step, steps)` is True at the steps it should run.

    Step 0 (before any update) and the last step are always included, so every curve
    starts at initialisation and ends at the trained model.
    """

    every: int = 0                    # every n steps (0: off)
    log_points: int = 0               # about this many log-spaced steps (0: off)
    steps_at: tuple[int, ...] = ()    # these exact steps

    def due(self, step: int, steps: int) -> bool:
        """True when the measurement runs at `step` of a `steps`-step loop (always at 0 and `steps`)."""
        if step == 0 or step == steps:
            return True
        if self.every and step % self.every == 0:
            return True
        if self.steps_at and step in self.steps_at:
            return True
        if self.log_points:
            return step in _log_steps(steps, self.log_points)
        return False


def every(n: int) -> Schedule:
    """At step 0, every n steps and the last step."""
    return Schedule(every=max(1, int(n)))


def log_spaced(points: int) -> Schedule:
    """About `points` steps spaced evenly in log(step), plus 0 and the last step."""
    return Schedule(log_points=max(1, int(points)))


def at(steps: Iterable[int]) -> Schedule:
    """Exactly these steps (plus 0 and the last step)."""
    return Schedule(steps_at=tuple(sorted(int(s) for s in steps)))


@functools.lru_cache(maxsize=64)
def _log_steps(steps: int, points: int) -> frozenset[int]:
    """0, `steps` and about `points` steps spaced evenly in log(step) (computed once per run)."""
    out = {0, steps} | {int(round(steps ** (i / max(1, points - 1)))) for i in range(points)}
    return frozenset(s for s in out if 0 <= s <= steps)


Measure = Callable[[int], dict]


def train_loop(recorder: Recorder, steps: int, step_fn: Callable[[int], Any],
               measure_fn: Measure | None = None, measure_every: int = 1,
               until: Callable[[dict], bool] | None = None,
               schedules: Iterable[tuple[Schedule, Measure]] = ()) -> int:
    """Run up to `steps` optimisation steps with measurements; returns the steps done.

    `step_fn(step)` performs one update and returns its loss (float or 0-d tensor).
    `measure_fn(step)` returns a dict of metrics at step 0, every `measure_every` steps and
    after the last step; `schedules` adds (Schedule, measure) pairs with cadences of their
    own (e.g. sharpness less often than loss). `until(row)` ends training early once a
    measured row satisfies it; when it returns a string (the reason, e.g. "training loss
    reached the target 0.005") the run records it (`recorder.stopped_early`), so the page can say
    why the run ended before its last step. A non-finite value raises Diverged with the
    step and the metric; a cancel request raises Cancelled.
    """
    plan = list(schedules)
    if measure_fn is not None:
        plan.insert(0, (every(measure_every), measure_fn))
    t0, cpu0 = time.perf_counter(), time.process_time()
    step = 0
    while True:
        if recorder.should_stop():
            raise Cancelled()
        row: dict = {}
        for schedule, fn in plan:
            if schedule.due(step, steps):
                row.update(fn(step) or {})
        if row:
            recorder.log(step, **row)
            why = until(row) if until is not None and step > 0 else None
            if why:
                if isinstance(why, str) and step < steps and hasattr(recorder, "stopped_early"):
                    recorder.stopped_early(step, steps, why)
                steps = step
        if step >= steps:
            break
        loss = float(step_fn(step))
        check = getattr(recorder, "check_loss", None)  # the Recorder's divergence rule
        if check is not None:
            check(step, loss)
        elif not math.isfinite(loss):
            recorder.log(step, loss=loss)  # records the bad row, raises Diverged
        step += 1
        recorder.progress(step / steps)
    recorder.progress(1.0)
    # the loop's own wall and CPU time (this process, every thread), for `labcore bench`
    recorder.meta(loop_s=time.perf_counter() - t0, loop_cpu_s=time.process_time() - cpu0)
    return steps
