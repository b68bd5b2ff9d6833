"""The Ray backend on a local Ray instance (`ray.init(num_cpus=2)`, started once for the
module): the same runs and rows as the local backend, cancel, a killed Ray worker, and the
dashboard reading Ray runs live. One dispatcher serves the module's store, so Ray's worker
processes (torch imported) are started once too."""
import hashlib
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
import ray  # required (requirements.txt): a missing ray fails here rather than skipping the module

from tests.engine.running import LONG, running, wait_rows
from tests.waiting import eventually, GUARD_S
from labcore.engine import jobs
from labcore.engine.backends import ray as ray_backend
from labcore.runs.store import Store
from tests.plugins import QUADRATIC

SWEEP = [{"width": 16, "steps": 20, "n_train": 64, "n_test": 64, "probe": 4, "seed": s} for s in range(4)]


@pytest.fixture(scope="module")
def ray_store(tmp_path_factory):
    """A store served by the Ray backend of a local 2-CPU Ray instance."""
    ctx = ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, namespace="labcore-tests")
    saved = {k: os.environ.get(k) for k in ("LAB_BACKEND", "RAY_ADDRESS", "LAB_RAY_CPUS", "LAB_WORKER_IDLE_S",
                                            "LAB_PLUGINS", "LAB_MAX_JOBS")}
    # the dispatcher and its Ray job outlive a test: they carry the quadratic plugin from the
    # first submit on, whichever test makes it (a marked test only loads it in this process)
    os.environ.update(LAB_BACKEND="ray", RAY_ADDRESS=ctx.address_info["gcs_address"], LAB_RAY_CPUS="1",
                      LAB_WORKER_IDLE_S="120", LAB_PLUGINS=QUADRATIC,
                      LAB_MAX_JOBS="2")  # two slots: a third run waits (the tests count on it)
    store = Store(tmp_path_factory.mktemp("ray") / "cache")
    try:
        yield store
    finally:
        ray_backend.shutdown(store)
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
        ray.shutdown()


def rows_of(store, rid):
    frame = store.metrics(rid)
    return frame.drop(columns=[c for c in frame.columns if c.startswith("_")])  # `_t`: wall time


def test_a_sweep_of_four_lands_with_the_same_rows_as_the_local_backend(ray_store, store, monkeypatch):
    ids = [jobs.submit("lazy_training", cfg, ray_store) for cfg in SWEEP]
    recs = [jobs.wait(rid, ray_store, timeout=300) for rid in ids]
    assert [r["status"] for r in recs] == ["done"] * 4, [r.get("error") for r in recs]
    assert all(r["pid"] != os.getpid() and r["attempt"] == 1 for r in recs)
    assert ray_store.read("claims") == {}  # every claim released
    monkeypatch.setenv("LAB_BACKEND", "local")
    local_ids = [jobs.submit("lazy_training", cfg, store) for cfg in SWEEP]
    assert local_ids == ids  # same Config -> same run id
    for rid in ids:
        assert jobs.wait(rid, store, timeout=300)["status"] == "done"
        theirs, ours = rows_of(ray_store, rid), rows_of(store, rid)
        assert list(ours.columns) == list(theirs.columns) and len(ours) == 5  # steps 0, 5, ..., 20
        assert (ours.fillna(-1.0).values == theirs.fillna(-1.0).values).all()  # bit for bit on CPU
        assert ray_store.get(rid)["artifacts"] == store.get(rid)["artifacts"]
        for name in store.get(rid)["artifacts"]:
            assert ray_store.artifact(rid, name).equals(store.artifact(rid, name))
    # a second submit is a cache hit, through Ray as locally
    assert jobs.submit("lazy_training", SWEEP[0], ray_store) == ids[0]
    assert ray_store.get(ids[0])["attempt"] == 1


@pytest.mark.plugins(QUADRATIC)
def test_cancel_a_running_and_a_queued_ray_run(ray_store):
    running = [jobs.submit("quadratic", {**LONG, "seed": s}, ray_store) for s in (10, 11)]
    waiting = jobs.submit("quadratic", {**LONG, "seed": 12}, ray_store)  # 2 slots: stays queued
    for rid in running:
        wait_rows(ray_store, rid, 5)
    assert ray_store.get(waiting)["status"] == "queued"
    assert jobs.cancel(waiting, ray_store)["status"] == "cancelled"
    for rid in running:
        jobs.cancel(rid, ray_store)
    for rid in running:
        rec = jobs.wait(rid, ray_store, timeout=GUARD_S, poll=0.05)
        assert rec["status"] == "cancelled"
        assert 0 < len(ray_store.metrics(rid)) < 100_001  # rows up to the cancel are kept
    assert len(ray_store.metrics(waiting)) == 0 and ray_store.read("claims") == {}


@pytest.mark.plugins(QUADRATIC)
def test_killing_the_ray_worker_leaves_the_run_interrupted_with_rows_kept(ray_store):
    rid, _ = running(ray_store, 20, seed=20)
    rec = ray_store.get(rid)
    assert rec["status"] == "running" and rec["pid"] != os.getpid()
    os.kill(rec["pid"], signal.SIGKILL)  # the Ray worker process running the task
    # poll the record without the scheduler's reaper (jobs.wait would also see the pid gone):
    # the dispatcher must tell from Ray's task state, as for a task lost on another node
    eventually(lambda: ray_store.get(rid)["status"] != "running", poll=0.1)
    rec = ray_store.get(rid)
    assert rec["status"] == "interrupted" and "ray task lost" in rec["error"], rec
    assert ray_store.read("claims") == {}
    assert len(ray_store.metrics(rid)) >= 20
    # the slot is free again and Ray starts a fresh worker for the next run
    nxt = jobs.submit("quadratic", {"steps": 5, "seed": 21}, ray_store)
    assert jobs.wait(nxt, ray_store, timeout=300)["status"] == "done"


@pytest.mark.plugins(QUADRATIC)
def test_the_dashboard_shows_ray_runs_live(ray_store, monkeypatch):
    from tests.ui.test_pages import app

    rid = jobs.submit("quadratic", {**LONG, "seed": 30}, ray_store)
    try:
        wait_rows(ray_store, rid, 5)
        seen = len(ray_store.metrics(rid))
        monkeypatch.setenv("LAB_CACHE_DIR", str(ray_store.dir))  # the pages read the default store
        at = app()
        assert any(rid in p.proto.text for p in at.get("progress"))  # Home: the run is active
        wait_rows(ray_store, rid, seen + 20)  # rows keep arriving while the page polls
        assert ray_store.get(rid)["status"] == "running"
    finally:
        jobs.cancel(rid, ray_store)
        assert jobs.wait(rid, ray_store, timeout=GUARD_S)["status"] == "cancelled"


def test_a_seed_group_runs_as_one_ray_task(ray_store):
    cfgs = [{**SWEEP[0], "width": 8, "seed": s} for s in range(3)]
    ids = jobs.submit_group("lazy_training", cfgs, ray_store)
    recs = [jobs.wait(rid, ray_store, timeout=300) for rid in ids]
    assert [r["status"] for r in recs] == ["done"] * 3, [r.get("error") for r in recs]
    # one task, one process: lazy_training has no stacked seeds, so the members train one after another
    assert len({r["pid"] for r in recs}) == 1
    assert all(len(ray_store.metrics(rid)) == 5 for rid in ids)


def test_resources_and_runtime_env(monkeypatch):
    monkeypatch.setenv("LAB_RAY_CPUS", "3")
    assert ray_backend.cpus_per_run() == 3
    monkeypatch.delenv("LAB_MAX_JOBS", raising=False)
    assert ray_backend.slots({"CPU": 32.0, "GPU": 4.0}) == 10  # 32 CPUs // 3 per run
    assert ray_backend.wants_gpu({"device": "cuda"}, 0) and ray_backend.wants_gpu({"device": "auto"}, 4)
    assert not ray_backend.wants_gpu({"device": "auto"}, 0) and not ray_backend.wants_gpu({"device": "cpu"}, 4)
    monkeypatch.setenv("RAY_ADDRESS", "head:6379")
    env = ray_backend.runtime_env()
    assert env["working_dir"] == str(ray_backend.ROOT) and ".venv" in env["excludes"]
    assert env["env_vars"]["OMP_NUM_THREADS"] == "3" and os.path.isabs(env["env_vars"]["LAB_DATA_DIR"])
    monkeypatch.setenv("RAY_ADDRESS", "")
    assert "working_dir" not in ray_backend.runtime_env()  # a private instance: same paths


@pytest.mark.plugins(QUADRATIC)
def test_cli_backend_flag_is_checked(capsys):
    from labcore.cli import main

    assert main(["run", "quadratic", "--backend", "slurm"]) == 2
    assert "--backend" in capsys.readouterr().err


@pytest.mark.plugins(QUADRATIC)
def test_cli_runs_on_ray(ray_store, monkeypatch, tmp_path, capsys):
    from labcore.cli import main

    monkeypatch.setenv("LAB_CACHE_DIR", str(ray_store.dir))
    monkeypatch.setenv("LAB_BACKEND", "local")  # the flag wins
    assert main(["run", "quadratic", "--steps", "5", "--seed", "40", "--backend", "ray",
                 "--out", str(tmp_path / "out")]) == 0
    rid = capsys.readouterr().out.split()[0]
    rec = ray_store.get(rid)
    assert rec["status"] == "done" and rec["pid"] != os.getpid()
    assert not ray_store.read("workers")  # trained by a Ray task: no local pool was started
    assert (tmp_path / "out" / "metrics.csv").exists()


def test_the_runtime_env_carries_the_user_folder_and_lab_datasets(monkeypatch, tmp_path):
    """Ray's workers are started by the raylet, not by the dispatcher: what they need of the user
    folder and of LAB_DATASETS is in the job's runtime_env, as absolute paths or shipped."""
    from labcore.core import dataset_files

    folder = tmp_path / "my_folder"
    (folder / "datasets").mkdir(parents=True)
    monkeypatch.setenv("LAB_EXPERIMENTS", str(folder))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LAB_DATASETS", "b=blobs.npz")  # relative to where the lab starts
    monkeypatch.setenv("RAY_ADDRESS", "")
    env = ray_backend.runtime_env()["env_vars"]  # a private instance: the same paths
    assert env["LAB_EXPERIMENTS"] == str(folder) and env["LAB_DATASETS"] == f"b={tmp_path / 'blobs.npz'}"
    monkeypatch.setenv("RAY_ADDRESS", "head:6379")  # a cluster: the folder travels as a module
    env = ray_backend.runtime_env()
    assert str(folder) in env["py_modules"] and env["env_vars"]["LAB_EXPERIMENTS_MODULE"] == "my_folder"
    assert "LAB_EXPERIMENTS" not in env["env_vars"]
    repo = tmp_path / "repo"  # ./experiments inside the repo: .gitignore keeps it out of the working_dir,
    (repo / "experiments").mkdir(parents=True)  # so it is shipped as a module too
    monkeypatch.setattr(ray_backend, "ROOT", repo)
    monkeypatch.delenv("LAB_EXPERIMENTS")
    monkeypatch.chdir(repo)
    env = ray_backend.runtime_env()
    assert str(repo / "experiments") in env["py_modules"] and "/experiments" in env["excludes"]
    assert env["working_dir"] == str(repo)
    # on the node: the shipped folder is found by its name on sys.path, with its datasets
    monkeypatch.setenv("LAB_EXPERIMENTS_MODULE", "my_folder")
    monkeypatch.setattr("sys.path", ["", str(tmp_path)])
    np.savez(folder / "datasets" / "mine.npz", X=np.zeros((4, 2)), y=np.arange(4) % 2)
    assert dataset_files.registered()["mine"] == folder / "datasets" / "mine.npz"


@pytest.mark.parametrize("code", ["installed", "working_dir"])
def test_a_user_folder_phenomenon_and_a_registered_file_train_on_ray(ray_store, tmp_path, code):
    """`labcore new` in a user folder outside the repo, a file in its datasets/: both train as Ray
    tasks, with the code shipped (working_dir) or read in place (installed)."""
    from labcore import cli

    folder = tmp_path / "my_folder"
    assert cli.main(["new", "ray_mine", "--dir", str(folder)]) == 0
    (folder / "datasets").mkdir()
    x = np.random.default_rng(0).normal(size=(120, 6)).astype(np.float32)
    np.savez(folder / "datasets" / "blobs.npz", X=x, y=(x[:, 0] > 0).astype(np.int64))
    store = Store(tmp_path / "cache")  # a dispatcher of its own, started with this environment
    env = {**os.environ, "LAB_EXPERIMENTS": str(folder), "LAB_CACHE_DIR": str(store.dir), "LAB_RAY_CODE": code}
    try:
        for args in (["ray_mine", "--steps", "10"],
                     ["lazy_training", "--dataset", "file:blobs", "--steps", "5", "--width", "8", "--n-train", "40",
                      "--n-test", "20", "--probe", "2"]):
            out = subprocess.run([sys.executable, "-m", "labcore", "run", *args, "--backend", "ray"],
                                 cwd=ray_backend.ROOT, env=env, capture_output=True, text=True, timeout=600)
            assert out.returncode == 0, (out.stdout + out.stderr)[-2000:]
            rec = store.get(out.stdout.split()[0])
            assert rec["status"] == "done" and rec["pid"] != os.getpid()
        digest = hashlib.sha256((folder / "datasets" / "blobs.npz").read_bytes()).hexdigest()
        assert rec["meta"]["data"] == f"blobs.npz (sha256 {digest})"
        assert not store.read("workers")  # trained by Ray tasks: no local pool was started
    finally:
        ray_backend.shutdown(store)
