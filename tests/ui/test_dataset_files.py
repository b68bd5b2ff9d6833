"""Registered dataset files: $LAB_DATASETS (`name=path` or bare paths, commas or colons) and the
user folder's datasets/ offer your own files by name (`file:NAME`) on the command line and in the
dataset choice of every page whose phenomenon accepts files; a run started from the page trains
on the file and records its name and sha256."""
import hashlib
from pathlib import Path

import numpy as np
import pytest

from labcore.core import dataset_files
from labcore.core.params import ParamError
from labcore.core.registry import REGISTRY
from labcore.engine import jobs
from tests.waiting import GUARD_S


def blobs(path: Path, n: int = 800, d: int = 6) -> Path:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, d)).astype(np.float32)
    np.savez(path, X=x, y=(x[:, 0] + x[:, 1] > 0).astype(np.int64))
    return path


@pytest.fixture
def registered(tmp_path, monkeypatch):
    """A user folder with datasets/blobs.npz and datasets/rows.csv, and LAB_DATASETS naming two
    more files (one under the name `rows`, which wins over the folder's) and a missing one."""
    user = tmp_path / "user"
    (user / "datasets").mkdir(parents=True)
    blobs(user / "datasets" / "blobs.npz")
    (user / "datasets" / "rows.csv").write_text("1,2,0\n3,4,1\n")
    (user / "datasets" / "notes.txt").write_text("not a dataset")
    other = blobs(tmp_path / "other.npz", n=100)
    mine = blobs(tmp_path / "elsewhere.npz", n=100)
    monkeypatch.setenv("LAB_EXPERIMENTS", str(user))
    monkeypatch.setenv("LAB_DATASETS", f"rows={other}, {mine}:gone={tmp_path / 'gone.npz'}")
    return user


def test_lab_datasets_and_the_user_folder_register_files_by_name(registered, tmp_path, monkeypatch):
    found = dataset_files.registered()
    assert found == {"rows": tmp_path / "other.npz", "elsewhere": tmp_path / "elsewhere.npz",
                     "blobs": registered / "datasets" / "blobs.npz"}  # gone.npz and notes.txt are not listed
    assert dataset_files.choices() == ["file:rows", "file:elsewhere", "file:blobs"]
    assert dataset_files.resolve("file:blobs") == registered / "datasets" / "blobs.npz"
    assert dataset_files.resolve("file:/x/blobs.npz") == Path("/x/blobs.npz")  # a path stays a path
    assert dataset_files.resolve("file:blobs.npz") == Path("blobs.npz")
    with pytest.raises(ValueError, match=r"no registered file named 'nope' .*: rows, elsewhere, blobs"):
        dataset_files.resolve("file:nope")
    monkeypatch.chdir(tmp_path)  # a relative entry is the caller's: a worker gets it absolute
    monkeypatch.setenv("LAB_DATASETS", "b=other.npz")
    assert dataset_files.absolute_env() == f"b={tmp_path / 'other.npz'}"
    from labcore.engine.launch import worker_env
    from labcore.runs.store import Store

    assert worker_env(Store(tmp_path / "cache"))["LAB_DATASETS"] == f"b={tmp_path / 'other.npz'}"


def test_a_registered_name_is_checked_at_admission_in_one_line(registered):
    from labcore.admission import admit

    exp = REGISTRY["lazy_training"]
    admit(exp, exp.make_config(dataset="file:blobs"))
    with pytest.raises(ParamError, match=r"^dataset=file:nope: no registered file named 'nope'[^\n]*$"):
        admit(exp, exp.make_config(dataset="file:nope"))
    with pytest.raises(ParamError, match="not allowed"):  # catapult takes no files
        REGISTRY["catapult"].make_config(dataset="file:blobs")


def dataset_box(at):
    return next(s for s in at.selectbox if s.key == "dataset")


@pytest.mark.slow
def test_the_page_offers_registered_files_and_a_run_trains_on_one(registered, store):
    from tests.ui.test_pages import app

    at = app("lazy_training")
    box = dataset_box(at)
    assert {"blobs (your file)", "elsewhere (your file)", "rows (your file)"} <= set(box.options)
    assert "digits" in box.options and not any(o.startswith("gone") or "*" in o for o in box.options)
    assert not any("your file" in o for o in dataset_box(app("catapult")).options)  # no files there
    box.set_value("file:blobs")
    at.select_slider(key="width").set_value(32)
    at.select_slider(key="steps").set_value(20)
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    next(b for b in at.button if b.label == "Run").click()
    at.run()
    rid = jobs.run_id_for("lazy_training", {"dataset": "file:blobs", "width": 32, "steps": 20})
    rec = jobs.wait(rid, store, timeout=GUARD_S)
    assert rec["status"] == "done", rec.get("error")
    digest = hashlib.sha256((registered / "datasets" / "blobs.npz").read_bytes()).hexdigest()
    assert rec["meta"]["data"] == f"blobs.npz (sha256 {digest})"
    loss = store.metrics(rid)["loss"].dropna()
    assert loss.iloc[-1] < loss.iloc[0]
