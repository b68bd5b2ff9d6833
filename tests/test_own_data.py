"""Your own data: a dataset value `file:/path/x.npz` (X, y, optional X_test, y_test) or
`file:/path/x.csv` (label last, optional header) trains lazy training; a malformed file is
refused at admission in one line naming what is wrong, before anything is written; a run
records the file's name and sha256 in its meta."""
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from labcore import cli
from labcore.core.params import ParamError
from labcore.core.recorder import Recorder
from labcore.core.registry import REGISTRY

ROOT = Path(__file__).resolve().parents[1]


def blobs(n=200, d=6, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    return x, (x[:, 0] + x[:, 1] > 0).astype(np.int64)


def test_an_npz_and_a_csv_train_lazy_training_and_the_run_records_name_and_sha256(tmp_path):
    exp = REGISTRY["lazy_training"]
    x, y = blobs()
    np.savez(tmp_path / "mine.npz", X=x, y=y)
    np.savez(tmp_path / "split.npz", X=x[:150], y=y[:150], X_test=x[150:], y_test=y[150:])
    (tmp_path / "mine.csv").write_text("f0,f1,f2,label\n" + "".join(f"{a},{b},{c},{k}\n" for (a, b, c), k
                                                                   in zip(x[:, :3].tolist(), y.tolist())))
    for name in ("mine.npz", "split.npz", "mine.csv"):
        from labcore.admission import admit

        cfg = exp.make_config(dataset=f"file:{tmp_path / name}", n_train=40, n_test=40, steps=20, width=32, probe=2)
        admit(exp, cfg)
        rec = Recorder()
        exp.run(cfg, rec)
        assert rec.rows[-1]["loss"] < rec.rows[0]["loss"] and rec.rows[-1]["train_acc"] > 0.8, name
        sha = hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
        assert rec.info["data"] == f"{name} (sha256 {sha})"


def test_more_examples_than_the_file_holds_is_one_line(tmp_path):
    from labcore.admission import admit

    exp = REGISTRY["lazy_training"]
    x, y = blobs(100)
    np.savez(tmp_path / "small.npz", X=x, y=y)
    with pytest.raises(ParamError, match=r"n_train \+ n_test = 120 .*100 examples"):
        admit(exp, exp.make_config(dataset=f"file:{tmp_path / 'small.npz'}", n_train=60, n_test=60))
    np.savez(tmp_path / "split.npz", X=x[:80], y=y[:80], X_test=x[80:], y_test=y[80:])
    with pytest.raises(ParamError, match=r"n_test=30 is out of range .*20 examples in X_test"):
        admit(exp, exp.make_config(dataset=f"file:{tmp_path / 'split.npz'}", n_train=60, n_test=30))


def malformed(folder: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, what its line must say)."""
    x, y = blobs(50)
    cases = {
        "1-d X": (dict(X=x[:, 0], y=y), "shape (50,)"),
        "strings": (dict(X=np.array([["a", "b"]] * 50), y=y), "dtype <U1"),
        "fractional labels": (dict(X=x, y=y + 0.5), "not whole numbers"),
        "NaN": (dict(X=np.where(np.arange(50)[:, None] == 7, np.nan, x), y=y),
                "NaN or infinite values (the first at row 7)"),
        "length": (dict(X=x, y=y[:40]), "one label per row"),
        "negative labels": (dict(X=x, y=y - 1), "negative labels"),
        "one class": (dict(X=x, y=np.zeros(50, dtype=int)), "a single class"),
        "no y": (dict(X=x), "needs arrays X and y"),
        "test shape": (dict(X=x, y=y, X_test=x[:, :3], y_test=y), "X_test examples have shape"),
    }
    out = {}
    for name, (arrays, says) in cases.items():
        path = folder / (name.replace(" ", "_").replace("-", "") + ".npz")
        np.savez(path, **arrays)
        out[name] = (path, says)
    (folder / "bad.csv").write_text("1,2,0\n3,x,1\n")
    out["csv cell"] = (folder / "bad.csv", "data row 2 has a value that is not a number")
    (folder / "data.txt").write_text("1,2,0\n")
    out["suffix"] = (folder / "data.txt", "must be .npz")
    (folder / "broken.npz").write_bytes(b"not a zip")
    out["not npz"] = (folder / "broken.npz", "not a readable .npz")
    out["missing"] = (folder / "nothere.npz", "no such file")
    return out


def test_malformed_files_are_one_line_each_and_nothing_is_written(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LAB_CACHE_DIR", str(tmp_path / "cache"))
    for name, (path, says) in malformed(tmp_path).items():
        status = cli.main(["run", "lazy_training", "--dataset", f"file:{path}", "--n-train", "20", "--n-test", "10"])
        err = capsys.readouterr().err.strip()
        assert status == 2, name
        assert err.startswith("error: ") and "\n" not in err and says in err and str(path) in err, (name, err)
    assert not (tmp_path / "cache").exists()
    from labcore import api

    with pytest.raises(ParamError, match="NaN"):
        api.run("lazy_training", dataset=f"file:{malformed(tmp_path)['NaN'][0]}", store=tmp_path / "cache2")
    assert not (tmp_path / "cache2").exists()


def test_a_file_dataset_is_a_valid_value_only_where_a_config_offers_it():
    with pytest.raises(ParamError, match="not allowed"):
        REGISTRY["catapult"].make_config(dataset="file:/x.npz")
    REGISTRY["lazy_training"].make_config(dataset="file:/x.npz")  # existence is admission's question
    with pytest.raises(ParamError):
        REGISTRY["lazy_training"].make_config(dataset="file:")


@pytest.mark.slow
def test_a_worker_trains_a_file_dataset_and_stores_its_digest(tmp_path):
    x, y = blobs(120)
    np.savez(tmp_path / "mine.npz", X=x, y=y)
    env = {**os.environ, "LAB_CACHE_DIR": str(tmp_path / "cache"), "LAB_WARM_WORKER": "0"}
    out = subprocess.run([sys.executable, "-m", "labcore", "run", "lazy_training", "--dataset",
                          f"file:{tmp_path / 'mine.npz'}", "--steps", "5", "--width", "8", "--n-train", "40",
                          "--n-test", "20", "--probe", "2"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    from labcore.runs.store import Store

    rec = Store(tmp_path / "cache").get(out.stdout.split()[0])
    assert rec["status"] == "done"
    digest = hashlib.sha256((tmp_path / "mine.npz").read_bytes()).hexdigest()
    assert rec["meta"]["data"] == f"mine.npz (sha256 {digest})"


def test_an_npz_trains_lottery_tickets_and_the_run_records_it(tmp_path):
    """The same file works wherever a phenomenon offers files: lottery tickets prunes a net
    trained on it (its input width is the file's), and the run says which file it used."""
    from labcore.admission import admit

    exp = REGISTRY["lottery_ticket"]
    x, y = blobs(n=300, d=12)
    np.savez(tmp_path / "mine.npz", X=x, y=y)
    cfg = exp.make_config(dataset=f"file:{tmp_path / 'mine.npz'}", n_train=150, n_val=50, n_test=50, rounds=1,
                          steps=60, eval_every=20, arms="winning", widths=(16, 8))
    admit(exp, cfg)
    rec = Recorder()
    exp.run(cfg, rec)
    dense = next(r for r in rec.rows if r.get("round") == 0)
    assert dense["train_acc_winning"] > 0.85 and dense["test_acc_winning"] > 0.65  # the file's rule (chance 0.5)
    sha = hashlib.sha256((tmp_path / "mine.npz").read_bytes()).hexdigest()
    assert rec.info["data"] == f"mine.npz (sha256 {sha})"


def sha_line(path: Path) -> str:
    return f"{path.name} (sha256 {hashlib.sha256(path.read_bytes()).hexdigest()})"


# tiny settings that train each phenomenon on a 12-feature, 2-class file in a few seconds
FILE_RUNS = {
    "neural_collapse": dict(n_train=120, n_test=60, widths=(32, 32), epochs=40, measure_points=3, batch_size=20),
    "double_descent": dict(model="mlp", n_train=120, n_test=60, width=32, epochs=30, batch_size=20, eval_every=10,
                           lr=0.05, label_noise=0.0),
    "edge_of_stability": dict(n_train=120, width=32, steps=60, eig_every=20, lr=0.1),
}


def trained(name: str, rec: Recorder) -> bool:
    """The run learned the file's rule (chance: 0.5): what each phenomenon logs of its fit."""
    rows = rec.rows
    if name == "neural_collapse":
        return min(r["train_err"] for r in rows if "train_err" in r) < 0.05 and rows[-1]["test_err"] < 0.3
    if name == "double_descent":
        last = [r for r in rows if "train_error" in r][-1]
        return last["train_error"] < 0.1 and last["test_error"] < 0.3
    losses = [r["loss"] for r in rows if "loss" in r]
    return losses[-1] < 0.8 * losses[0] and rows[-1]["train_acc"] > 0.8 and "sharpness" in rows[-1]


@pytest.mark.parametrize("name", sorted(FILE_RUNS))
def test_an_npz_trains_each_phenomenon_that_offers_files_and_the_run_records_it(tmp_path, name):
    """Neural collapse, double descent (its MLP) and edge of stability train on the file's
    arrays (their input width is the file's, their classes its labels) and say which file."""
    from labcore.admission import admit

    exp = REGISTRY[name]
    x, y = blobs(n=200, d=12)
    np.savez(tmp_path / "mine.npz", X=x, y=y)
    cfg = exp.make_config(dataset=f"file:{tmp_path / 'mine.npz'}", **FILE_RUNS[name])
    admit(exp, cfg)
    rec = Recorder()
    exp.run(cfg, rec)
    assert trained(name, rec), rec.rows[-1]
    assert rec.info["data"] == sha_line(tmp_path / "mine.npz")


def test_double_descents_random_features_fit_a_file_too(tmp_path):
    exp = REGISTRY["double_descent"]
    x, y = blobs(n=200, d=12)
    np.savez(tmp_path / "mine.npz", X=x[:120], y=y[:120], X_test=x[120:], y_test=y[120:])
    rec = Recorder()
    exp.run(exp.make_config(dataset=f"file:{tmp_path / 'mine.npz'}", n_train=60, n_test=80, n_widths=4,
                            label_noise=0.0), rec)
    widest = max((r for r in rec.rows if "rf_test_error" in r), key=lambda r: r["step"])
    assert widest["rf_train_error"] == 0.0 and widest["rf_test_error"] < 0.3  # chance 0.5
    assert rec.info["data"] == sha_line(tmp_path / "mine.npz")


@pytest.mark.parametrize("name", sorted(FILE_RUNS))
def test_a_malformed_file_is_one_line_for_each_phenomenon_and_nothing_is_written(tmp_path, capsys, monkeypatch,
                                                                                   name):
    monkeypatch.setenv("LAB_CACHE_DIR", str(tmp_path / "cache"))
    cases = malformed(tmp_path)
    for case in ("NaN", "one class", "csv cell", "missing"):
        path, says = cases[case]
        status = cli.main(["run", name, "--dataset", f"file:{path}", "--n-train", "20"])
        err = capsys.readouterr().err.strip()
        assert status == 2, (name, case)
        assert err.startswith("error: ") and "\n" not in err and says in err, (name, case, err)
    x, y = blobs(30)
    np.savez(tmp_path / "small.npz", X=x, y=y)
    test = [] if name == "edge_of_stability" else ["--n-test", "10"]  # it keeps 10 of the pool itself
    status = cli.main(["run", name, "--dataset", f"file:{tmp_path / 'small.npz'}", "--n-train", "25", *test])
    err = capsys.readouterr().err.strip()
    assert status == 2 and "\n" not in err, err
    assert re.search(r"out of range for dataset=file:\S*small.npz .*(≤ 30|10\.\.20)", err), err
    assert not (tmp_path / "cache").exists()
