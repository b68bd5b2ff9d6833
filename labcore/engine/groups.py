"""Seed groups: N runs that differ only in `seed`, trained as ONE job: by the experiment's
`run_seeds` where stacking its seeds pays, else its solo `run` per member, one after another.

Submit: `submit_group` arms, in one transaction, every member that is not a cache hit (nor
already active) and tags the armed ones with one group id; `scheduler.claim_next` then hands
a worker the whole group on one slot. Train (labcore.engine.runner): `execute_group(sink,
recs)` gives each member its own fenced Recorder (its own run id, attempt, rows, heartbeat and cancel flag) and calls
`exp.run_seeds(cfgs, recorders)`. A member that ends early (diverged, or done by its
early-stop rule) is finished at once through `MemberRecorder.end`; the rest end together.
A cancel of any member stops the group: the others are recorded `cancelled`.
"""
from __future__ import annotations

import uuid
from typing import Any

from labcore.engine import scheduler
from labcore.runs import scheduling


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
            rec = scheduling.record(store, armed[0])
            rec.pop("group", None)
            scheduling.save_record(store, rec)
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
