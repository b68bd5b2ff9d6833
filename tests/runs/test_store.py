import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from labcore.runs.store import Store, run_id


def _writer(directory, rid, worker, n_chunks, rows_per_chunk):
    store = Store(directory)
    for c in range(n_chunks):
        store.append_rows(rid, [{"step": worker * 10_000 + c * rows_per_chunk + i, "w": worker}
                                for i in range(rows_per_chunk)])


def test_run_id_is_stable_and_depends_on_settings():
    a = run_id("lazy_training", {"width": 64, "lr": 0.5})
    assert a == run_id("lazy_training", {"lr": 0.5, "width": 64})  # key order is irrelevant
    assert a != run_id("lazy_training", {"width": 65, "lr": 0.5})
    assert a != run_id("lazy_training", {"width": 64, "lr": 0.5}, schema=2)
    assert len(a) == 12


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


def test_artifacts_round_trip_as_plain_tables(store):
    store.create("r", "quadratic", {}, {})
    store.put_artifact("r", "matrix", np.arange(6.0).reshape(2, 3))
    store.put_artifact("r", "table", pd.DataFrame({"node": [0, 1], "norm": [0.5, 2.0]}))
    assert store.artifact("r", "matrix").to_numpy().tolist() == [[0, 1, 2], [3, 4, 5]]
    assert list(store.artifact("r", "table")["norm"]) == [0.5, 2.0]
    assert store.get("r")["artifacts"] == ["matrix", "table"]
    raw = store.cache.get("art:r:matrix")
    assert isinstance(raw, dict) and isinstance(raw["data"], list)  # plain data, no pickled classes


def test_export_writes_metrics_config_summary_and_artifacts(store, tmp_path):
    store.create("r", "quadratic", {"lr": 0.1}, {})
    store.append_rows("r", [{"step": 0, "loss": 2.0}, {"step": 5, "loss": 1.0, "x": 3.0}])
    store.put_artifact("r", "hist", [1.0, 2.0])
    store.update("r", status="done")
    from labcore.runs.export import export_run

    out = export_run(store, "r", tmp_path / "out")
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "hist.csv", "metrics.csv", "summary.json"]
    frame = pd.read_csv(out / "metrics.csv")
    assert list(frame.columns) == ["step", "loss", "x"] and len(frame) == 2
    import json
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "done" and summary["final"] == {"loss": 1.0, "x": 3.0}


def test_budget_removes_oldest_finished_and_never_a_running_run(tmp_path):
    store = Store(tmp_path / "cache", budget_bytes=1)  # everything is over budget
    for i, status in enumerate(["done", "running", "failed"]):
        store.create(f"r{i}", "quadratic", {}, {})
        store.append_rows(f"r{i}", [{"step": 0, "blob": "x" * 50_000}])
        store.update(f"r{i}", status=status, finished=time.time() + i, pid=os.getpid())
    removed = store.enforce_budget()
    assert removed == ["r0", "r2"]  # oldest finished first; the running one stays
    assert store.get("r1")["status"] == "running" and store.get("r0") is None


def test_dead_worker_reads_as_interrupted_with_rows_kept(store):
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    store.create("r", "quadratic", {}, {})
    store.update("r", status="running", pid=proc.pid, started=time.time())
    store.beat("r")
    store.append_rows("r", [{"step": 0, "loss": 1.0}])
    assert store.get("r")["status"] == "running"
    proc.send_signal(signal.SIGKILL)
    time.sleep(0.3)  # not reaped yet: a zombie still answers kill(pid, 0)
    rec = store.get("r")
    proc.wait()
    assert rec["status"] == "interrupted"
    assert len(store.metrics("r")) == 1
