"""The Ray dispatcher: `python -m labcore.engine.backends.ray_dispatch --store DIR`.

One detached process per store (started by `backends.ray.ensure`) is the Ray driver. It
connects to $RAY_ADDRESS, creates the RunSink actor pinned to its own (head) node, and
loops: launch one task per queued run, FIFO, while fewer than `slots` are in flight; turn
Ray task state into run state; exit after `LAB_WORKER_IDLE_S` idle seconds.

- queued/running: a task claims its run when Ray starts it, so a run Ray keeps pending
  stays `queued`. Tasks never retry (max_retries=0): a lost task is reported, not re-run.
- lost: a task whose worker or node died -> the run is `interrupted`, rows kept (fenced by
  the claim's attempt; the claim names this dispatcher's task token).
- cancel: the flag (the Recorder sees it within a second); a run that does not stop within
  CANCEL_GRACE_S gets `ray.cancel`, then a forced one; a queued run's pending task is
  cancelled at once.
- the dispatcher's own end (SIGTERM, idle): its tasks are cancelled and their runs
  `interrupted`; the claims name it as `owner`, so if it is killed outright the scheduler
  sees it gone and does the same.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import time
import uuid

from labcore.engine import scheduler
from labcore.engine.backends import local
from labcore.engine.backends import ray as cfg
from labcore.engine.backends.ray_sink import StoreSink, run_task
from labcore.runs.scheduling import CLAIMS, QUEUE, RAY_DISPATCHER
from labcore.runs.store import Store

CANCEL_GRACE_S = float(os.environ.get("LAB_RAY_CANCEL_GRACE_S", "3"))  # flag first, then ray.cancel
CONNECT_TIMEOUT_S = 10.0
LAUNCH_TRIES = 3    # a run whose task dies before claiming it this often is marked failed


class Dispatcher:
    """Launches and watches the Ray tasks of one store's queue."""

    def __init__(self, store: Store, ray) -> None:
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        self.store, self.ray = store, ray
        head = ray.get_runtime_context().get_node_id()
        actor = ray.remote(StoreSink).options(
            num_cpus=0, max_concurrency=8,  # heartbeats of many tasks; diskcache is thread-safe
            max_restarts=-1,  # it holds no state but the open store: a restart loses nothing
            scheduling_strategy=NodeAffinitySchedulingStrategy(head, soft=False))
        self.sink = actor.remote(str(store.dir))
        ray.get(self.sink.ping.remote())
        self.task = ray.remote(run_task)
        pid = os.getpid()
        self.owner = {"pid": pid, "host": local.HOST, "ticks": local.start_ticks(pid)}
        # job key (run id, or group id) -> {"rids", "ref", "token", "cancel_at", "stage"}
        self.inflight: dict[str, dict] = {}
        self.tries: dict[str, int] = {}
        self.stopping = False
        self._cluster, self._cluster_t = {}, float("-inf")

    def cluster(self) -> dict:
        """Cluster resources, refreshed every 5 s (nodes come and go)."""
        if time.monotonic() - self._cluster_t > 5:
            self._cluster, self._cluster_t = self.ray.cluster_resources(), time.monotonic()
        return self._cluster

    def launch(self) -> None:
        """Give queued runs a task each, FIFO, up to the free slots; a seed group's queued
        members share one task (and one slot), as a local worker takes them together."""
        tokens = {e["token"] for e in self.inflight.values()}
        claims = CLAIMS.read(self.store)
        others = {r: c for r, c in claims.items() if c.get("task") not in tokens}  # e.g. a local worker
        free = cfg.slots(self.cluster()) - len(self.inflight) - scheduler.slots(others)
        queue = (QUEUE.read(self.store)) if free > 0 else []
        busy = {r for e in self.inflight.values() for r in e["rids"]}
        recs = {rid: self.store.get(rid) or {} for rid in queue}
        for rid in queue:
            if free <= 0:
                return
            rec = recs[rid]
            if rid in busy or rec.get("status") != "queued":
                continue
            gid = rec.get("group")
            rids = [r for r in queue if gid and recs[r].get("group") == gid
                    and recs[r].get("status") == "queued" and r not in busy] or [rid]
            busy.update(rids)
            self._launch(gid or rid, rids, rec)
            free -= 1

    def _launch(self, key: str, rids: list[str], rec: dict) -> None:
        gpu = cfg.wants_gpu(rec["config"], self.cluster().get("GPU", 0))
        cpus = cfg.cpus_per_run()
        token = uuid.uuid4().hex[:12]
        extra = {"owner": self.owner, "task": token, "backend": "ray"}
        ref = self.task.options(num_cpus=cpus, num_gpus=1 if gpu else 0, max_retries=0,
                                name=f"labcore:{rec['experiment']}:{key}").remote(
            self.sink, rids, cfg.slots(self.cluster()), cpus, extra)
        self.inflight[key] = {"rids": rids, "ref": ref, "token": token, "cancel_at": None, "stage": 0}

    def watch(self, timeout: float) -> None:
        """Collect finished tasks (waiting up to `timeout`) and push cancels to Ray."""
        refs = {e["ref"]: key for key, e in self.inflight.items()}
        if refs:
            ready, _ = self.ray.wait(list(refs), num_returns=len(refs), timeout=timeout)
            for ref in ready:
                self._done(refs[ref], self.inflight.pop(refs[ref]))
        else:
            time.sleep(timeout)
        for entry in self.inflight.values():
            self._cancel(entry)

    def _done(self, key: str, entry: dict) -> None:
        try:
            self.ray.get(entry["ref"])
            self.tries.pop(key, None)
            return
        except Exception as exc:  # noqa: BLE001 - every Ray error becomes a run state
            error = exc
        why = f"ray task lost: {type(error).__name__}: {(str(error).strip().splitlines() or [''])[0][:200]}"
        claims = CLAIMS.read(self.store)
        claimed = False
        for rid in entry["rids"]:
            claim = claims.get(rid)
            if claim is not None and claim.get("task") == entry["token"]:
                claimed = True
                cancelled = self.store.cancel_requested(rid)
                scheduler.finish(self.store, rid, claim["attempt"], finished=time.time(),
                                 status="cancelled" if cancelled else "interrupted",
                                 error=None if cancelled else why)
        queued = [r for r in entry["rids"] if (self.store.get(r) or {}).get("status") == "queued"]
        if claimed or not queued or entry["cancel_at"]:
            return
        self.tries[key] = self.tries.get(key, 0) + 1  # died before claiming: retried a few times
        if self.tries[key] >= LAUNCH_TRIES:
            for rid in queued:
                scheduler.cancel(self.store, rid)
                self.store.update(rid, status="failed", error=f"ray task could not start: {error}")

    def _cancel(self, entry: dict) -> None:
        recs = [self.store.get(r) or {} for r in entry["rids"]]
        now = time.monotonic()
        if not any(r.get("status") in ("queued", "running") for r in recs):
            if entry["cancel_at"] is None:  # e.g. a queued run cancelled: drop its pending task
                self.ray.cancel(entry["ref"], force=False)
                entry["cancel_at"], entry["stage"] = now, 2
        elif any(r.get("status") == "running" and self.store.cancel_requested(r["id"]) for r in recs):
            if entry["cancel_at"] is None:
                entry["cancel_at"] = now  # the flag first: the Recorder stops within a second
            waited = now - entry["cancel_at"]
            if entry["stage"] == 0 and waited > CANCEL_GRACE_S:  # stuck in a long step
                self.ray.cancel(entry["ref"], force=False)  # KeyboardInterrupt in the task
                entry["stage"] = 1
            elif entry["stage"] == 1 and waited > 2 * CANCEL_GRACE_S:
                self.ray.cancel(entry["ref"], force=True)  # kills the worker process
                entry["stage"] = 2

    def serve(self, idle_s: float, poll: float = 0.05) -> None:
        """Launch and watch until stopped or idle for `idle_s` seconds."""
        idle_since = time.monotonic()
        while not self.stopping:
            self.launch()
            self.watch(poll)
            if self.inflight or QUEUE.read(self.store):
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > idle_s and cfg.leave(self.store, os.getpid(), False):
                return

    def stop(self) -> None:
        """Cancel every task in flight and mark the runs they claimed `interrupted`."""
        for e in list(self.inflight.values()):
            self.ray.cancel(e["ref"], force=True)
            claims = CLAIMS.read(self.store)
            for rid in e["rids"]:
                claim = claims.get(rid)
                if claim is not None and claim.get("task") == e["token"]:
                    scheduler.finish(self.store, rid, claim["attempt"], status="interrupted",
                                     finished=time.time(), error="ray dispatcher stopped")
        self.inflight.clear()


def connect(store_dir=None):
    """ray.init for $RAY_ADDRESS (empty: a private local instance) with the job's runtime_env."""
    import ray

    addr = cfg.address()
    if addr in ("", "local"):
        os.environ.pop("RAY_ADDRESS", None)  # ray.init would read an empty value too
        addr = None
    elif addr.startswith("ray://"):  # a Ray Client driver would put the actor far from the store
        raise ValueError("Ray Client addresses (ray://) are not supported: run the lab on a node "
                         "of the cluster (the head) with RAY_ADDRESS=auto or host:port")
    elif ":" in addr and "://" not in addr:  # ray.init retries an unreachable GCS for minutes
        host, port = addr.rsplit(":", 1)
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S).close()
    ray.init(address=addr, runtime_env=cfg.runtime_env(store_dir), namespace="labcore",
             log_to_driver=False, include_dashboard=False if addr is None else None)
    return ray


def main(argv: list[str] | None = None) -> int:
    """CLI entry: run the dispatcher of `--store` until SIGTERM or idle; returns 0. When Ray cannot
    start, the queued runs are marked failed and the error is raised."""
    parser = argparse.ArgumentParser(prog="python -m labcore.engine.backends.ray_dispatch")
    parser.add_argument("--store", required=True)
    args = parser.parse_args(argv)
    os.umask(0o077)
    store = Store(args.store)
    try:
        ray = connect(store.dir)
        d = Dispatcher(store, ray)  # its actor is the first thing to need the runtime_env
    except Exception as exc:  # no cluster: say so on the runs, not only in a log
        _fail_queue(store, f"ray backend: cannot start on RAY_ADDRESS={cfg.address()!r}: "
                           f"{(str(exc).strip().splitlines() or [''])[0][:300]}")
        _forget(store)
        raise
    signal.signal(signal.SIGTERM, lambda *_: setattr(d, "stopping", True))
    try:
        d.serve(float(os.environ.get("LAB_WORKER_IDLE_S", "60")))
    finally:
        d.stop()
        cfg.leave(store, os.getpid(), busy=False) or _forget(store)
        ray.shutdown()
    return 0


def _fail_queue(store: Store, error: str) -> None:
    """Mark every queued run `failed` with `error` (the CLI and pages show it at once)."""
    for rid in QUEUE.read(store):
        if (store.get(rid) or {}).get("status") == "queued":
            scheduler.cancel(store, rid)
            store.update(rid, status="failed", error=error)


def _forget(store: Store) -> None:
    """Unregister this dispatcher even though runs wait: the next submit starts another."""
    with store.transact():
        if (RAY_DISPATCHER.get(store) or {}).get("pid") == os.getpid():
            RAY_DISPATCHER.clear(store)


if __name__ == "__main__":
    raise SystemExit(main())
