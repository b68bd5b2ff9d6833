"""The store's write lock is fair: no append waits behind a stream of later ones (issue 39
item 6). `benchmarks/append_latency.py` measures the latency; this checks the order."""
import threading

from labcore.runs.store import Store
from tests.waiting import eventually, GUARD_S
import pytest
from tests.plugins import QUADRATIC

pytestmark = pytest.mark.plugins(QUADRATIC)  # every test here uses the test plugin

STREAMS, APPENDS = 3, 30


def _tail(store) -> int:
    try:
        return int((store.dir / "lockq" / "tail").read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


def test_a_waiting_append_goes_before_a_stream_of_later_ones(tmp_path):
    holder, early, *streamers = (Store(tmp_path / "c") for _ in range(2 + STREAMS))
    holder.create("r", "quadratic", {}, {})
    for s in (early, *streamers):
        s.cache  # noqa: B018 - opened now: diskcache's start-up writes would wait on SQLite's own lock

    def stream(s, who):
        for k in range(APPENDS):
            s.append_rows("r", [{"step": k, "who": who}])

    with holder.transact():  # the lock is taken: every writer queues behind it
        mine = _tail(holder)
        waiter = threading.Thread(target=lambda: early.append_rows("r", [{"step": 0, "who": 0.0}]))
        waiter.start()
        eventually(lambda: _tail(holder) >= mine + 1)  # the early append has the next ticket
        later = [threading.Thread(target=stream, args=(s, float(i + 1))) for i, s in enumerate(streamers)]
        for t in later:
            t.start()
        eventually(lambda: _tail(holder) >= mine + 1 + STREAMS)  # the streams wait too
    for t in (waiter, *later):
        t.join(GUARD_S)
    order = [r["who"] for r in holder.read_rows("r")[0]]
    assert len(order) == 1 + STREAMS * APPENDS
    print("the early append went in at place", order.index(0.0))
    assert order.index(0.0) == 0  # first, however fast the streams ask again
