"""Faults end a run truthfully whoever is watching (issue #24): a killed worker's run is
settled and the queue goes on with nobody polling, a stopped worker is never declared dead
while its process exists, and an acknowledged cancel is final."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from benchmarks.faults import cancel_races
from labcore.engine import jobs, pool, scheduler
from labcore.runs.store import Store
from tests.engine.running import running, stopped
from tests.waiting import eventually, GUARD_S
from tests.plugins import QUADRATIC

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.plugins(QUADRATIC)
@pytest.mark.slow
def test_killed_worker_is_settled_and_the_queue_goes_on_with_nobody_watching(store, monkeypatch):
    monkeypatch.setenv("LAB_MAX_JOBS", "1")
    first, dead = running(store, 10)
    second = jobs.submit("quadratic", {"steps": 5}, store)  # queued: the one slot is taken
    os.kill(dead, signal.SIGKILL)
    # Only plain reads from here on: no jobs.wait/status/active, no submit (nobody watching).
    rec = eventually(lambda: (r := store.get(first))["status"] != "running" and r)
    assert rec["status"] == "interrupted"
    assert rec["error"] == f"worker process {dead} was killed (SIGKILL)"
    assert len(store.metrics(first)) >= 10  # rows kept
    rec2 = eventually(lambda: (r := store.get(second))["status"] == "done" and r)
    assert rec2["pid"] != dead


@pytest.mark.plugins(QUADRATIC)
def test_waiting_cli_exits_with_one_line_when_its_worker_is_killed(tmp_path):
    env = {**os.environ, "LAB_CACHE_DIR": str(tmp_path / "cache"), "LAB_MAX_JOBS": "1",
           "PYTHONPATH": ROOT}
    cli = subprocess.Popen([sys.executable, "-m", "labcore", "run", "quadratic", "--steps", "100000",
                            "--sleep-ms", "2"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
    store = Store(tmp_path / "cache")
    try:
        rec = eventually(lambda: next((r for r in store.runs() if r["status"] == "running"), None))
        eventually(lambda: len(store.metrics(rec["id"])) > 0)
        os.kill(rec["pid"], signal.SIGKILL)
        out, _ = cli.communicate(timeout=GUARD_S)  # a hang guard, not a timing
        assert cli.returncode == 1
        lines = out.strip().splitlines()
        assert len(lines) == 1 and "interrupted" in lines[0]
        assert f"worker process {rec['pid']} was killed (SIGKILL)" in lines[0]
    finally:
        if cli.poll() is None:
            cli.kill()
        pool.shutdown(store)


@pytest.mark.plugins(QUADRATIC)
@pytest.mark.slow
def test_a_stopped_worker_is_never_declared_dead_while_it_exists(store, monkeypatch):
    monkeypatch.setenv("LAB_LEASE_S", "0.5")       # workers read these at start
    monkeypatch.setenv("LAB_LEASE_DEAD_S", "0.5")
    rid, pid = running(store, 5, steps=1000)  # 2 s of steps left: the pause holds it, not the length
    with stopped(pid):
        stalled = store.get(rid)["lease_until"] + scheduler.dead_after_s()
        assert eventually(lambda: time.time() > stalled + 1.0)  # well past the lease
        assert scheduler.reap(store) == [] and scheduler.reap_claims(store) == []
        assert jobs.current_record(rid, store)["status"] == "running"
    rec = jobs.wait(rid, store, timeout=GUARD_S)
    assert rec["status"] == "done" and rec["error"] is None


@pytest.mark.plugins(QUADRATIC)
def test_an_acknowledged_cancel_never_ends_done(store):
    # the decided order first: cancel answers "running", then the worker finishes "done"
    scheduler.submit(store, "ordered", "quadratic", {}, {"i": -1})
    rec = scheduler.claim(store, 1 << 30, rid="ordered")
    assert scheduler.cancel(store, "ordered")["status"] == "running"
    scheduler.finish(store, "ordered", rec["attempt"], status="done", progress=1.0, finished=time.time())
    assert store.get("ordered")["status"] == "cancelled"
    # then real races (how many hit a running run depends on the machine's load; none may end done)
    got = cancel_races(store, 40)
    print(json.dumps(got))
    assert got["acknowledged_done"] == 0
    assert got["acknowledged_cancelled"] == got["acknowledged"]


# ---- issue 39 item 2: a disk that fills mid-run, a worker and its supervisor both killed ----

def _cli(tmp_path, store_dir, *args):
    env = {**os.environ, "LAB_CACHE_DIR": str(store_dir), "LAB_MAX_JOBS": "1", "PYTHONPATH": ROOT}
    return subprocess.Popen([sys.executable, "-m", "labcore", "run", "quadratic", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


@pytest.mark.plugins(QUADRATIC)
def test_a_disk_that_fills_mid_run_fails_the_run_and_the_waiting_cli_returns(tmp_path):
    from tests.full_disk import fill, tmpfs

    with tmpfs(tmp_path / "disk") as disk:
        cli = _cli(tmp_path, disk / "cache", "--steps", "100000", "--sleep-ms", "2")
        store = Store(disk / "cache")
        try:
            rec = eventually(lambda: next((r for r in store.runs() if r["status"] == "running"), None))
            eventually(lambda: len(store.metrics(rec["id"])) > 0)
            fill(disk)
            out, _ = cli.communicate(timeout=GUARD_S)  # a hang guard, not a timing
            assert cli.returncode == 1
            lines = out.strip().splitlines()
            assert len(lines) == 1 and "failed" in lines[0] and "disk full" in lines[0], lines
            final = store.get(rec["id"])
            assert final["status"] == "failed" and final["error"].startswith("disk full")
            assert len(store.metrics(rec["id"])) > 0  # rows kept, the store readable
        finally:
            if cli.poll() is None:
                cli.kill()
            pool.shutdown(store)


@pytest.mark.plugins(QUADRATIC)
def test_a_simulated_full_disk_mid_run_ends_failed_disk_full(store, monkeypatch):
    import threading

    from labcore.engine import runner
    from tests.full_disk import simulate_while

    full = threading.Event()
    simulate_while(monkeypatch, lambda: full.is_set() and (store.dir / "reserve").exists())
    store.cache  # noqa: B018 - opened after `simulate_while`: its writes see the full disk
    assert (store.dir / "reserve").exists()
    scheduler.submit(store, "r", "quadratic", {"steps": 100000, "sleep_ms": 2}, {"steps": 100000})
    rec = scheduler.claim(store, 1, rid="r")
    done = []
    worker = threading.Thread(target=lambda: done.append(runner.execute(store, rec)))
    worker.start()
    eventually(lambda: len(store.metrics("r")) > 0)
    full.set()
    final = jobs.wait("r", store, timeout=GUARD_S)  # a hang guard, not a timing
    worker.join(GUARD_S)
    assert done == ["failed"]
    assert final["status"] == "failed" and final["error"].startswith("disk full"), final
    assert not (store.dir / "reserve").exists()  # what made room for the final status


@pytest.mark.plugins(QUADRATIC)
def test_a_waiting_cli_settles_its_run_when_worker_and_supervisor_are_killed(tmp_path):
    from labcore.runs.scheduling import SUPERVISOR

    cli = _cli(tmp_path, tmp_path / "cache", "--steps", "100000", "--sleep-ms", "2")
    store = Store(tmp_path / "cache")
    try:
        rec = eventually(lambda: next((r for r in store.runs() if r["status"] == "running"), None))
        eventually(lambda: len(store.metrics(rec["id"])) > 0)
        behind = scheduler.submit(store, "behind", "quadratic", {"steps": 5}, {"steps": 5})
        assert behind == "queued"
        sup = eventually(lambda: SUPERVISOR.read(store))
        os.kill(sup["pid"], signal.SIGKILL)
        os.kill(rec["pid"], signal.SIGKILL)
        out, _ = cli.communicate(timeout=GUARD_S)  # a hang guard, not a timing
        assert cli.returncode == 1
        lines = out.strip().splitlines()
        assert len(lines) == 1 and "interrupted" in lines[0] and f"worker process {rec['pid']}" in lines[0]
        # only plain reads from here: the run queued behind is trained all the same
        assert eventually(lambda: store.get("behind")["status"] == "done")
    finally:
        if cli.poll() is None:
            cli.kill()
        pool.shutdown(store)


# ---- issue 39 item 5: a worker that dies at start ----

def test_the_backoff_after_crashes_at_start_doubles_up_to_its_cap():
    at = 1000.0
    assert pool.backoff_left({}, now=at) == 0.0
    waits = [pool.backoff_left({"count": n, "at": at}, now=at) for n in range(1, 9)]
    assert waits == [min(pool.BACKOFF_S * 2 ** k, pool.BACKOFF_MAX_S) for k in range(8)]
    assert waits[-1] == pool.BACKOFF_MAX_S  # 1 s doubled 7 times is past the 60 s cap
    assert pool.backoff_left({"count": 3, "at": at}, now=at + 3.0) == 1.0
    assert pool.backoff_left({"count": 3, "at": at}, now=at + 10.0) == 0.0


@pytest.mark.plugins(QUADRATIC)
def test_a_worker_crashing_at_start_is_restarted_with_backoff_then_given_up(store, monkeypatch, capsys):
    from labcore import cli as lab_cli
    from labcore.engine import launch, supervisor
    from labcore.runs.scheduling import CRASHES

    spawned: list[tuple[int, float]] = []  # at each start: (crashes recorded so far, backoff left)
    crash = [sys.executable, "-c",
             "import sys; print('ImportError: no module named boom', file=sys.stderr); sys.exit(1)"]

    def command(store_, *args):
        crashes = CRASHES.read(store_)
        spawned.append((crashes.get("count", 0), pool.backoff_left(crashes)))
        return crash

    monkeypatch.setattr(pool, "command", command)
    monkeypatch.setenv("LAB_WORKER_START", "exec")  # every start through `command`, none forked
    monkeypatch.setattr(supervisor, "ensure", lambda store_: None)  # its workers would not crash
    monkeypatch.setattr(pool, "BACKOFF_S", 0.2)  # the waits' doubling is tested below, not the 1 s base
    rid = jobs.submit("quadratic", {"steps": 3}, store)
    rec = jobs.wait(rid, store, timeout=GUARD_S)  # waiting tends the pool: the crash loop runs here
    assert rec["status"] == "failed", rec
    assert "crashing at start (5 in a row)" in rec["error"] and "ImportError: no module named boom" in rec["error"]
    # each start came after the previous crash was counted, and only once its backoff was over
    # (read from the engine's own record, not timed: a loaded machine only starts them later)
    assert spawned == [(n, 0.0) for n in range(launch.max_crashes())] and len(spawned) == 5, spawned
    for _ in range(3):  # given up: nothing more is started
        pool.ensure(store, supervise=False)
    assert len(spawned) == 5
    line = jobs.worker_trouble(store)
    assert line.startswith("workers stopped after 5 crashes at start in a row: ImportError: no module named boom")
    assert lab_cli.main(["runs"]) == 0 and line in capsys.readouterr().out
    from tests.ui.test_pages import app

    assert any("workers stopped after 5 crashes" in e.value.replace("\\", "") for e in app().error)
