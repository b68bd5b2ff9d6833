import os
import signal
import time

import pytest

from labcore.engine import jobs, pool
from labcore.core.registry import get
from tests.engine.running import running
from tests.plugins import QUADRATIC
from tests.waiting import GUARD_S


@pytest.mark.plugins(QUADRATIC)
def test_submit_trains_in_a_worker_and_a_second_submit_is_a_cache_hit(store):
    rid = jobs.submit("quadratic", {"steps": 10}, store)
    rec = jobs.wait(rid, store, timeout=60)
    assert rec["status"] == "done" and rec["progress"] == 1.0
    assert rec["pid"] != os.getpid() and rec["device"] == "cpu"
    frame = store.metrics(rid)
    assert list(frame["step"]) == list(range(11))
    assert frame["x"].iloc[-1] == pytest.approx(0.9**10)
    assert jobs.submit("quadratic", {"steps": 10}, store) == rid
    assert store.get(rid)["created"] == rec["created"]  # not re-created
    again = jobs.submit("quadratic", {"steps": 10}, store, force=True)
    assert again == rid and store.get(rid)["created"] > rec["created"]
    jobs.wait(rid, store, timeout=60)


@pytest.mark.plugins(QUADRATIC)
def test_running_run_is_reattached(store):
    rid = jobs.submit("quadratic", {"steps": 2000, "sleep_ms": 5}, store)
    assert jobs.submit("quadratic", {"steps": 2000, "sleep_ms": 5}, store) == rid
    pid = store.get(rid)["pid"]
    assert store.get(rid)["pid"] == pid
    jobs.cancel(rid, store)
    assert jobs.wait(rid, store, timeout=30)["status"] == "cancelled"


@pytest.mark.plugins(QUADRATIC)
def test_cancel_stops_a_run_within_about_a_second(store):
    rid, _ = running(store, 1)
    jobs.cancel(rid, store)
    rec = jobs.wait(rid, store, timeout=30, poll=0.05)
    assert rec["status"] == "cancelled"
    assert 0 < len(store.metrics(rid)) < 100_001  # rows up to the cancel are kept


@pytest.mark.plugins(QUADRATIC)
def test_sigkill_leaves_run_interrupted_with_rows_kept_and_the_pool_replaces_the_worker(store):
    rid, dead = running(store, 20)
    os.kill(dead, signal.SIGKILL)
    rec = jobs.wait(rid, store, timeout=60)
    assert rec["status"] == "interrupted" and rec["error"] == f"worker process {dead} was killed (SIGKILL)"
    assert len(store.metrics(rid)) >= 20
    # the slot of the dead worker is reclaimed and a new worker takes the next run
    rid2 = jobs.submit("quadratic", {"steps": 5}, store)
    rec2 = jobs.wait(rid2, store, timeout=GUARD_S)
    assert rec2["status"] == "done" and rec2["pid"] != dead
    assert str(dead) not in pool.live_workers(store)


@pytest.mark.plugins(QUADRATIC)
def test_non_finite_loss_marks_run_diverged_with_its_step(store):
    # GD on ½x² with lr 3 multiplies x by -2 per step: ½x² = 2^(2·step−1) passes 100x its
    # first value (0.5) at step 4 (128), the divergence rule (it overflows only at step 513).
    rid = jobs.submit("quadratic", {"lr": 3.0, "steps": 5000}, store)
    rec = jobs.wait(rid, store, timeout=60)
    assert rec["status"] == "diverged"
    assert rec["diverged_step"] == 4
    assert rec["error"] == "loss became 128 at step 4 (over 100x its first value 0.5)"
    frame = store.metrics(rid)
    assert frame["step"].max() == rec["diverged_step"]


@pytest.mark.plugins(QUADRATIC)
def test_crash_keeps_the_error_in_the_record(store):
    rid = jobs.submit("quadratic", {"crash_at": 3}, store)
    rec = jobs.wait(rid, store, timeout=60)
    assert rec["status"] == "failed"
    assert "crash requested at step 3" in rec["error"] and "Traceback" in rec["error"]


@pytest.mark.plugins(QUADRATIC)
def test_concurrency_is_bounded_and_the_rest_queue(store, monkeypatch):
    monkeypatch.setenv("LAB_MAX_JOBS", "1")
    ids = [jobs.submit("quadratic", {"steps": 300, "sleep_ms": 5, "seed": s}, store) for s in range(3)]
    seen_running = 0
    while True:
        recs = [store.get(r) for r in ids]
        running = sum(r["status"] == "running" for r in recs)
        seen_running = max(seen_running, running)
        assert running <= 1
        if all(r["status"] == "done" for r in recs):
            break
        time.sleep(0.05)
    assert seen_running == 1
    starts = [store.get(r)["started"] for r in ids]
    assert starts == sorted(starts)  # FIFO


@pytest.mark.plugins(QUADRATIC)
def test_queued_run_can_be_cancelled_before_it_starts(store, monkeypatch):
    monkeypatch.setenv("LAB_MAX_JOBS", "1")
    first = jobs.submit("quadratic", {"steps": 100_000, "sleep_ms": 2}, store)
    second = jobs.submit("quadratic", {"steps": 10, "seed": 1}, store)
    while store.get(first)["status"] != "running":
        time.sleep(0.05)
    assert store.get(second)["status"] == "queued"
    assert jobs.active(store)[1]["position"] == 1
    rec = jobs.cancel(second, store)
    assert rec["status"] == "cancelled" and rec["started"] is None  # at once, in the transaction
    assert store.read("queue") == []
    jobs.cancel(first, store)
    assert jobs.wait(first, store, timeout=30)["status"] == "cancelled"


@pytest.mark.plugins(QUADRATIC)
def test_plugin_experiment_is_registered():
    assert get("quadratic").config().lr == 0.1
