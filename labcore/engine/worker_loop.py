"""Worker processes: `python -m labcore.worker --serve --store DIR` (a warm pool member),
`python -m labcore.worker RUN_ID --store DIR` (train that one run, cold) or
`python -m labcore.worker --supervise --store DIR` (the store's supervisor).

This module is only the process loop: a worker claims a queued run (or a seed group) in a
transaction and hands it to labcore.engine.runner, which trains it and always leaves a
final status. A worker killed outright leaves its run `running`; the scheduler sees the pid
gone and marks it `interrupted`, rows kept.
"""
from __future__ import annotations

import argparse
import os
import signal
import time

from labcore.core.limits import enforce_memory_limit
from labcore.core.recorder import Cancelled
from labcore.engine import pool, scheduler
from labcore.engine.backends import local
from labcore.engine.launch import max_jobs
from labcore.engine.runner import best_effort, execute, execute_group
from labcore.runs.scheduling import QUEUE
from labcore.runs.store import Store

IDLE_S = float(os.environ.get("LAB_WORKER_IDLE_S", "60"))
MAX_RUNS = int(os.environ.get("LAB_WORKER_MAX_RUNS", "50"))


def serve(store: Store, idle_s: float = IDLE_S, max_runs: int = MAX_RUNS, poll: float = 0.05,
          warm_for: int | None = None) -> int:
    """Claim and train queued runs until idle for `idle_s`, `max_runs` done, or disk full.
    With `warm_for` (the dashboard's pid), idleness does not end it while that process
    lives, and it leaves as soon as it is idle once that process is gone."""
    import torch  # imported once per worker: this is what makes it warm

    if torch.cuda.is_available():
        torch.cuda.init()
    owner = None
    if warm_for is not None:  # what every first run pays for too: the first click trains at once
        from labcore.nn.warm import warm_up

        warm_up()
        owner = {"pid": warm_for, "ticks": local.start_ticks(warm_for)}  # not a reused pid
    enforce_memory_limit()  # after torch's own mappings: the limit is the runs' budget
    done, idle_since, pid, stopped = 0, time.monotonic(), os.getpid(), False
    try:
        while done < max_runs:
            recs = scheduler.claim_next(store, max_jobs()) if QUEUE.read(store) else None
            if recs:  # one run, or a whole seed group on one slot
                best_effort(lambda: pool.healthy(store))
                rec = recs[0]
                status = execute(store, rec) if len(recs) == 1 else execute_group(store, recs)[0]
                done += 1
                idle_since = time.monotonic()
                error = str((store.get(rec["id"]) or {}).get("error"))
                if status == "failed" and ("disk full" in error or error.startswith("out of memory")):
                    break  # a fresh process (the supervisor starts it) gets clean memory
            elif _may_leave(time.monotonic() - idle_since, idle_s, owner) and pool.leave(store, pid):
                return done
            else:
                time.sleep(poll)
    except Cancelled:  # SIGTERM while idle: the pool is being shut down, start no replacement
        stopped = True
    finally:
        best_effort(lambda: pool.leave(store, pid, force=True))
        if not stopped:  # recycled, out of memory or disk full: the supervisor replaces it
            from labcore.engine import supervisor

            best_effort(lambda: supervisor.ensure(store))
    return done


def _may_leave(idle: float, idle_s: float, owner: dict | None) -> bool:
    """An idle worker leaves after `idle_s`; a dashboard's warm worker only once the
    dashboard (`owner`: its pid and start time) is gone, and then at once."""
    if owner is None:
        return idle > idle_s
    return not local.alive(owner)


def run_one(store: Store, rid: str, poll: float = 0.2) -> str:
    """Cold path: wait for a slot for `rid`, train it. A cancel or SIGTERM while queued ends it."""
    import torch  # noqa: F401 - before the memory limit, as in `serve`

    enforce_memory_limit()
    try:
        while True:
            rec = scheduler.claim(store, max_jobs(), rid=rid)
            if rec is not None:
                return execute(store, rec)
            current = store.get(rid)
            if current is None or current["status"] != "queued":
                return (current or {}).get("status", "missing")
            time.sleep(poll)
    except Cancelled:
        scheduler.cancel(store, rid)
        return "cancelled"


def _raise_cancel(signum, frame):  # SIGTERM from `kill` or a scheduler: stop like a cancel
    raise Cancelled()


def main(argv: list[str] | None = None) -> int:
    """CLI entry: train RUN_ID once (cold) or serve the queue (`--serve`) on the store; returns 0."""
    parser = argparse.ArgumentParser(prog="python -m labcore.worker")
    parser.add_argument("run_id", nargs="?", help="train this run once (cold) instead of serving")
    parser.add_argument("--serve", action="store_true", help="serve the queue as a warm pool worker")
    parser.add_argument("--supervise", action="store_true",
                        help="watch the store's workers while work exists (labcore.engine.supervisor)")
    parser.add_argument("--warm-for", type=int, default=None, metavar="PID",
                        help="with --serve: stay warm while process PID (the dashboard) lives")
    parser.add_argument("--store", default=None, help="store directory (default $LAB_CACHE_DIR or ./cache)")
    args = parser.parse_args(argv)
    if not args.serve and not args.run_id and not args.supervise:
        parser.error("give a RUN_ID, --serve or --supervise")
    os.umask(0o077)  # everything a worker creates in the store is private
    if args.supervise:
        from labcore.engine import supervisor

        supervisor.serve(Store(args.store), lambda s: pool.ensure(s, supervise=False))
        return 0
    signal.signal(signal.SIGTERM, _raise_cancel)
    store = Store(args.store)
    if args.serve:
        print(f"worker {os.getpid()}: served {serve(store, warm_for=args.warm_for)} runs", flush=True)
    else:
        print(f"{args.run_id}: {run_one(store, args.run_id)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
