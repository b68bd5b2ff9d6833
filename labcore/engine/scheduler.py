"""Scheduling state in the store: one transaction per submit, cancel, claim and finish.

- `queue`: run ids waiting, FIFO. `claims`: {run_id: {"pid", "attempt", "host", "ticks"}}
  of the runs being trained; there are never more claims than slots.
- A run is armed (`queued`, attempt += 1, enqueued) in the same transaction that decides it
  is not a cache hit and not already active, so simultaneous submits give one attempt.
- Liveness: a claim of this host is dead exactly when its worker process is gone (checked by
  pid and process start time): a stopped (SIGSTOP, laptop lid) or stalled worker that still
  exists is never declared dead, however long. Only where the process cannot be seen (a
  Ray task, another host) does the lease decide: dead `dead_after_s()` past it. Then the
  run is `interrupted`, its error naming what happened (`exit_cause`). Queued runs are
  never dead. The store's supervisor (labcore.engine.supervisor) reaps while work exists,
  so this does not wait for a viewer.
- Cancel is final: `finish` and `cancel` are one transaction each, and `finish` turns a
  `done` into `cancelled` when the cancel flag is set, so an acknowledged cancel never ends
  `done`.
"""
from __future__ import annotations

import os
import socket
import time

from labcore.engine.backends import local
from labcore.engine.launch import max_crashes
from labcore.runs import scheduling as sched
from labcore.runs.scheduling import CLAIMS, CRASHES, EXITS, INDEX, QUEUE
from labcore.core import env
from labcore.runs.store import Store, lease_s, new_record
from labcore.core.run_states import ACTIVE, FINISHED, REUSABLE

HOST = socket.gethostname()


class QueueFull(RuntimeError):
    """More than LAB_MAX_QUEUED runs are waiting."""


def max_queued() -> int:
    """How many runs may wait in the queue: $LAB_MAX_QUEUED (default 256)."""
    return env.number("LAB_MAX_QUEUED", 256)


def dead_after_s() -> float:
    """How long past its lease a claim must be before the run is declared dead."""
    return env.number("LAB_LEASE_DEAD_S", 300.0)


def submit(store: Store, rid: str, experiment: str, config: dict, overrides: dict,
           force: bool = False, group: str | None = None) -> str:
    """Arm run `rid` unless it is a cache hit or active. Returns "hit", "attached" or "queued".
    `group` tags the armed record as a member of a seed group (claimed together, one slot)."""
    with store.transact():
        old = _settle(store, sched.record(store, rid))
        if old is not None and old["status"] in ACTIVE:
            return "attached"
        if old is not None and old["status"] in REUSABLE and not force:
            return "hit"
        queue = QUEUE.get(store)
        if len(queue) >= max_queued():
            raise QueueFull(f"the queue is full: {len(queue)} run(s) waiting, LAB_MAX_QUEUED={max_queued()}; "
                            "wait for them or cancel some")
        if CRASHES.get(store).get("count", 0) >= max_crashes():
            CRASHES.clear(store)  # workers were given up on: a new submit tries them again
        rec = new_record(rid, experiment, config, overrides, (old or {}).get("attempt", 0) + 1)
        rec["artifacts"] = list((old or {}).get("artifacts", []))  # old data stays readable
        if group is not None:
            rec["group"] = group
        rec.update({k: old[k] for k in ("name", "notes") if old and k in old})  # the user's, kept on re-run
        store.put_record(rec)
        sched.clear_cancel(store, rid)
        QUEUE.set(store, [r for r in queue if r != rid] + [rid])
    return "queued"


def cancel(store: Store, rid: str) -> dict | None:
    """A queued run is dequeued and `cancelled` at once; a running one gets the cancel flag
    (its worker sees it within about a second); a run whose worker is gone ends now."""
    with store.transact():
        rec = sched.record(store, rid)
        if rec is None or rec["status"] in FINISHED:
            return rec
        claim = CLAIMS.get(store).get(rid)
        if rec["status"] == "queued" or claim is None or _dead(claim, rec):
            QUEUE.set(store, [r for r in QUEUE.get(store) if r != rid])
            _drop_claim(store, rid)
            rec.update(status="cancelled", finished=time.time())
            sched.save_record(store, rec)
        else:
            store.request_cancel(rid)
    return rec


def claim(store: Store, limit: int, rid: str | None = None, pid: int | None = None,
          host: str | None = None, **extra) -> dict | None:
    """Take the next queued run (or run `rid`) for this process if a slot is free; returns
    its record (now `running`, with its attempt) or None. `host` and `extra` describe a
    worker elsewhere (the Ray backend: its node, its dispatcher as `owner`, its task)."""
    def choose(live: list[str], recs: dict) -> tuple[list[str], str | None]:
        return ([rid] if rid in live else []) if rid is not None else live[:1], None
    taken = _take(store, limit, pid, host, choose, extra)
    return taken[0] if taken else None


def claim_next(store: Store, limit: int, pid: int | None = None, host: str | None = None,
               **extra) -> list[dict] | None:
    """Take the next queued run for this process if a slot is free; when it belongs to a seed
    group, take every queued member of that group too, all on ONE slot. Returns the claimed
    records (now `running`; one for a plain run) or None. The list is what
    `runner.execute_group(sink, recs)` (or `runner.execute` for one run) trains. `host` and
    `extra` describe a worker elsewhere, as in `claim`."""
    def choose(live: list[str], recs: dict) -> tuple[list[str], str | None]:
        gid = recs[live[0]].get("group") if live else None
        return [r for r in live if gid is not None and recs[r].get("group") == gid] or live[:1], gid
    return _take(store, limit, pid, host, choose, extra) or None


def _take(store: Store, limit: int, pid: int | None, host: str | None, choose, extra: dict
          ) -> list[dict]:
    """The one claim transaction: reap dead claims, check the slots, drop orphans from the
    queue, then mark the runs `choose(live, records)` picks `running` on one slot (the
    group's, else each run's own). Returns their records ([] when none)."""
    pid = pid or os.getpid()
    host = host or HOST
    with store.transact():
        claims = _reap_claims(store)
        if slots(claims) >= limit:
            return []
        queue = QUEUE.get(store)
        recs = {r: sched.record(store, r) or {} for r in queue}
        live = [r for r in queue if recs[r].get("status") == "queued"]
        if live != queue:  # orphans (finished, deleted) never block the queue
            QUEUE.set(store, live)
        picks, slot = choose(live, recs)
        if not picks:
            return []
        now, ticks, out = time.time(), local.start_ticks(pid) if host == HOST else None, []
        for r in picks:
            rec = recs[r]
            rec.update(status="running", started=now, pid=pid, host=host, heartbeat=now,
                       lease_until=now + lease_s())
            sched.save_record(store, rec)
            claims[r] = {"pid": pid, "attempt": rec["attempt"], "host": host, "ticks": ticks,
                         "slot": slot or r, **extra}
            out.append(rec)
        QUEUE.set(store, [r for r in live if r not in picks])
        CLAIMS.set(store, claims)
    return out


def slots(claims: dict) -> int:
    """Slots in use: a seed group's members share one (their claims carry its `slot`)."""
    return len({c.get("slot", rid) for rid, c in claims.items()})


def finish(store: Store, rid: str, attempt: int, **final) -> bool:
    """Write the final status of `attempt` (fenced) and release its claim."""
    with store.transact():
        if final.get("status") == "done" and sched.cancel_flag(store, rid):
            final["status"] = "cancelled"  # the cancel was acknowledged while running: it wins
        ok = store.update(rid, attempt, **final) is not None
        release(store, rid, attempt)
    return ok


def release(store: Store, rid: str, attempt: int) -> None:
    """Give the claim of `attempt` back (no-op when it is not that attempt's)."""
    with store.transact():
        claims = CLAIMS.get(store)
        if claims.get(rid, {}).get("attempt") == attempt:
            _drop_claim(store, rid)


def reap(store: Store) -> list[str]:
    """Mark runs whose worker is dead `interrupted` (rows kept); returns their ids. Also
    re-enqueues a `queued` record missing from the queue, so nothing waits forever."""
    if not _needs_reap(store):  # the common case: read only, no write lock taken
        return []
    dead: list[str] = []
    with store.transact():
        before = set(CLAIMS.get(store))
        after = _reap_claims(store)
        dead = sorted(before - set(after))
        queue = QUEUE.get(store)
        for rid in INDEX.get(store):
            rec = sched.record(store, rid) or {}
            if rec.get("status") == "queued" and rid not in queue:
                queue.append(rid)
                QUEUE.set(store, queue)
            elif rec.get("status") == "running" and rid not in after and _dead({}, rec):
                _interrupt(store, rec, exit_cause(store, rec.get("pid")))  # claimed by an older engine
                dead.append(rid)
    return dead


def reap_claims(store: Store) -> list[str]:
    """The cheap part of `reap` (the supervisor's every poll): settle claims whose worker is
    dead; reads only the claims and their records unless one is dead."""
    claims = CLAIMS.read(store)
    if not any(_dead(c, store.get(rid) or {"created": 0}) or (store.get(rid) or {}).get("status") != "running"
               for rid, c in claims.items()):
        return []
    with store.transact():
        before = set(CLAIMS.get(store))
        return sorted(before - set(_reap_claims(store)))


def _needs_reap(store: Store) -> bool:
    claims = CLAIMS.read(store)
    queue = QUEUE.read(store)
    for rid in INDEX.read(store):
        rec = store.get(rid) or {}
        if rec.get("status") == "queued" and rid not in queue:
            return True
        if rec.get("status") == "running" and _dead(claims.get(rid, {}), rec):
            return True
    return any((store.get(rid) or {}).get("status") != "running" for rid in claims)


def queue_position(store: Store) -> dict[str, int]:
    """{run_id: 1-based place in the queue} for queued runs."""
    return {rid: i + 1 for i, rid in enumerate(QUEUE.read(store))}


def _reap_claims(store: Store) -> dict:
    claims = CLAIMS.get(store)
    kept = {}
    for rid, c in claims.items():
        rec = sched.record(store, rid)
        if rec is None or rec["status"] != "running" or rec.get("attempt") != c["attempt"]:
            continue  # stale claim: the run moved on
        why = _death(store, c, rec)
        if why is None:
            kept[rid] = c  # alive, or its parent is about to record how it ended: settle next time
            continue
        _interrupt(store, rec, why)
    if kept != claims:
        CLAIMS.set(store, kept)
    return kept


def _dead(claim: dict, rec: dict) -> bool:
    c = claim or {"pid": rec.get("pid"), "host": rec.get("host", HOST), "ticks": None}
    owner = c.get("owner")  # a Ray task dies with the dispatcher that launched it
    if owner and local.owns(owner) and not local.alive(owner):
        return True
    if local.owns(c) and not owner:  # a process we can see: it decides, not the lease
        return not local.alive(c)
    lease = rec.get("lease_until") or rec.get("heartbeat") or rec.get("started") or rec["created"]
    return time.time() - lease > dead_after_s()


EXIT_GRACE_S = 3.0  # 1 s let a loaded machine's waiter thread miss it ("died", not "killed (SIGKILL)")


def _fresh_death(store: Store, claim: dict, rec: dict) -> bool:
    """True for a worker that stopped beating under EXIT_GRACE_S ago and whose exit is not
    recorded yet (its parent's waiter thread writes it, within milliseconds on a quiet
    machine; heartbeats come every ~0.5 s)."""
    if str(claim.get("pid")) in (EXITS.get(store) or {}):
        return False
    return time.time() - (rec.get("heartbeat") or 0) < EXIT_GRACE_S


def record_exit(store: Store, pid: int, returncode: int) -> None:
    """Remember how worker `pid` ended (its parent saw it), so its run's error can say so.
    Kept for the last 64 workers."""
    with store.transact():
        exits = EXITS.get(store)
        exits[str(pid)] = {"rc": int(returncode), "at": time.time()}
        EXITS.set(store, dict(sorted(exits.items(), key=lambda kv: kv[1]["at"])[-64:]))


def exit_cause(store: Store, pid: int | None) -> str:
    """What happened to worker `pid`, in words: "worker process 1234 was killed (SIGKILL)",
    "... exited with code N", or "... died" when nobody saw it end."""
    import signal

    ended = (EXITS.get(store) or {}).get(str(pid))
    if ended is None:
        return f"worker process {pid} died"
    rc = ended["rc"]
    if rc < 0:
        try:
            name = signal.Signals(-rc).name
        except ValueError:
            name = f"signal {-rc}"
        return f"worker process {pid} was killed ({name})"
    return f"worker process {pid} exited with code {rc}"


def _death(store: Store, claim: dict | None, rec: dict) -> str | None:
    """Why the worker of running `rec` is to be declared dead now (how it ended, or "lease
    expired" where its process cannot be seen); None while it lives, or while its parent is
    about to record how it ended (settled at the next look)."""
    if not _dead(claim or {}, rec):
        return None
    if claim and local.owns(claim) and _fresh_death(store, claim, rec):
        return None
    return exit_cause(store, (claim or rec).get("pid")) if not claim or local.owns(claim) else "lease expired"


def _settle(store: Store, rec: dict | None) -> dict | None:
    """`rec`, made `interrupted` first (rows kept) when it is `running` but its worker is gone,
    so a submit re-arms it rather than attaching to a run nobody trains (e.g. after the
    engine was killed: the attached run would be reaped a moment later and end interrupted)."""
    if rec is None or rec["status"] != "running":
        return rec
    why = _death(store, CLAIMS.get(store).get(rec["id"]), rec)
    if why is not None:
        _interrupt(store, rec, why)
        _drop_claim(store, rec["id"])
    return rec


def _interrupt(store: Store, rec: dict, why: str) -> None:
    rec.update(status="interrupted", finished=time.time(), error=rec.get("error") or why)
    sched.save_record(store, rec)


def _drop_claim(store: Store, rid: str) -> None:
    claims = CLAIMS.get(store)
    if claims.pop(rid, None) is not None:
        CLAIMS.set(store, claims)
