"""One reader per page tick (`labcore.ui.reader.RunData`): each record read once per tick,
rows read incrementally across ticks, a finished run's rows never read again, and a
signature that changes exactly when something to draw changed."""
import pytest

from labcore.ui import reader
from labcore.ui.feed import Feed
from tests.plugins import QUADRATIC

pytestmark = pytest.mark.plugins(QUADRATIC)  # every test here uses the test plugin


class CountingStore:
    """A store of plain records and row lists that counts its reads."""

    def __init__(self):
        self.recs, self.rows, self.artifacts = {}, {}, {}
        self.gets = self.reads = 0

    def get(self, rid):
        self.gets += 1
        return self.recs.get(rid)

    def read_rows(self, rid, cursor=0):
        self.reads += 1
        rows = self.rows.get(rid, [])
        return rows[cursor:], len(rows)

    def artifact(self, rid, name):
        return self.artifacts.get((rid, name))


@pytest.fixture
def store(monkeypatch):
    s = CountingStore()
    shared = Feed(s)  # the server's Feed, as every reader of one server shares it
    monkeypatch.setattr(reader, "_feed", lambda store: shared)
    s.recs["a"] = {"id": "a", "created": 1.0, "status": "running", "progress": 0.5, "artifacts": []}
    s.rows["a"] = [{"step": 0, "loss": 1.0}]
    return s


def test_a_tick_reads_each_record_once_and_only_new_rows(store):
    tick = reader.RunData(store, "quadratic")
    assert tick.records(["a", "a", "missing"]) == [store.recs["a"]]
    tick.record("a"), tick.frame("a"), tick.frame("a"), tick.signature(["a"]), tick.active(["a"])
    assert store.gets == 2 and store.reads == 1  # "a" and "missing", once each; rows once
    store.rows["a"].append({"step": 1, "loss": 0.5})
    nxt = reader.RunData(store, "quadratic")
    assert nxt.frame("a")["loss"].tolist() == [1.0, 0.5]
    assert nxt.signature(["a"]) != tick.signature(["a"])  # a row arrived: redraw


def test_a_finished_run_is_read_once_and_then_never_again(store):
    store.recs["a"]["status"] = "done"
    first = reader.RunData(store, "quadratic")
    assert len(first.frame("a")) == 1 and store.reads == 1
    again = reader.RunData(store, "quadratic")
    assert len(again.frame("a")) == 1 and store.reads == 1
    assert again.signature(["a"]) == first.signature(["a"]) and not again.active(["a"])


def test_artifacts_are_read_only_when_the_run_stored_them(store):
    store.artifacts["a", "m"] = "table"
    tick = reader.RunData(store, "quadratic")
    assert tick.artifact("a", "m") is None  # not in the record's artifacts (yet)
    store.recs["a"]["artifacts"] = ["m"]
    assert reader.RunData(store, "quadratic").artifact("a", "m") == "table"
