"""Seed groups: N runs that differ only in `seed`, trained as ONE job: by the experiment's
`run_seeds` where stacking its seeds pays, else its solo `run` per member, one after another.

Submit: `submit_group` arms, in one transaction, every member that is not a cache hit (nor
already active) and tags the armed ones with one group id; `scheduler.claim_next` then hands
a worker the whole group on one slot. Train: `execute_group(sink, recs)` gives each member
its own fenced Recorder (its own run id, attempt, rows, heartbeat and cancel flag) and calls
`exp.run_seeds(cfgs, recorders)`. A member that ends early (diverged, or done by its
early-stop rule) is finished at once through `MemberRecorder.end`; the rest end together.
A cancel of any member stops the group: the others are recorded `cancelled`.
"""
from __future__ import annotations

import time
import traceback
import uuid
from typing import Any

from labcore.core.recorder import Cancelled, Recorder
from labcore.engine import scheduler
from labcore.runs.disk import is_disk_full
from labcore.runs import scheduling as sched


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
        if self.failure and final.get("status") != "diverged":
            final = {"status": "failed", "error": self.failure}
        if self.revoked:  # not ours any more: write nothing
            _try(lambda: self.sched.release(self.store, self.run_id, self.attempt))
            self.status = "revoked"
            return self.status
        try:
            self.sched.finish(self.store, self.run_id, self.attempt, finished=time.time(),
                              run_s=time.perf_counter() - self.t0, **final)
            self.status = final["status"]
        except Exception as exc:  # noqa: BLE001 - e.g. the disk is full even for the status
            if not is_disk_full(exc):
                raise
            _try(lambda: self.sched.finish(self.store, self.run_id, self.attempt, status="failed",
                                           error="disk full"))
            self.status = "failed"
        return self.status


def execute_group(sink: Any, recs: list[dict], threads: int | None = None) -> list[str]:
    """Train the claimed members `recs` (as `scheduler.claim_next` returns them) with the
    experiment's `run_seeds`, one fenced MemberRecorder each; every member gets a final
    status. Returns the statuses in the order of `recs`."""
    from labcore.engine import pool
    from labcore.engine.worker import _versions, reset_torch

    sched = getattr(sink, "scheduler", scheduler)
    t0 = time.perf_counter()
    members: list[MemberRecorder] = []
    final: dict = {"status": "done", "progress": 1.0}
    try:
        reset_torch(threads or pool.threads_per_worker())
        from labcore.core.params import from_dict
        from labcore.core.registry import get as get_experiment

        exp = get_experiment(recs[0]["experiment"])
        if exp.run_seeds is None:  # no ensemble code: the members train one after another
            from labcore.engine.worker import execute

            return [execute(sink, r, threads) for r in recs]
        cfgs = [from_dict(exp.config, r["config"]) for r in recs]
        versions = _versions()
        for r in recs:
            sink.update(r["id"], r["attempt"], versions=versions, ensemble=len(recs))
            members.append(MemberRecorder(sink, r, sched, t0, exp.divergence_factor))
        exp.run_seeds(cfgs, members)
    except (Cancelled, KeyboardInterrupt):
        final = {"status": "cancelled"}
    except Exception as exc:  # noqa: BLE001 - a crash fails every member still training
        from labcore.engine.worker import failure

        final = failure(exc)
    statuses = []
    for i, r in enumerate(recs):
        if i < len(members):
            statuses.append(members[i].end(**final))
        else:  # never got a Recorder (crash while building them): finish it directly
            _try(lambda r=r: sched.finish(sink, r["id"], r["attempt"], finished=time.time(), **final))
            statuses.append(final["status"])
    _try(lambda: sink.enforce_budget(keep={r["id"] for r in recs}))
    return statuses


def submit_group(store: Any, experiment: str, cfgs: list, force: bool = False) -> list[str]:
    """Arm the members of one seed group in one transaction; returns their run ids (in the
    order of `cfgs`). Cache hits and active members are left as they are; when two or more
    are armed they share a group id, so one worker claims them together."""
    from labcore.core.params import non_default, to_dict
    from labcore.runs.store import run_id

    gid = "g" + uuid.uuid4().hex[:12]
    ids, armed = [], []
    with store.transact():
        for cfg in cfgs:
            overrides = non_default(cfg)
            rid = run_id(experiment, overrides)
            ids.append(rid)
            if scheduler.submit(store, rid, experiment, to_dict(cfg), overrides, force=force,
                                group=gid) == "queued":
                armed.append(rid)
        if len(armed) == 1:  # a group of one is a plain run
            rec = sched.record(store, armed[0])
            rec.pop("group", None)
            sched.save_record(store, rec)
    return ids


def partition(exp: Any, cfgs: list) -> list[list]:
    """Split configs into seed groups (same settings but the seed). A group is one job on one
    slot: trained by `run_seeds` when the experiment stacks its seeds, otherwise its members'
    solo runs one after another in one process (`execute_group`)."""
    import dataclasses

    buckets: dict[Any, list] = {}
    for c in cfgs:
        key = tuple((f.name, getattr(c, f.name)) for f in dataclasses.fields(c) if f.name != "seed")
        buckets.setdefault(key, []).append(c)
    return list(buckets.values())


def _try(fn) -> None:
    try:
        fn()
    except Exception:  # noqa: BLE001 - best effort on the way out
        traceback.print_exc()
