"""`python -m labcore.worker RUN_ID [--store DIR]`: the process that trains one run.

It waits for a concurrency slot (status `queued`, heartbeat on, cancel honoured), then
runs the experiment with a Recorder writing to the store, and always leaves a final
status: done, cancelled, diverged (with the step) or failed (with the traceback). A
worker killed outright leaves `running` with a stale heartbeat, which the store reads as
`interrupted`; its rows stay. This entry point is the seam for other backends: anything
that can run this module next to a store can train a run.
"""
from __future__ import annotations

import argparse
import os
import platform
import signal
import time
import traceback

from labcore.engine import jobs
from labcore.core.registry import get as get_experiment
from labcore.core.params import from_dict
from labcore.runs.store import Store
from labcore.core.recorder import Cancelled, Diverged, Recorder


def execute(store: Store, rid: str, poll: float = 0.2) -> str:
    """Wait for a slot, train run `rid`, write its final status; returns that status."""
    rec = store.get(rid)
    exp = get_experiment(rec["experiment"])
    limit = jobs.max_jobs()
    try:
        while not jobs.try_acquire_slot(store, rid, limit):
            store.beat(rid)
            if store.cancel_requested(rid):
                raise Cancelled()
            time.sleep(poll)
    except Cancelled:  # a cancel request or SIGTERM while still queued
        jobs.release_slot(store, rid)
        store.update(rid, status="cancelled", finished=time.time())
        return "cancelled"
    store.update(rid, status="running", started=time.time(), pid=os.getpid(), versions=_versions())
    store.beat(rid)
    recorder = Recorder(store, rid)
    final: dict = {}
    t0 = time.perf_counter()
    try:
        exp.run(from_dict(exp.config, rec["config"]), recorder)
        final = {"status": "done", "progress": 1.0}
    except (Cancelled, KeyboardInterrupt):
        final = {"status": "cancelled"}
    except Diverged as exc:
        final = {"status": "diverged", "diverged_step": exc.step, "error": str(exc)}
    except Exception:  # noqa: BLE001 - any crash is recorded with its traceback
        final = {"status": "failed", "error": traceback.format_exc(limit=8)}
    finally:
        recorder.close()
        jobs.release_slot(store, rid)
    # run_s: wall time of the experiment itself (data, model, loop, logging), for benchmarks
    store.update(rid, finished=time.time(), run_s=time.perf_counter() - t0, **final)
    store.enforce_budget()
    return final["status"]


def _versions() -> dict:
    import torch

    return {"python": platform.python_version(), "torch": torch.__version__}


def _raise_cancel(signum, frame):  # SIGTERM from `kill` or a scheduler: stop like a cancel
    raise Cancelled()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m labcore.worker")
    parser.add_argument("run_id")
    parser.add_argument("--store", default=None, help="store directory (default $LAB_CACHE_DIR or ./cache)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_cancel)
    status = execute(Store(args.store), args.run_id)
    print(f"{args.run_id}: {status}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
