"""Background jobs: submit / cancel / current_record / wait / active.

`submit` is one store transaction (cache hit -> return; active -> re-attach; else arm the
run as `queued` with attempt += 1 and enqueue it), then asks the backend for workers: by
default a warm local pool (labcore.engine.pool) whose processes claim queued runs, so runs
survive browser reloads and dashboard restarts. At most `max_jobs()` runs train at once;
the rest wait in FIFO order. Liveness is decided here (scheduler.reap), never by readers.
"""
from __future__ import annotations

import time
from typing import Any

from labcore.engine import backends, scheduler, supervisor
from labcore.runs.scheduling import QUEUE
from labcore.core.run_states import ACTIVE, FINISHED, REUSABLE
from labcore.runs.store import Store, run_id

REAP_EVERY_S = 1.0


def start_workers(store: Store) -> list[int]:
    """Make sure the configured backend's workers will pick up queued runs of `store`;
    returns new worker ids."""
    backend = backends.name()
    if backend == "ray":
        from labcore.engine.backends import ray

        return ray.ensure(store)
    if backend != "local":
        raise ValueError(f"LAB_BACKEND={backend!r}: allowed {', '.join(backends.BACKENDS)}")
    from labcore.engine import pool

    return pool.ensure(store)


def start_warm_worker(store: Store, owner: int) -> int | None:
    """Keep one worker warm for process `owner` (the dashboard) on the local backend; returns
    the pid started, or None (a worker was there, or the backend is not local)."""
    if backends.name() != "local":
        return None
    from labcore.engine import pool

    return pool.ensure_warm(store, owner)


def fork_workers() -> None:
    """This process will start many workers over its life (the dashboard, a notebook, a test
    process): from its second on, fork them from a process that has imported torch once
    (labcore.engine.zygote) instead of starting a fresh interpreter each time."""
    from labcore.engine import zygote

    zygote.enable()


def make_config(experiment: str, config: Any) -> Any:
    """A validated Config from a Config instance or a dict of (string) values."""
    from labcore.core.params import from_dict
    from labcore.core.registry import get as get_experiment

    exp = get_experiment(experiment)
    if isinstance(config, exp.config):
        return config
    return from_dict(exp.config, dict(config or {}))


def run_id_for(experiment: str, config: Any) -> str:
    """The id a run with these settings has (or would have) in the store."""
    from labcore.core.params import non_default

    return run_id(experiment, non_default(make_config(experiment, config)))


def submit(experiment: str, config: Any = None, store: Store | None = None, force: bool = False,
           start: bool = True) -> str:
    """Start (or find) the run of `experiment` with `config`; returns its run id.

    A finished run with the same settings is a cache hit; a queued or running one is
    re-attached (a running one whose worker is gone is marked interrupted and armed again);
    otherwise (or with force=True) the run is armed and queued, and (with
    start=True) the backend makes sure a worker will claim it. Raises QueueFull past
    LAB_MAX_QUEUED waiting runs.
    """
    from labcore.core.params import non_default, to_dict

    store = store or Store()
    cfg = make_config(experiment, config)
    overrides = non_default(cfg)
    rid = run_id(experiment, overrides)
    old = store.get(rid)
    if not force and old is not None and old["status"] in REUSABLE:
        return rid  # a cache hit is a read: it answers on a read-only store or a full disk too
    action = scheduler.submit(store, rid, experiment, to_dict(cfg), overrides, force=force)
    if start and action != "hit":
        start_workers(store)  # also repairs a queued run whose worker never started
    return rid


def cancel(rid: str, store: Store | None = None) -> dict | None:
    """Cancel a run: queued -> `cancelled` at once; running -> stops within about a second."""
    return scheduler.cancel(store or Store(), rid)


def current_record(rid: str, store: Store | None = None) -> dict | None:
    """The run record, after marking runs whose worker died `interrupted`."""
    store = store or Store()
    _reap(store)
    return store.get(rid)


def wait(rid: str, store: Store | None = None, timeout: float | None = None, poll: float = 0.2,
         on_progress=None) -> dict:
    """Block until the run finishes (or `timeout` passes); returns the latest record."""
    store = store or Store()
    deadline = None if timeout is None else time.monotonic() + timeout
    last_reap = 0.0
    while True:
        if time.monotonic() - last_reap >= REAP_EVERY_S:
            tend(store, [rid])
            last_reap = time.monotonic()
        rec = store.get(rid)
        store.check()  # a database found damaged meanwhile: its one line, not a wait forever
        if on_progress is not None and rec is not None:
            on_progress(rec)
        if (rec is None and store.read_error is None) or (rec is not None and rec["status"] in FINISHED):
            return rec
        if deadline is not None and time.monotonic() > deadline:
            return rec
        time.sleep(poll)


def worker_trouble(store: Store) -> str | None:
    """One line when the local pool stopped starting workers (they kept crashing at start),
    with the cause; None otherwise (Home and `labcore runs` show it)."""
    from labcore.engine import pool

    try:
        return pool.trouble(store)
    except Exception:  # noqa: BLE001 - an unreadable store says nothing here
        return None


def tend(store: Store, rids: list[str]) -> None:
    """What a waiter does every REAP_EVERY_S, so its runs settle whoever else is alive (issue
    39 item 2: with the worker and the supervisor both killed, a waiting CLI waited forever):
    settle runs whose worker is gone (on a full disk too: the store's reserve makes room), and
    while any of `rids` is queued make sure workers (and a supervisor) exist to train them."""
    _reap(store)
    mine = any((store.get(rid) or {}).get("status") == "queued" for rid in rids)
    if mine or (QUEUE.read(store) and backends.name() == "local" and not supervisor.alive(store)):
        _start(store)  # a worker that failed to start (or exited) is replaced; runs queued
        # behind ours get a supervisor again once the one that died is gone


def active(store: Store | None = None) -> list[dict]:
    """Queued and running runs: running first, then the queue in FIFO order. Each record
    gets `position` (1-based place in the queue; None while running)."""
    store = store or Store()
    _reap(store)
    places = scheduler.queue_position(store)
    recs = [r for r in store.runs() if r["status"] in ACTIVE]
    for r in recs:
        r["position"] = places.get(r["id"]) if r["status"] == "queued" else None
    return sorted(recs, key=lambda r: (r["status"] != "running", r["position"] or 0, -r["created"]))


def _start(store: Store) -> None:
    try:
        start_workers(store)
    except Exception:  # noqa: BLE001 - retried at the next poll; the run stays queued
        pass


def _reap(store: Store) -> None:
    try:
        store.write_on_reserve(lambda: scheduler.reap(store))
    except Exception:  # noqa: BLE001 - a read-only or full store: reading still works
        pass


def submit_group(experiment: str, cfgs: list, store: Store | None = None, force: bool = False,
                 start: bool = True) -> list[str]:
    """Submit N configs that differ only in `seed` as one seed group (one job, one slot,
    trained by the experiment's `run_seeds`); returns the members' run ids. Members already
    in the cache are hits and are not retrained; active ones are re-attached."""
    from labcore.engine import groups

    store = store or Store()
    ids = groups.submit_group(store, experiment, [make_config(experiment, c) for c in cfgs], force=force)
    if start:
        start_workers(store)
    return ids


def submit_many(experiment: str, cfgs: list, store: Store | None = None, force: bool = False) -> list[str]:
    """Submit several configs (N seeds, sweep × seeds): those that differ only in `seed` go as
    one seed group when the experiment has `run_seeds` (a sweep: one group per swept value),
    the rest one by one. Returns the run ids in the order of `cfgs`."""
    from labcore.core.registry import get as get_experiment
    from labcore.engine import groups

    store = store or Store()
    cfgs = [make_config(experiment, c) for c in cfgs]
    ids: dict[int, str] = {}
    for part in groups.partition(get_experiment(experiment), cfgs):
        got = (submit_group(experiment, part, store, force=force, start=False) if len(part) > 1
               else [submit(experiment, part[0], store, force=force, start=False)])
        ids.update({id(c): rid for c, rid in zip(part, got)})
    if any((store.get(rid) or {}).get("status") in ACTIVE for rid in ids.values()):
        start_workers(store)  # all cache hits: nothing to start, nothing written
    return [ids[id(c)] for c in cfgs]
