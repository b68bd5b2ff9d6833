import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from tests.plugins import QUADRATIC
from tests.waiting import GUARD_S

ROOT = Path(__file__).resolve().parent.parent


def cli(*args, env_dir, **extra_env):
    import os
    env = {**os.environ, "LAB_CACHE_DIR": str(env_dir), **extra_env}
    return subprocess.run([sys.executable, "-m", "labcore", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=GUARD_S)


def test_run_writes_its_files_and_second_run_is_a_cache_hit(tmp_path):
    out = tmp_path / "out"
    args = ("run", "lazy_training", "--width", "64", "--steps", "20", "--eval-every", "5", "--out", str(out))
    first = cli(*args, env_dir=tmp_path / "cache")
    assert first.returncode == 0, first.stderr
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "config.toml", "metrics.csv", "summary.json"]
    frame = pd.read_csv(out / "metrics.csv")
    assert list(frame.columns) == ["step", "loss", "train_acc", "test_acc", "rel_change",
                                   "rel_change_l2", "kernel_change"]
    assert list(frame["step"]) == [0, 5, 10, 15, 20]
    config = json.loads((out / "config.json").read_text())
    assert config["config"]["width"] == 64 and config["experiment"] == "lazy_training"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "done" and summary["final"]["loss"] == frame["loss"].iloc[-1]

    second = cli(*args, env_dir=tmp_path / "cache")
    assert second.returncode == 0
    # a cache hit: the same record (not re-created, not re-trained)
    again = json.loads((out / "summary.json").read_text())
    assert again["created"] == summary["created"] and again["started"] == summary["started"]


def test_invalid_value_exits_2_with_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    res = cli("run", "lazy_training", "--width", "1", "--out", str(out), env_dir=tmp_path / "cache")
    assert res.returncode == 2
    assert res.stderr.strip() == "error: width=1 is out of range; allowed: 2..100000"
    assert not out.exists()
    res = cli("sweep", "lazy_training", "--width", "16,0", "--out", str(out), env_dir=tmp_path / "cache")
    assert res.returncode == 2 and "width=0 is out of range" in res.stderr
    assert not out.exists() and not (tmp_path / "cache" / "logs").exists()  # nothing was submitted


@pytest.mark.plugins(QUADRATIC)
def test_sweep_runs_the_grid_and_writes_a_summary(tmp_path):
    out = tmp_path / "sweep"
    res = cli("sweep", "quadratic", "--lr", "0.1,0.5", "--seeds", "0,1", "--steps", "5", "--out", str(out),
              env_dir=tmp_path / "cache")
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(out / "sweep.csv")
    assert len(table) == 4 and sorted(table["lr"].unique()) == [0.1, 0.5]
    assert len([p for p in out.iterdir() if p.is_dir()]) == 4
    listing = cli("runs", env_dir=tmp_path / "cache")
    assert listing.stdout.count("quadratic") == 4
    rid = table["run_id"][0]
    exported = cli("export", rid, "--out", str(tmp_path / "exp"), env_dir=tmp_path / "cache")
    assert exported.returncode == 0
    assert (tmp_path / "exp" / "metrics.csv").read_text() == (out / rid / "metrics.csv").read_text()


def test_list_shows_parameters_with_ranges(tmp_path):
    res = cli("list", env_dir=tmp_path / "cache")
    assert "lazy_training" in res.stdout and "2..100000" in res.stdout


def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    for args, message in (
        (("run", "lazy_training", "--bogus", "3"), "unrecognised arguments: --bogus 3"),
        (("run", "lazy_training", "--n-train", "60000"), "n_train + n_test = 60512 is out of range for dataset=digits"),
        (("run", "lazy_training", "--width", "100000", "--n-train", "1700", "--n-test", "90"),
         "GB of memory (width=100000"),
        (("run", "nope"), "unknown experiment 'nope'"),
        (("export", "000000000000", "--out", str(out)), "no run '000000000000'"),
    ):
        extra = ("--out", str(out)) if args[0] == "run" else ()
        res = cli(*args, *extra, env_dir=tmp_path / "cache", LAB_MAX_MEMORY_GB="1")
        assert res.returncode == 2, (args, res.stderr)
        assert res.stderr.strip().count("\n") == 0 and message in res.stderr, res.stderr
        assert not out.exists()


def test_a_closed_pipe_is_not_an_error(tmp_path):
    import os
    env = {**os.environ, "LAB_CACHE_DIR": str(tmp_path / "cache")}
    res = subprocess.run(f"{sys.executable} -m labcore list | head -1", shell=True, cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=GUARD_S)
    assert res.returncode == 0 and "Traceback" not in res.stderr and res.stdout.count("\n") == 1


@pytest.mark.plugins(QUADRATIC)
def test_input_holes_are_one_line_and_write_nothing(tmp_path):
    """Issue #24 item 9: each is one readable line, exit 2, and no store is created."""
    cache = tmp_path / "cache"
    seeds = ",".join(str(i) for i in range(300))
    for args, message in (
        (("sweep", "quadratic", "--seeds", seeds), "300 runs requested; allowed: at most 256 at once"),
        (("run", "quadratic", "--lr", "-inf"), "lr=-inf is out of range; allowed:"),
        (("run", "quadratic", "--lr", "x" * 100_000), "lr='xxxx"),
        (("sweep", "quadratic", "--seeds", ""), "seed='' is not a valid int"),
        (("export", "nonexistent00", "--out", str(tmp_path / "out")), "no run 'nonexistent00': no run store at"),
        (("runs",), "no run store at"),
    ):
        res = cli(*args, env_dir=cache)
        assert res.returncode == 2, (args[:2], res.stderr[-300:])
        line = res.stderr.strip()
        assert line.count("\n") == 0 and len(line) <= 320 and message in line, line[:400]
        assert "Traceback" not in res.stderr
        assert not cache.exists() and not (tmp_path / "out").exists()


def test_a_full_disk_is_one_line_and_exit_1(tmp_path, monkeypatch, capsys):
    """Issue #24 item 6: SQLite's "database or disk is full" from any command is one line."""
    import sqlite3

    from labcore import cli as lab_cli
    from labcore.runs import store as run_store

    (tmp_path / "cache").mkdir()
    monkeypatch.setenv("LAB_CACHE_DIR", str(tmp_path / "cache"))

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(run_store.Store, "__init__", full)
    for argv in (["runs"], ["export", "abc", "--out", str(tmp_path / "out")]):
        assert lab_cli.main(argv) == 1
        err = capsys.readouterr().err.strip()
        assert err == (f"error: the run store at {tmp_path / 'cache'} is on a full disk: "
                       "free space or set LAB_CACHE_DIR")
