"""One bad entry in the store is quarantined and stops nothing (issue #24 item 7)."""
import json
import sqlite3

from labcore.engine import jobs
from labcore.engine import scheduler
from tests.waiting import eventually


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
