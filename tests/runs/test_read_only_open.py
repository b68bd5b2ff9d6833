"""Opening a store to read writes nothing (issue #24 item 6): a full disk or a read-only
directory can still be listed, read and exported; a store that does not exist is not created."""
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from labcore import cli
from labcore.runs.store import Store
from tests.full_disk import simulate
from tests.plugins import QUADRATIC

pytestmark = pytest.mark.plugins(QUADRATIC)  # every test here uses the test plugin

ROOT = Path(__file__).resolve().parents[2]


def _stored_run(directory: Path) -> str:
    """A finished run with rows and an artifact, written by one Store that is then closed."""
    store = Store(directory)
    rec = store.create("r1", "quadratic", {"lr": 0.1, "steps": 3}, {"steps": 3})
    assert store.append_rows("r1", [{"step": s, "loss": 1.0 / (s + 1)} for s in range(3)], rec["attempt"])
    assert store.put_artifact("r1", "final_x", [0.5], rec["attempt"])
    store.update("r1", rec["attempt"], status="done", progress=1.0)
    store.cache.close()  # the last connection: SQLite merges its log into cache.db
    return "r1"


def _files(directory: Path) -> dict[str, str]:
    """The store's files and a hash of each (SQLite's shared-memory index is not the store)."""
    return {p.name: hashlib.sha1(p.read_bytes()).hexdigest() for p in directory.iterdir()
            if p.is_file() and not p.name.endswith("-shm")}


def test_reading_a_store_writes_nothing(tmp_path):
    directory = tmp_path / "cache"
    rid = _stored_run(directory)
    before = _files(directory)
    store = Store(directory)
    assert store.get(rid)["status"] == "done" and store.runs()[0]["id"] == rid
    assert store.metrics(rid)["loss"].tolist() == [1.0, 0.5, 1.0 / 3]
    assert store.artifact(rid, "final_x") is not None and store.size_bytes() > 0
    after = _files(directory)
    # cache.db is byte for byte the same; SQLite may add an empty log beside it, nothing else
    assert after.pop("cache.db") == before.pop("cache.db")
    assert after == before or (set(after) - set(before) == {"cache.db-wal"}
                                and (directory / "cache.db-wal").stat().st_size == 0)


def test_reading_a_store_that_does_not_exist_creates_nothing(tmp_path):
    store = Store(tmp_path / "nothing" / "here")
    assert store.runs() == [] and store.get("abc") is None and store.size_bytes() == 0
    assert store.read_rows("abc") == ([], 0) and not store.cancel_requested("abc")
    assert not (tmp_path / "nothing").exists()
    store.create("r", "quadratic", {}, {})  # the first write creates it
    assert (tmp_path / "nothing" / "here" / "cache.db").is_file()


def test_a_full_disk_store_is_listed_read_and_exported(tmp_path, monkeypatch, capsys):
    directory = tmp_path / "cache"
    rid = _stored_run(directory)
    monkeypatch.setenv("LAB_CACHE_DIR", str(directory))
    simulate(monkeypatch)
    store = Store(directory)
    assert store.get(rid)["status"] == "done" and len(store.metrics(rid)) == 3
    assert not store.disk_full()  # nothing tried to write yet
    with pytest.raises(Exception, match="database or disk is full"):
        store.create("r2", "quadratic", {}, {})
    assert store.disk_full() and store.write_error.endswith("is on a full disk: free space or set LAB_CACHE_DIR")
    assert store.get(rid)["status"] == "done"  # and it still reads

    assert cli.main(["runs"]) == 0
    out = capsys.readouterr().out
    assert rid in out and "done" in out and "quadratic" in out
    assert cli.main(["export", rid, "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "metrics.csv").read_text().count("\n") == 4  # header + 3 rows


def _unshare_works() -> bool:
    if sys.platform != "linux" or shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(not _unshare_works(), reason="needs root and mount namespaces (a real full tmpfs)")
def test_a_really_full_disk_is_listed_and_exported(tmp_path):
    """The same on a real full file system: a 1 MB tmpfs in a private mount namespace, filled."""
    disk, out = tmp_path / "disk", tmp_path / "out"
    disk.mkdir()
    py = sys.executable
    make = ("from labcore.runs.store import Store; s = Store(); "
            "r = s.create('r1', 'quadratic', {'steps': 3}, {'steps': 3}); "
            "s.append_rows('r1', [{'step': 0, 'loss': 1.0}], r['attempt']); "
            "s.update('r1', r['attempt'], status='done', progress=1.0)")
    script = (f"mount -t tmpfs -o size=1m tmpfs {disk} && {py} -c \"{make}\" && "
              f"(dd if=/dev/zero of={disk}/filler bs=4k 2>/dev/null; true) && "
              f"{py} -m labcore runs && {py} -m labcore export r1 --out {out}; "
              f"echo rc=$?; {py} -m labcore run quadratic --steps 5; echo rc=$?")
    env = {**os.environ, "LAB_CACHE_DIR": str(disk / "cache"), "PYTHONPATH": str(ROOT)}
    res = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, cwd=ROOT,
                         env=env, timeout=300)
    assert "r1  quadratic" in res.stdout and "rc=0" in res.stdout, (res.stdout, res.stderr[-2000:])
    assert (out / "metrics.csv").is_file()
    # a write on the full disk is one line and exit 1
    assert res.stdout.rstrip().endswith("rc=1")
    assert res.stderr.strip().splitlines()[-1] == (f"error: the run store at {disk / 'cache'} is on a full disk: "
                                                   "free space or set LAB_CACHE_DIR"), res.stderr[-2000:]


@pytest.mark.slow
@pytest.mark.skipif(not _unshare_works(), reason="needs root and mount namespaces (a read-only bind mount)")
def test_a_read_only_directory_is_listed_and_exported(tmp_path):
    """A store on a read-only mount (root ignores chmod -w, not a read-only file system)."""
    _stored_run(tmp_path / "ro" / "cache")
    out = tmp_path / "out"
    py, ro = sys.executable, tmp_path / "ro"
    script = (f"mount --bind {ro} {ro} && mount -o remount,bind,ro {ro} && ! touch {ro}/probe 2>/dev/null && "
              f"{py} -m labcore runs && {py} -m labcore export r1 --out {out}; echo rc=$?")
    env = {**os.environ, "LAB_CACHE_DIR": str(ro / "cache"), "PYTHONPATH": str(ROOT)}
    res = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, cwd=ROOT,
                         env=env, timeout=300)
    assert "r1  quadratic        done" in res.stdout and res.stdout.rstrip().endswith("rc=0"), (
        res.stdout, res.stderr[-2000:])
    assert (out / "metrics.csv").read_text().count("\n") == 4


def test_a_bad_entry_read_through_the_read_only_view_is_still_quarantined(tmp_path, capsys):
    """Quarantining a refused entry is a repair: the reader hands it to the writable cache."""
    import sqlite3

    directory = tmp_path / "cache"
    _stored_run(directory)
    writer = Store(directory)
    db_key, raw = writer.cache._disk.put("run:r1")
    writer.cache.close()
    con = sqlite3.connect(directory / "cache.db")
    with con:  # planted as pickled: refused on read
        assert con.execute("UPDATE Cache SET mode = 4 WHERE key = ? AND raw = ?", (db_key, raw)).rowcount == 1
    con.close()
    store = Store(directory)
    assert store.get("r1") is None
    warning = capsys.readouterr().err.strip().splitlines()
    assert len(warning) == 1 and warning[0].startswith("warning: the run store entry 'run:r1' was unreadable")
    assert len(list((directory / "quarantine").iterdir())) == 1
    assert list(Store(directory).read("index")) == ["r1"] and store.read_rows("r1")[0]  # the rest reads on
