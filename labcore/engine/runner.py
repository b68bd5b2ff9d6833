"""Executing a claimed run or seed group: the one place that trains and decides final status.

`execute(sink, rec)` trains one run claimed by `scheduler.claim`: it resets torch's global
state and thread budget, trains through a Recorder fenced by the claim's attempt, and
always leaves a final status: done, cancelled, diverged (with the step) or failed (with the
traceback, also for a crash before training starts; `disk full: ...` when the disk filled
up; `out of memory (...)`). `execute_group(sink, recs)` trains a seed group's members: by
the experiment's `run_seeds` (one fenced `MemberRecorder` each, a member that ends early is
finished at once through `MemberRecorder.end`; a cancel of any member stops the group), or
else each member's solo run one after another. `sink` is a Store or any RunSink (a Ray
task's proxy, whose own `scheduler` finishes the runs where the store is); this module is
the seam for other backends: anything that can call it next to a RunSink can train a run.
The worker process loop is labcore.engine.worker_loop.
"""
from __future__ import annotations

import platform
import time
import traceback
from typing import Any

from labcore.core.limits import out_of_memory
from labcore.core.recorder import Cancelled, Diverged, Recorder
from labcore.engine import scheduler
from labcore.engine.launch import threads_per_worker
from labcore.runs.disk import is_disk_full
from labcore.runs.store import Store


def reset_torch(threads: int) -> None:
    """Put torch's global state back to a fresh process's, so a warm worker's results equal
    a cold one's: thread budget, determinism flags, default dtype, grad mode, RNG seeds."""
    import random

    import numpy as np
    import torch

    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(False)
    torch.set_default_dtype(torch.float32)
    torch.set_grad_enabled(True)
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = False
    torch.manual_seed(0)
    random.seed(0)
    np.random.seed(0)


def execute(store: Store, rec: dict, threads: int | None = None) -> str:
    """Train the claimed run `rec` (its record as returned by `scheduler.claim`), write its
    final status (fenced by its attempt) and release the claim; returns that status.
    `store` is any RunSink; one with its own `scheduler` (a Ray task's proxy) finishes the
    run through it. `threads`: intra-op threads (default: the local thread budget)."""
    rid, attempt = rec["id"], rec["attempt"]
    sched = getattr(store, "scheduler", scheduler)
    recorder: Recorder | None = None
    final: dict = {}
    t0 = time.perf_counter()
    try:
        reset_torch(threads or threads_per_worker())
        from labcore.core.params import from_dict
        from labcore.core.registry import get as get_experiment

        exp = get_experiment(rec["experiment"])
        cfg = from_dict(exp.config, rec["config"])
        store.update(rid, attempt, versions=versions())
        recorder = Recorder(store, rid, attempt=attempt, divergence_factor=exp.divergence_factor)
        exp.run(cfg, recorder)
        final = {"status": "done", "progress": 1.0}
    except (Cancelled, KeyboardInterrupt):
        final = {"status": "cancelled"}
    except Diverged as exc:
        final = {"status": "diverged", "diverged_step": exc.step, "error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - any crash is recorded with its traceback
        final = failure(exc, recorder)
    finally:
        if recorder is not None:
            recorder.close()
    status = settle(sched, store, rid, attempt, final, t0, recorder)
    best_effort(lambda: store.enforce_budget(keep={rid}))
    return status


def settle(sched: Any, sink: Any, rid: str, attempt: int, final: dict, t0: float,
           recorder: Recorder | None) -> str:
    """The final-status decision of one run, for a solo run and a group member alike: a
    failed row write (`recorder.failure`) turns anything but `diverged` into `failed`; a
    revoked claim writes nothing (the claim is only released) and gives "revoked";
    otherwise `final` is written by `sched.finish` (fenced by `attempt`, which also releases
    the claim), with `run_s` since `t0`. When even that write hits a full disk the run is
    recorded `failed` ("disk full") as best it can. Returns the status."""
    if recorder is not None and recorder.failure and final.get("status") != "diverged":
        final = {"status": "failed", "error": recorder.failure}
    if recorder is not None and recorder.revoked:  # not ours any more: write nothing
        best_effort(lambda: sched.release(sink, rid, attempt))
        return "revoked"
    # run_s: wall time of the experiment itself (data, model, loop, logging), for benchmarks
    try:
        sched.finish(sink, rid, attempt, finished=time.time(),
                     run_s=time.perf_counter() - t0, **final)
    except Exception as exc:  # e.g. the disk is full even for the status
        if not is_disk_full(exc):
            raise
        error = final.get("error") if str(final.get("error", "")).startswith("disk full") else f"disk full: {exc}"
        last = lambda: sched.finish(sink, rid, attempt, status="failed", error=error,  # noqa: E731
                                    finished=time.time(), run_s=time.perf_counter() - t0)
        on_reserve = getattr(sink, "write_on_reserve", None)  # a Store: the reserve makes room
        best_effort(lambda: on_reserve(last) if on_reserve is not None else last())
        best_effort(lambda: sched.release(sink, rid, attempt))
        return "failed"
    return final["status"]


def failure(exc: BaseException, recorder: Recorder | None = None) -> dict:
    """The final fields of a run that raised `exc`: `diverged` when the training loss had
    already blown up (a measurement then fails on the inf/NaN weights: that is the
    divergence, not a crash), else `failed` with "disk full: ...", "out of memory (...)" or
    the traceback."""
    blown = recorder.blown_up() if recorder is not None else None
    if blown is not None:
        step, metric, value = blown
        return {"status": "diverged", "diverged_step": step,
                "error": f"{metric} became {value:.4g} at step {step} ({type(exc).__name__} after it)"}
    if is_disk_full(exc):
        return {"status": "failed", "error": f"disk full: {exc}"}
    oom = out_of_memory(exc)
    if oom:
        return {"status": "failed", "error": oom}
    return {"status": "failed", "error": traceback.format_exc(limit=8)}


class MemberRecorder(Recorder):
    """A member's Recorder that can finish its run on its own (`end`), fenced by its attempt."""

    def __init__(self, sink: Any, rec: dict, sched: Any, t0: float,
                 divergence_factor: float | None = 100.0) -> None:
        super().__init__(sink, rec["id"], attempt=rec["attempt"], divergence_factor=divergence_factor)
        self.sched, self.t0 = sched, t0
        self.outcome: dict | None = None   # the final fields, once written
        self.status: str | None = None

    def end(self, **final: Any) -> str:
        """Write this member's final status now (rows flushed first); returns the status."""
        if self.outcome is not None:
            return self.status
        self.outcome = dict(final)
        self.close()
        self.status = settle(self.sched, self.store, self.run_id, self.attempt, final, self.t0, self)
        return self.status


def execute_group(sink: Any, recs: list[dict], threads: int | None = None) -> list[str]:
    """Train the claimed members `recs` (as `scheduler.claim_next` returns them) with the
    experiment's `run_seeds`, one fenced MemberRecorder each; every member gets a final
    status. Returns the statuses in the order of `recs`."""
    sched = getattr(sink, "scheduler", scheduler)
    t0 = time.perf_counter()
    members: list[MemberRecorder] = []
    final: dict = {"status": "done", "progress": 1.0}
    try:
        reset_torch(threads or threads_per_worker())
        from labcore.core.params import from_dict
        from labcore.core.registry import get as get_experiment

        exp = get_experiment(recs[0]["experiment"])
        if exp.run_seeds is None:  # no ensemble code: the members train one after another
            return [execute(sink, r, threads) for r in recs]
        cfgs = [from_dict(exp.config, r["config"]) for r in recs]
        vers = versions()
        for r in recs:
            sink.update(r["id"], r["attempt"], versions=vers, ensemble=len(recs))
            members.append(MemberRecorder(sink, r, sched, t0, exp.divergence_factor))
        exp.run_seeds(cfgs, members)
    except (Cancelled, KeyboardInterrupt):
        final = {"status": "cancelled"}
    except Exception as exc:  # noqa: BLE001 - a crash fails every member still training
        final = failure(exc)
    statuses = []
    for i, r in enumerate(recs):
        if i < len(members):
            statuses.append(members[i].end(**final))
        else:  # never got a Recorder (crash while building them): finish it directly
            best_effort(lambda r=r: sched.finish(sink, r["id"], r["attempt"], finished=time.time(), **final))
            statuses.append(final["status"])
    best_effort(lambda: sink.enforce_budget(keep={r["id"] for r in recs}))
    return statuses


def versions() -> dict:
    """What a run was trained with (stored on its record, shown in its details and exported):
    the Python and torch versions and torch's intra-op thread count, which, with the device
    (the run's `device` meta), decides whether two runs are bit-identical (README)."""
    import torch

    return {"python": platform.python_version(), "torch": torch.__version__, "threads": torch.get_num_threads()}


def best_effort(fn) -> None:
    """Call `fn`, printing (not raising) what it raises: for the steps on the way out."""
    try:
        fn()
    except Exception:  # noqa: BLE001 - best effort on the way out
        traceback.print_exc()
