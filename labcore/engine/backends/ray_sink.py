"""The Ray side of a run: the RunSink actor that owns the store, the proxy a task writes
through, and the task itself (the same `runner.execute` as a local worker).

Only the actor, which lives on the head node next to the store directory, opens SQLite.
A task on any node holds a `RemoteSink`: the RunSink methods the Recorder and
`runner.execute` call (get, update, append_rows, put_artifact, renew, enforce_budget) plus
the scheduler calls a run makes (claim, finish, release), each one actor call, so fencing,
attempts and slots stay the local backend's transactions, run where the store is.
"""
from __future__ import annotations

import os
import socket
from typing import Any

from labcore.engine import scheduler
from labcore.runs.store import Store


class StoreSink:
    """Actor body (wrapped with ray.remote by the dispatcher): one Store, its methods."""

    def __init__(self, directory: str) -> None:
        os.umask(0o077)  # anything the actor creates in the store stays private
        self.store = Store(directory)

    def ping(self) -> bool:
        """True: the actor is up (the dispatcher waits for it once)."""
        return True

    def get(self, rid: str) -> dict | None:
        """Store.get, in the actor."""
        return self.store.get(rid)

    def append_rows(self, rid: str, rows: list[dict], attempt: int | None) -> bool:
        """Store.append_rows, in the actor."""
        return self.store.append_rows(rid, rows, attempt)

    def put_artifact(self, rid: str, name: str, table: dict, attempt: int | None) -> bool:
        """Store.put_artifact, in the actor, of a plain table (columns + data) rebuilt as a DataFrame."""
        import pandas as pd

        frame = pd.DataFrame(table["data"], columns=table["columns"])  # stored as the same table
        return self.store.put_artifact(rid, name, frame, attempt)

    def update(self, rid: str, attempt: int | None, fields: dict) -> dict | None:
        """Store.update, in the actor (`fields` as a dict)."""
        return self.store.update(rid, attempt, **fields)

    def renew(self, rid: str, attempt: int, fields: dict) -> tuple[bool, bool]:
        """Store.renew, in the actor (`fields` as a dict)."""
        return self.store.renew(rid, attempt, **fields)

    def enforce_budget(self, keep: list[str]) -> list[str]:
        """Store.enforce_budget, in the actor (`keep` as a list)."""
        return self.store.enforce_budget(keep=set(keep))

    def claim(self, rids: list[str], limit: int, pid: int, host: str, extra: dict) -> list[dict]:
        """Claim the queued runs `rids` (one run, or a seed group's members) for a task that
        just started; members share the first one's slot. Returns the claimed records
        (none: cancelled, or no slot)."""
        slot = (self.store.get(rids[0]) or {}).get("group") if len(rids) > 1 else None
        out: list[dict] = []
        with self.store.transact():  # all members or none: no half group on a slot
            for rid in rids:
                more = {"slot": slot} if slot else {}
                # the group's slot is already counted after its first member
                rec = scheduler.claim(self.store, limit if not out else 1 << 30, rid=rid, pid=pid,
                                      host=host, **extra, **more)
                if rec is not None:
                    out.append(rec)
        return out

    def finish(self, rid: str, attempt: int, final: dict) -> bool:
        """scheduler.finish of `attempt` with the `final` fields, in the actor."""
        return scheduler.finish(self.store, rid, attempt, **final)

    def release(self, rid: str, attempt: int) -> None:
        """scheduler.release of `attempt`, in the actor."""
        scheduler.release(self.store, rid, attempt)


class RemoteSink:
    """A RunSink for code running in a Ray task: every call is a round trip to the actor.
    `scheduler` gives `runner.execute` the finish/release calls it makes on a Store."""

    def __init__(self, actor) -> None:
        self.actor = actor
        self.scheduler = _RemoteScheduler(self)

    def _call(self, method: str, *args: Any) -> Any:
        import ray

        return ray.get(getattr(self.actor, method).remote(*args))

    def get(self, rid: str) -> dict | None:
        """Store.get, through the actor."""
        return self._call("get", rid)

    def append_rows(self, rid: str, rows: list[dict], attempt: int | None = None) -> bool:
        """Store.append_rows, through the actor."""
        return self._call("append_rows", rid, rows, attempt)

    def put_artifact(self, rid: str, name: str, value: Any, attempt: int | None = None) -> bool:
        """Store.put_artifact, through the actor; `value` travels as a plain table."""
        from labcore.runs.tables import to_table

        # plain columns + data, converted here: the actor never unpickles arrays or frames
        return self._call("put_artifact", rid, name, to_table(value), attempt)

    def update(self, rid: str, attempt: int | None = None, **fields: Any) -> dict | None:
        """Store.update, through the actor."""
        return self._call("update", rid, attempt, fields)

    def renew(self, rid: str, attempt: int, **fields: Any) -> tuple[bool, bool]:
        """Store.renew, through the actor."""
        return tuple(self._call("renew", rid, attempt, fields))

    def enforce_budget(self, keep=()) -> list[str]:
        """Store.enforce_budget, through the actor."""
        return self._call("enforce_budget", sorted(keep))


class _RemoteScheduler:
    """`scheduler.finish/release` with the signature runner.execute uses, through the actor."""

    def __init__(self, sink: RemoteSink) -> None:
        self.sink = sink

    def finish(self, _store, rid: str, attempt: int, **final: Any) -> bool:
        return self.sink._call("finish", rid, attempt, final)

    def release(self, _store, rid: str, attempt: int) -> None:
        self.sink._call("release", rid, attempt)


def run_task(actor, rids: list[str], limit: int, threads: int, extra: dict) -> list[str]:
    """Body of the Ray task of run `rids` (one run, or a seed group): claim through the actor,
    then train with the same worker code as the local backend (`execute`, or
    `execute_group` for several members). Returns the final statuses (empty when the runs
    were cancelled or taken before Ray started the task)."""
    import ray

    from labcore.engine import runner

    sink = RemoteSink(actor)
    node = ray.get_runtime_context().get_node_id()
    recs = sink._call("claim", rids, limit, os.getpid(), socket.gethostname(), {**extra, "node": node})
    if len(recs) > 1:
        return runner.execute_group(sink, recs, threads=threads)
    return [runner.execute(sink, rec, threads=threads) for rec in recs]
