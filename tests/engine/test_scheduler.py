"""Scheduler transactions, fencing, liveness, budget and disk full, mostly in-process (fast)."""
import multiprocessing as mp
import os
import threading
import time

import pytest

from tests.engine.running import running, stopped
from tests.waiting import eventually, GUARD_S
from labcore.core.recorder import Recorder
from labcore.engine import jobs, launch, pool, scheduler
from labcore.engine.runner import execute, reset_torch
from labcore.runs.store import Store
from tests.plugins import QUADRATIC


def _submit(directory, barrier):
    barrier.wait()
    jobs.submit("quadratic", {"steps": 60, "sleep_ms": 5}, Store(directory))


def _arm(store, rid="r", config=None):
    scheduler.submit(store, rid, "quadratic", config or {"steps": 5}, {})
    return store.get(rid)


@pytest.mark.plugins(QUADRATIC)
def test_sixteen_simultaneous_submits_give_one_record_one_attempt_one_worker(store):
    # 16 processes of their own, forked from one that imported this module once (a fresh
    # interpreter each, "spawn", imported the lab 16 times: most of this test's time)
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    barrier = ctx.Barrier(16)
    procs = [ctx.Process(target=_submit, args=(str(store.dir), barrier)) for _ in range(16)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(GUARD_S)
        assert p.exitcode == 0
    assert len(store.runs()) == 1
    rid = store.runs()[0]["id"]
    rec = jobs.wait(rid, store, timeout=GUARD_S)
    assert rec["status"] == "done" and rec["attempt"] == 1
    assert len(pool.live_workers(store)) <= 1  # one run queued: one worker started
    assert list(store.metrics(rid)["step"]) == list(range(61))  # contiguous, no interleaving


@pytest.mark.plugins(QUADRATIC)
def test_cancel_racing_submit_and_claim_is_never_lost(store):
    for k in range(10):
        rid = f"r{k}"
        _arm(store, rid)
        other = Store(store.dir)
        t = threading.Thread(target=scheduler.claim, args=(other, 4))
        t.start()
        scheduler.cancel(store, rid)
        t.join()
        rec = store.get(rid)
        # either cancelled while queued, or claimed first: then its worker sees the flag
        assert rec["status"] == "cancelled" or (rec["status"] == "running" and store.cancel_requested(rid))
        if rec["status"] == "running":
            scheduler.finish(store, rid, rec["attempt"], status="cancelled")


@pytest.mark.plugins(QUADRATIC)
def test_cancel_right_after_submit_with_real_workers(store):
    ids = [jobs.submit("quadratic", {"steps": 100_000, "sleep_ms": 1, "seed": s}, store) for s in range(4)]
    for rid in ids:
        jobs.cancel(rid, store)
    assert [jobs.wait(rid, store, timeout=60)["status"] for rid in ids] == ["cancelled"] * 4


@pytest.mark.plugins(QUADRATIC)
def test_stale_attempt_writes_are_refused_and_old_rows_survive_until_new_data(store):
    rec = _arm(store)
    claimed = scheduler.claim(store, 2)
    old = Recorder(store, "r", attempt=claimed["attempt"], flush_s=0.0, beat_s=60)
    old.log(0, loss=1.0)
    old.log(1, loss=0.5)
    scheduler.finish(store, "r", claimed["attempt"], status="interrupted")
    assert _arm(store)["attempt"] == rec["attempt"] + 1  # re-run: old rows are still there
    assert list(store.metrics("r")["step"]) == [0, 1]
    old.log(2, loss=0.25)  # the stale worker wakes up: refused, and it is told to stop
    assert old.revoked and old.should_stop()
    new = scheduler.claim(store, 2)
    fresh = Recorder(store, "r", attempt=new["attempt"], flush_s=0.0, beat_s=60)
    fresh.log(0, loss=9.0)
    assert store.metrics("r")["loss"].tolist() == [9.0]  # first chunk replaced the old rows
    old.close()
    fresh.close()
    assert store.get("r")["status"] == "running"


@pytest.mark.plugins(QUADRATIC)
def test_get_has_no_side_effects_and_queued_runs_are_never_dead(store):
    _arm(store, "q")
    _arm(store, "r")
    rec = scheduler.claim(store, 2, rid="r", pid=2**22 + 12345)  # a pid that does not exist
    assert store.get("r")["status"] == "running"  # reading never declares anything
    store.update("r", heartbeat=time.time() - 5)  # past the grace for its parent to record the exit
    assert scheduler.reap(store) == ["r"]
    assert store.get("r")["status"] == "interrupted" and store.get("q")["status"] == "queued"
    assert rec["attempt"] == 1 and store.read("claims") == {}


@pytest.mark.plugins(QUADRATIC)
def test_a_submit_re_arms_a_running_run_whose_worker_is_gone(store):
    """After the engine was killed, a run still reads `running`: a submit must train it again,
    not attach to it (it would be reaped a moment later and end `interrupted`, untrained)."""
    _arm(store, "r")
    scheduler.claim(store, 2, rid="r", pid=2**22 + 12345)  # a pid that does not exist
    store.update("r", heartbeat=time.time() - 5)  # past the grace for its parent to record the exit
    assert scheduler.submit(store, "r", "quadratic", {"steps": 5}, {}) == "queued"
    rec = store.get("r")
    assert rec["status"] == "queued" and rec["attempt"] == 2 and store.read("claims") == {}
    assert store.read("queue") == ["r"]


@pytest.mark.plugins(QUADRATIC)
def test_a_submit_attaches_to_a_run_whose_worker_lives(store):
    _arm(store, "r")
    scheduler.claim(store, 2, rid="r", pid=os.getpid())  # this process: alive
    assert scheduler.submit(store, "r", "quadratic", {"steps": 5}, {}) == "attached"
    assert store.get("r")["status"] == "running" and store.get("r")["attempt"] == 1


@pytest.mark.plugins(QUADRATIC)
def test_long_expired_lease_interrupts_and_the_worker_stops_at_its_next_beat(store, monkeypatch):
    monkeypatch.setenv("LAB_LEASE_DEAD_S", "0")
    _arm(store)
    # a worker on another host (its process cannot be seen): only there does the lease decide
    claimed = scheduler.claim(store, 2, host="elsewhere")
    store.update("r", lease_until=time.time() - 1)
    assert scheduler.reap(store) == ["r"]
    assert store.get("r")["status"] == "interrupted"
    rec = Recorder(store, "r", attempt=claimed["attempt"], beat_s=0.02)
    try:
        eventually(rec.should_stop)
        assert rec.revoked
    finally:
        rec.close()


@pytest.mark.plugins(QUADRATIC)
def test_sigstop_longer_than_the_heartbeat_does_not_kill_a_live_run(store):
    rid, pid = running(store, 5)
    with stopped(pid):
        time.sleep(2.0)  # several missed heartbeats (beat every 0.5 s)
        assert jobs.current_record(rid, store)["status"] == "running"
        assert [r["id"] for r in jobs.active(store)] == [rid]
    jobs.cancel(rid, store)
    assert jobs.wait(rid, store, timeout=60)["status"] == "cancelled"


@pytest.mark.plugins(QUADRATIC)
def test_orphans_never_block_the_queue(store):
    store.cache.set("queue", ["gone"])
    _arm(store, "a")
    store.cache.set("queue", ["gone"])  # "a" lost its queue entry (e.g. an older engine)
    scheduler.reap(store)
    assert store.read("queue") == ["gone", "a"]
    assert scheduler.claim(store, 2)["id"] == "a"
    assert store.read("queue") == []


@pytest.mark.plugins(QUADRATIC)
def test_a_crash_before_training_is_failed_with_its_traceback(store):
    _arm(store, "r", {"steps": "many"})
    status = execute(store, scheduler.claim(store, 2))
    rec = store.get("r")
    assert status == "failed" == rec["status"] and "Traceback" in rec["error"]
    assert store.read("claims") == {}


def test_thread_budget_and_torch_reset(monkeypatch):
    import torch

    monkeypatch.delenv("LAB_THREADS", raising=False)
    reset_torch(launch.threads_per_worker())  # one core left to the server and the browser
    assert torch.get_num_threads() == max(1, ((os.cpu_count() or 1) - 1) // launch.max_jobs())
    monkeypatch.setenv("LAB_THREADS", "3")
    assert launch.threads_per_worker() == 3
    torch.set_default_dtype(torch.float64)
    torch.use_deterministic_algorithms(True)
    reset_torch(1)
    assert torch.get_default_dtype() == torch.float32 and not torch.are_deterministic_algorithms_enabled()
    assert torch.get_num_threads() == 1


@pytest.mark.plugins(QUADRATIC)
def test_execute_trains_a_claimed_run_in_process(store):
    _arm(store, "r", {"steps": 7})
    assert execute(store, scheduler.claim(store, 2)) == "done"
    rec = store.get("r")
    assert rec["status"] == "done" and rec["run_s"] > 0 and store.read("claims") == {}
    assert list(store.metrics("r")["step"]) == list(range(8))


@pytest.mark.plugins(QUADRATIC)
def test_queue_cap(store, monkeypatch):
    monkeypatch.setenv("LAB_MAX_QUEUED", "2")
    _arm(store, "a")
    _arm(store, "b")
    with pytest.raises(scheduler.QueueFull):
        _arm(store, "c")


@pytest.mark.plugins(QUADRATIC)
def test_cold_worker_trains_one_run(store):
    import subprocess

    rid = jobs.submit("quadratic", {"steps": 4}, store, start=False)
    out = subprocess.run(launch.command(store, rid), env=launch.worker_env(store), cwd=str(launch.ROOT),
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert store.get(rid)["status"] == "done" and len(store.metrics(rid)) == 5
