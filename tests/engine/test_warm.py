"""Warm pool workers: a warm worker's results equal a cold worker's, and one worker trains
several runs in a row (torch imported once)."""
import subprocess

import pandas as pd

from labcore.engine import jobs, launch
import pytest
from tests.plugins import QUADRATIC
from tests.waiting import GUARD_S

TINY = {"width": 16, "steps": 10, "n_train": 64}


@pytest.mark.plugins(QUADRATIC)
def test_warm_worker_results_equal_a_cold_workers(store):
    first = jobs.submit("quadratic", {"steps": 3}, store)  # the worker has trained before
    assert jobs.wait(first, store, timeout=GUARD_S)["status"] == "done"
    rid = jobs.submit("lazy_training", TINY, store)
    warm = jobs.wait(rid, store, timeout=300)
    assert warm["status"] == "done"
    assert warm["pid"] == store.get(first)["pid"]  # the same warm process
    warm_rows = store.metrics(rid)
    assert jobs.submit("lazy_training", TINY, store, force=True, start=False) == rid
    out = subprocess.run(launch.command(store, rid), env=launch.worker_env(store), cwd=str(launch.ROOT),
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    cold = store.get(rid)
    assert cold["status"] == "done" and cold["attempt"] == warm["attempt"] + 1
    pd.testing.assert_frame_equal(store.metrics(rid), warm_rows)


@pytest.mark.plugins(QUADRATIC)
def test_worker_recycles_after_max_runs_and_the_pool_replaces_it(store, monkeypatch):
    monkeypatch.setenv("LAB_WORKER_MAX_RUNS", "1")
    monkeypatch.setenv("LAB_MAX_JOBS", "1")
    ids = [jobs.submit("quadratic", {"steps": 3, "seed": s}, store) for s in range(2)]
    recs = [jobs.wait(rid, store, timeout=GUARD_S) for rid in ids]
    assert [r["status"] for r in recs] == ["done", "done"]
    assert recs[0]["pid"] != recs[1]["pid"]


def test_thread_budget_leaves_a_core_free_and_honours_lab_threads(monkeypatch):
    monkeypatch.setenv("LAB_MAX_JOBS", "1")
    monkeypatch.setattr(launch.os, "cpu_count", lambda: 2)
    assert launch.threads_per_worker() == 1  # 2 cores: the dashboard keeps one
    monkeypatch.setattr(launch.os, "cpu_count", lambda: 16)
    assert launch.threads_per_worker() == 15
    monkeypatch.setenv("LAB_MAX_JOBS", "8")
    assert launch.threads_per_worker() == 1  # 8 concurrent runs never oversubscribe 16 cores
    monkeypatch.setenv("LAB_THREADS", "4")
    assert launch.threads_per_worker() == 4


@pytest.mark.plugins(QUADRATIC)
def test_the_dashboards_warm_worker_waits_while_it_lives_and_leaves_with_it(store, monkeypatch):
    from labcore.engine import pool
    from labcore.engine.backends import local
    from labcore.runs.scheduling import WORKERS
    from tests.waiting import eventually

    monkeypatch.setenv("LAB_WORKER_IDLE_S", "0.2")  # an ordinary worker would leave at once
    dashboard = subprocess.Popen(["sleep", "600"])  # stands in for the dashboard's process
    try:
        pid = jobs.start_warm_worker(store, dashboard.pid)
        assert pid and jobs.start_warm_worker(store, dashboard.pid) is None  # one warm worker, not two
        assert list(WORKERS.read(store)) == [str(pid)]
        rid = jobs.submit("quadratic", {"steps": 3}, store)
        assert jobs.wait(rid, store, timeout=GUARD_S)["pid"] == pid  # it trains the first click
        other = jobs.submit("quadratic", {"steps": 3, "seed": 1}, store)
        assert jobs.wait(other, store, timeout=GUARD_S)["pid"] == pid  # and stays for the next
        assert local.pid_alive(pid) and str(pid) in pool.live_workers(store)
    finally:
        dashboard.kill()
        dashboard.wait()
    assert eventually(lambda: not local.pid_alive(pid))  # the dashboard is gone: so is it
    assert str(pid) not in WORKERS.read(store)


def test_a_cli_listing_starts_no_worker(store, capsys):
    from labcore import cli
    from labcore.runs.scheduling import WORKERS

    assert cli.main(["list"]) == 0
    assert WORKERS.read(store) == {}
