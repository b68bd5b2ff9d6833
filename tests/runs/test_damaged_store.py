"""A damaged database (issue 39 item 4): detected when the store opens, named in one line
with what to do, never listed as an empty store nor written over, and moved aside and rebuilt
from what can still be read by `python -m labcore doctor`."""
import os
import sqlite3
import time

import pytest

from labcore import cli as lab_cli
from labcore.runs.store import Store
from tests.ui.test_runs_page import put_run
from tests.plugins import QUADRATIC

pytestmark = pytest.mark.plugins(QUADRATIC)  # every test here uses the test plugin


def _damage(directory, how: str) -> None:
    store = Store(directory)
    for i in range(30):
        put_run(store, "quadratic", {"steps": 10 + i}, steps=200)
    store.close()
    con = sqlite3.connect(directory / "cache.db")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    path = directory / "cache.db"
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size // 2 if how == "half" else 0)
    old = time.time() - 60  # not a store being created this instant
    os.utime(path, (old, old))


def _one_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_a_truncated_database_is_named_and_doctor_keeps_what_can_be_read(tmp_path, monkeypatch, capsys):
    directory = tmp_path / "cache"
    monkeypatch.setenv("LAB_CACHE_DIR", str(directory))
    _damage(directory, "half")
    assert lab_cli.main(["runs"]) == 1
    line = _one_error(capsys)
    assert line.startswith(f"error: the run store at {directory} is damaged (") and "python -m labcore doctor" in line
    assert lab_cli.main(["run", "quadratic", "--steps", "3"]) == 1
    assert _one_error(capsys) == line
    assert lab_cli.main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "damaged" in out and "kept" in out
    aside = [p for p in directory.iterdir() if p.name.startswith("damaged-")]
    assert len(aside) == 1 and (aside[0] / "cache.db").is_file()  # the damaged file, kept as it was
    kept = Store(directory).runs()
    assert 0 < len(kept) <= 30 and all(r["status"] == "done" for r in kept)
    assert lab_cli.main(["doctor"]) == 0 and "healthy" in capsys.readouterr().out


def test_an_emptied_database_is_named_not_recreated_and_doctor_starts_afresh(tmp_path, monkeypatch, capsys):
    directory = tmp_path / "cache"
    monkeypatch.setenv("LAB_CACHE_DIR", str(directory))
    _damage(directory, "empty")
    assert lab_cli.main(["runs"]) == 1
    assert "is damaged (its database file is empty)" in _one_error(capsys)
    assert lab_cli.main(["run", "quadratic", "--steps", "3"]) == 1
    assert "is damaged" in _one_error(capsys)
    assert (directory / "cache.db").stat().st_size == 0  # not silently made a new, empty store
    assert lab_cli.main(["doctor"]) == 0
    assert "kept 0 entries" in capsys.readouterr().out
    assert Store(directory).runs() == [] and Store(directory).damaged() is None


@pytest.mark.slow  # renders pages (AppTest)
def test_the_pages_name_a_damaged_store(store, monkeypatch):
    from tests.ui.test_full_disk_pages import errors
    from tests.ui.test_pages import app

    _damage(store.dir, "half")
    for at in (app(), app("runs")):
        assert any("is damaged" in e and "python -m labcore doctor" in e for e in errors(at))
    from labcore.runs import doctor

    doctor.repair(store.dir)  # the fixture's teardown writes to the store
