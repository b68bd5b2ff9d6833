"""Worker processes: `python -m labcore.worker --serve --store DIR` (a warm pool member) or
`python -m labcore.worker RUN_ID --store DIR` (train that one run, cold).

A worker claims a queued run in a transaction, resets torch's global state and thread
budget, trains it through a Recorder fenced by the claim's attempt, and always leaves a
final status: done, cancelled, diverged (with the step) or failed (with the traceback, also
for a crash before training starts; `disk full: ...` when the disk filled up). A worker
killed outright leaves its run `running`; the scheduler sees the pid gone and marks it
`interrupted`, rows kept. This module is the seam for other backends: anything that can run
`execute` next to a RunSink can train a run.
"""
from __future__ import annotations

import argparse
import os
import platform
import signal
import time
import traceback

from labcore.core.limits import enforce_memory_limit, out_of_memory
from labcore.core.recorder import Cancelled, Diverged, Recorder
from labcore.engine import pool, scheduler
from labcore.runs.disk import is_disk_full
from labcore.runs.scheduling import QUEUE
from labcore.runs.store import Store

IDLE_S = float(os.environ.get("LAB_WORKER_IDLE_S", "60"))
MAX_RUNS = int(os.environ.get("LAB_WORKER_MAX_RUNS", "50"))


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
        reset_torch(threads or pool.threads_per_worker())
        from labcore.core.params import from_dict
        from labcore.core.registry import get as get_experiment

        exp = get_experiment(rec["experiment"])
        cfg = from_dict(exp.config, rec["config"])
        store.update(rid, attempt, versions=_versions())
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
    if recorder is not None and recorder.failure and final["status"] != "diverged":
        final = {"status": "failed", "error": recorder.failure}
    if recorder is not None and recorder.revoked:
        sched.release(store, rid, attempt)  # not ours any more: write nothing
        return "revoked"
    # run_s: wall time of the experiment itself (data, model, loop, logging), for benchmarks
    try:
        sched.finish(store, rid, attempt, finished=time.time(),
                     run_s=time.perf_counter() - t0, **final)
    except Exception as exc:  # noqa: BLE001 - e.g. the disk is full even for the status
        if not is_disk_full(exc):
            raise
        final = {"status": "failed", "error": f"disk full: {exc}"}
        _try(lambda: sched.finish(store, rid, attempt, status="failed", error="disk full"))
        _try(lambda: sched.release(store, rid, attempt))
    _try(lambda: store.enforce_budget(keep={rid}))
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


def execute_group(store: Store, recs: list[dict], threads: int | None = None) -> list[str]:
    """Train claimed seed-group members `recs` together with the experiment's `run_seeds`
    (see labcore.engine.groups); every member gets its own final status, returned in order."""
    from labcore.engine.groups import execute_group as run_group

    return run_group(store, recs, threads)


def serve(store: Store, idle_s: float = IDLE_S, max_runs: int = MAX_RUNS, poll: float = 0.05) -> int:
    """Claim and train queued runs until idle for `idle_s`, `max_runs` done, or disk full."""
    import torch  # imported once per worker: this is what makes it warm

    if torch.cuda.is_available():
        torch.cuda.init()
    enforce_memory_limit()  # after torch's own mappings: the limit is the runs' budget
    done, idle_since, pid, stopped = 0, time.monotonic(), os.getpid(), False
    try:
        while done < max_runs:
            recs = scheduler.claim_next(store, pool.max_jobs()) if QUEUE.read(store) else None
            if recs:  # one run, or a whole seed group on one slot
                rec = recs[0]
                status = execute(store, rec) if len(recs) == 1 else execute_group(store, recs)[0]
                done += 1
                idle_since = time.monotonic()
                error = str((store.get(rec["id"]) or {}).get("error"))
                if status == "failed" and ("disk full" in error or error.startswith("out of memory")):
                    break  # a fresh process (the supervisor starts it) gets clean memory
            elif time.monotonic() - idle_since > idle_s and pool.leave(store, pid):
                return done
            else:
                time.sleep(poll)
    except Cancelled:  # SIGTERM while idle: the pool is being shut down, start no replacement
        stopped = True
    finally:
        _try(lambda: pool.leave(store, pid, force=True))
        if not stopped:  # recycled, out of memory or disk full: the supervisor replaces it
            from labcore.engine import supervisor

            _try(lambda: supervisor.ensure(store))
    return done


def run_one(store: Store, rid: str, poll: float = 0.2) -> str:
    """Cold path: wait for a slot for `rid`, train it. A cancel or SIGTERM while queued ends it."""
    import torch  # noqa: F401 - before the memory limit, as in `serve`

    enforce_memory_limit()
    try:
        while True:
            rec = scheduler.claim(store, pool.max_jobs(), rid=rid)
            if rec is not None:
                return execute(store, rec)
            current = store.get(rid)
            if current is None or current["status"] != "queued":
                return (current or {}).get("status", "missing")
            time.sleep(poll)
    except Cancelled:
        scheduler.cancel(store, rid)
        return "cancelled"


def _try(fn) -> None:
    try:
        fn()
    except Exception:  # noqa: BLE001 - best effort on the way out
        traceback.print_exc()


def _versions() -> dict:
    import torch

    return {"python": platform.python_version(), "torch": torch.__version__}


def _raise_cancel(signum, frame):  # SIGTERM from `kill` or a scheduler: stop like a cancel
    raise Cancelled()


def main(argv: list[str] | None = None) -> int:
    """CLI entry: train RUN_ID once (cold) or serve the queue (`--serve`) on the store; returns 0."""
    parser = argparse.ArgumentParser(prog="python -m labcore.worker")
    parser.add_argument("run_id", nargs="?", help="train this run once (cold) instead of serving")
    parser.add_argument("--serve", action="store_true", help="serve the queue as a warm pool worker")
    parser.add_argument("--supervise", action="store_true",
                        help="watch the store's workers while work exists (labcore.engine.supervisor)")
    parser.add_argument("--store", default=None, help="store directory (default $LAB_CACHE_DIR or ./cache)")
    args = parser.parse_args(argv)
    if not args.serve and not args.run_id and not args.supervise:
        parser.error("give a RUN_ID, --serve or --supervise")
    os.umask(0o077)  # everything a worker creates in the store is private
    if args.supervise:
        from labcore.engine import supervisor

        supervisor.serve(Store(args.store))
        return 0
    signal.signal(signal.SIGTERM, _raise_cancel)
    store = Store(args.store)
    if args.serve:
        print(f"worker {os.getpid()}: served {serve(store)} runs", flush=True)
    else:
        print(f"{args.run_id}: {run_one(store, args.run_id)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
