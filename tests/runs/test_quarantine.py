"""One bad entry in the store is quarantined and stops nothing (issue #24 item 7)."""
import json
import sqlite3

from labcore.engine import jobs
from labcore.engine import scheduler
from tests.waiting import eventually
import pytest
from tests.plugins import QUADRATIC

pytestmark = pytest.mark.plugins(QUADRATIC)  # every test here uses the test plugin


def _poison(store, key: str) -> None:
    """Mark `key`'s row as pickled, as a planted value would be (never loaded: refused)."""
    db_key, raw = store.cache._disk.put(key)
    con = sqlite3.connect(store.dir / "cache.db")
    with con:
        assert con.execute("UPDATE Cache SET mode = 4 WHERE key = ? AND raw = ?", (db_key, raw)).rowcount == 1
    con.close()


def test_a_bad_queue_entry_is_quarantined_and_later_submits_run(store, capsys):
    with store.transact():
        store.cache.set("queue", ["someone"])
    _poison(store, "queue")
    rid = jobs.submit("quadratic", {"steps": 3}, store)
    warning = capsys.readouterr().err.strip().splitlines()
    assert len(warning) == 1 and warning[0].startswith("warning: the run store entry 'queue' was unreadable")
    kept = list((store.dir / "quarantine").iterdir())
    assert len(kept) == 1 and json.loads(kept[0].read_text())["key"] == "queue"
    assert eventually(lambda: store.get(rid)["status"] == "done")
    nxt = jobs.submit("quadratic", {"steps": 4}, store)  # and the next one too
    assert eventually(lambda: store.get(nxt)["status"] == "done")
    assert scheduler.queue_position(store) == {}  # the queue reads again: the planted entry is gone


def _plant(store, key, value) -> None:
    with store.transact():
        store.cache.set(key, value)


def test_junk_elements_in_the_scheduling_keys_are_quarantined_and_block_nothing(store, capsys):
    # issue 39 item 1: one dict in the queue made every worker die with "unhashable type: 'dict'"
    _plant(store, "queue", [{"x": 1}, 7, None])
    _plant(store, "claims", {"ghost": {"pid": "abc"}, "other": [1]})
    _plant(store, "workers", {"notapid": {}, "12": "x"})
    _plant(store, "exits", {"5": {"rc": "x"}})
    _plant(store, "supervisor", ["junk"])
    rid = jobs.submit("quadratic", {"steps": 3}, store)
    assert eventually(lambda: store.get(rid)["status"] == "done")
    # `exits` is read when a worker dies: read it here, so no worker's exit after this test
    # (its watcher thread in this process) finds the junk and warns during the next test
    assert scheduler.exit_cause(store, 5) == "worker process 5 died"
    err = capsys.readouterr().err
    for key in ("queue", "claims", "workers", "exits", "supervisor"):
        assert f"warning: the run store entry '{key}' held junk" in err, key
    kept = [json.loads(p.read_text()) for p in (store.dir / "quarantine").iterdir()]
    queue = next(k for k in kept if k["key"] == "queue")
    assert {"key": "queue", "value": [{"x": 1}, 7, None]}.items() <= queue.items()
    assert scheduler.QUEUE.read(store) == []


def test_a_record_that_is_no_longer_a_record_is_named_not_hidden(store, capsys):
    # issue 39 item 1: a record replaced by other bytes vanished from `labcore runs` silently
    for rid in ("a", "b", "c"):
        store.create(rid, "quadratic", {}, {"r": rid})
    con = sqlite3.connect(store.dir / "cache.db")
    with con:
        for key, value in (("run:a", "plain text"), ("run:b", b"x\x9c\x8b\x06\x00\x00\x8c\x00\x5d")):
            db_key, _ = store.cache._disk.put(key)
            con.execute("UPDATE Cache SET value = ? WHERE key = ?", (value, db_key))
    con.close()
    _plant(store, "run:c", [1, 2])  # JSON, but no run record
    store.create("d", "quadratic", {}, {"r": "d"})
    from labcore.runs.store import Store

    assert [r["id"] for r in Store(store.dir).runs()] == ["d"]
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(line.startswith("warning: the run store entry 'run:") for line in err)
    assert len(list((store.dir / "quarantine").iterdir())) == 3
