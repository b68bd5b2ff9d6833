import multiprocessing as mp
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from labcore.runs.store import SCHEMA_VERSION, Store, run_id
import pytest
from tests.plugins import QUADRATIC


def _writer(directory, rid, worker, n_chunks, rows_per_chunk):
    store = Store(directory)
    for c in range(n_chunks):
        store.append_rows(rid, [{"step": worker * 10_000 + c * rows_per_chunk + i, "w": worker}
                                for i in range(rows_per_chunk)])


def test_run_id_is_stable_and_depends_on_settings():
    a = run_id("lazy_training", {"width": 64, "lr": 0.5})
    assert a == run_id("lazy_training", {"lr": 0.5, "width": 64})  # key order is irrelevant
    assert a != run_id("lazy_training", {"width": 65, "lr": 0.5})
    assert a != run_id("lazy_training", {"width": 64, "lr": 0.5}, schema=SCHEMA_VERSION + 1)
    assert len(a) == 12


def test_a_raised_recipe_version_changes_that_phenomenons_ids_only(monkeypatch):
    """A changed default (Experiment.recipe raised) must not let a store's older runs pass for the
    new defaults' results; every other phenomenon's ids stay as they were."""
    import dataclasses

    from labcore.core.registry import REGISTRY

    assert run_id("lazy_training", {}) == "3485a88e40d0"   # its id before recipe versions existed
    fd = REGISTRY["feature_diversity"]
    assert fd.recipe == 2 and run_id("feature_diversity", {}) != "db6c1e4f3a16"  # the recipe-1 id
    monkeypatch.setitem(REGISTRY, "feature_diversity", dataclasses.replace(fd, recipe=1))
    assert run_id("feature_diversity", {}) == "db6c1e4f3a16"
    assert run_id("not_registered_here", {}) == run_id("not_registered_here", {})


@pytest.mark.plugins(QUADRATIC)
def test_incremental_reads_return_only_new_rows(store):
    store.create("r1", "quadratic", {}, {})
    store.append_rows("r1", [{"step": 0, "loss": 1.0}, {"step": 1, "loss": 0.5}])
    rows, cursor = store.read_rows("r1")
    assert [r["step"] for r in rows] == [0, 1]
    rows, cursor2 = store.read_rows("r1", cursor)
    assert rows == [] and cursor2 == cursor
    store.append_rows("r1", [{"step": 2, "acc": 0.9}])
    rows, _ = store.read_rows("r1", cursor)
    assert rows == [{"step": 2, "acc": 0.9}]
    frame = store.metrics("r1")
    assert list(frame.columns) == ["step", "loss", "acc"]
    assert np.isnan(frame.loc[2, "loss"]) and np.isnan(frame.loc[0, "acc"])


@pytest.mark.slow
@pytest.mark.plugins(QUADRATIC)
def test_several_processes_appending_lose_no_row(tmp_path):
    directory = tmp_path / "cache"
    Store(directory).create("r", "quadratic", {}, {})
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(directory), "r", w, 40, 5)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    rows, _ = Store(directory).read_rows("r")
    assert len(rows) == 4 * 40 * 5
    assert len({r["step"] for r in rows}) == len(rows)


@pytest.mark.plugins(QUADRATIC)
def test_artifacts_round_trip_as_plain_tables(store):
    store.create("r", "quadratic", {}, {})
    store.put_artifact("r", "matrix", np.arange(6.0).reshape(2, 3))
    store.put_artifact("r", "table", pd.DataFrame({"node": [0, 1], "norm": [0.5, 2.0]}))
    assert store.artifact("r", "matrix").to_numpy().tolist() == [[0, 1, 2], [3, 4, 5]]
    assert list(store.artifact("r", "table")["norm"]) == [0.5, 2.0]
    assert store.get("r")["artifacts"] == ["matrix", "table"]
    raw = store.cache.get("art:r:matrix")
    assert isinstance(raw, dict) and isinstance(raw["data"], list)  # plain data, no pickled classes


@pytest.mark.plugins(QUADRATIC)
def test_export_writes_metrics_config_summary_and_artifacts(store, tmp_path):
    store.create("r", "quadratic", {"lr": 0.1}, {})
    store.append_rows("r", [{"step": 0, "loss": 2.0}, {"step": 5, "loss": 1.0, "x": 3.0}])
    store.put_artifact("r", "hist", [1.0, 2.0])
    store.update("r", status="done")
    from labcore.runs.export import export_run

    out = export_run(store, "r", tmp_path / "out")
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "config.toml", "hist.csv", "metrics.csv",
                                                     "summary.json"]
    frame = pd.read_csv(out / "metrics.csv")
    assert list(frame.columns) == ["step", "loss", "x"] and len(frame) == 2
    import json
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "done" and summary["final"] == {"loss": 1.0, "x": 3.0}


@pytest.mark.plugins(QUADRATIC)
def test_budget_removes_oldest_finished_and_never_an_active_recent_or_own_run(tmp_path):
    store = Store(tmp_path / "cache", budget_bytes=1)  # everything is over budget
    hour_ago = time.time() - 3600
    cases = [("done", hour_ago), ("running", hour_ago), ("failed", hour_ago + 1),
             ("done", time.time()), ("done", hour_ago + 2)]
    for i, (status, finished) in enumerate(cases):
        store.create(f"r{i}", "quadratic", {}, {})
        store.append_rows(f"r{i}", [{"step": 0, "blob": "x" * 50_000}])
        store.update(f"r{i}", status=status, finished=finished, pid=os.getpid())
    removed = store.enforce_budget(keep={"r4"})
    assert removed == ["r0", "r2"]  # oldest finished first; running, recent and own stay
    assert store.get("r1")["status"] == "running" and store.get("r0") is None
    assert store.get("r3") is not None and store.get("r4") is not None


@pytest.mark.plugins(QUADRATIC)
def test_the_finishing_run_survives_its_own_budget_check(tmp_path):
    from labcore.engine import scheduler
    from labcore.engine.runner import execute

    store = Store(tmp_path / "cache", budget_bytes=1)
    scheduler.submit(store, "r", "quadratic", {"steps": 3}, {})
    assert execute(store, scheduler.claim(store, 1)) == "done"
    assert store.get("r")["status"] == "done" and len(store.metrics("r")) == 4


@pytest.mark.plugins(QUADRATIC)
def test_values_are_json_and_the_store_is_private(store):
    store.create("r", "quadratic", {"lr": 0.1}, {})
    row = store.cache._sql("SELECT mode FROM Cache").fetchall()
    assert {m for (m,) in row} <= {1, 2}  # raw JSON blobs or JSON files, never pickle (4)
    assert stat.S_IMODE(os.stat(store.dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(store.dir / "cache.db").st_mode) == 0o600


class _Boom:
    def __reduce__(self):
        return (os.system, (f"touch {_Boom.marker}",))


@pytest.mark.plugins(QUADRATIC)
def test_a_planted_pickle_is_never_loaded(store, tmp_path):
    import diskcache
    from diskcache.core import Disk

    class PickleDisk(diskcache.JSONDisk):  # keys as the store writes them, values pickled
        def store(self, value, read, key=diskcache.core.UNKNOWN):
            return Disk.store(self, value, read, key=key)

    _Boom.marker = tmp_path / "pwned"
    store.create("good", "quadratic", {}, {})
    evil = diskcache.Cache(str(store.dir), eviction_policy="none", disk=PickleDisk)
    evil.set("run:evil", _Boom())
    evil.set("rows:good:0", _Boom())
    evil.close()
    store.cache.set("data:good", {"attempt": 1, "first": 0, "n": 1})
    store.cache.set("index", {"good": 1.0, "evil": 2.0})
    assert store.get("evil") is None and [r["id"] for r in store.runs()] == ["good"]
    assert store.metrics("good").empty
    assert len(list((store.dir / "quarantine").iterdir())) == 2  # both moved aside, neither loaded
    assert not _Boom.marker.exists()


@pytest.mark.plugins(QUADRATIC)
def test_readers_degrade_when_the_database_fails(store, monkeypatch):
    store.create("r", "quadratic", {}, {})

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store.cache, "get", broken)
    monkeypatch.setattr(store.cache, "volume", broken)
    assert store.get("r") is None and store.runs() == [] and store.size_bytes() == 0
    assert store.metrics("r").empty and store.artifact("r", "x") is None
    assert "disk I/O error" in store.read_error


class DiskFullStore(Store):
    """Fault injection: row writes fail as SQLite does when the disk is full."""

    def append_rows(self, rid, rows, attempt=None):
        if rows and rows[-1]["step"] >= 3:
            raise sqlite3.OperationalError("database or disk is full")
        return super().append_rows(rid, rows, attempt)


@pytest.mark.plugins(QUADRATIC)
def test_disk_full_fails_the_run_with_a_clear_status_and_readers_keep_working(tmp_path):
    from labcore.engine import jobs, scheduler
    from labcore.engine.runner import execute

    store = DiskFullStore(tmp_path / "cache")
    scheduler.submit(store, "r", "quadratic", {"steps": 50}, {})
    assert execute(store, scheduler.claim(store, 1)) == "failed"
    rec = store.get("r")
    assert rec["status"] == "failed" and rec["error"].startswith("disk full")
    assert store.read("claims") == {}  # the claim is released
    reader = Store(tmp_path / "cache")
    assert [r["status"] for r in reader.runs()] == ["failed"] and jobs.active(reader) == []
    assert "step" in reader.metrics("r").columns  # reading what is there still works


@pytest.mark.plugins(QUADRATIC)
def test_get_never_writes_liveness(store):
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    store.create("r", "quadratic", {}, {})
    store.update("r", status="running", pid=proc.pid, started=time.time())
    store.append_rows("r", [{"step": 0, "loss": 1.0}])
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert store.get("r")["status"] == "running"  # a reader decides nothing
    from labcore.engine import jobs

    assert jobs.current_record("r", store)["status"] == "interrupted"  # the scheduler does
    assert len(store.metrics("r")) == 1


@pytest.mark.slow
@pytest.mark.plugins(QUADRATIC)
def test_the_heartbeat_records_when_a_run_first_moved(store):
    """`moved` (first progress of this attempt) lets a page opened mid-run separate the start-up
    from the pace (issue 32: ETAs after a reload)."""
    from labcore.engine import jobs, scheduler

    rid = jobs.submit("quadratic", {"steps": 5}, store, start=False)
    rec = scheduler.claim(store, 1, rid=rid)
    store.renew(rid, rec["attempt"], progress=0.0)
    assert store.get(rid).get("moved") is None
    store.renew(rid, rec["attempt"], progress=0.2)
    first = store.get(rid)["moved"]
    assert first >= store.get(rid)["started"]
    store.renew(rid, rec["attempt"], progress=0.4)
    assert store.get(rid)["moved"] == first
