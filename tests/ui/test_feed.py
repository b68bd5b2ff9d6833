"""The server's shared Feed (issue 31): sessions polling one live run share one record read
and one read of its new rows per tick, and one DataFrame per new chunk; a session's own
action reads afresh; the refresh period stretches with the sessions watching."""
import pytest

from labcore.ui import feed, reader
from tests.ui.test_reader import CountingStore
from tests.plugins import QUADRATIC


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def live():
    s = CountingStore()
    s.recs["a"] = {"id": "a", "created": 1.0, "status": "running", "progress": 0.1, "artifacts": []}
    s.rows["a"] = [{"step": 0, "loss": 1.0}]
    clock = Clock()
    return s, feed.Feed(s, max_age=1.0, clock=clock), clock


def tick(store, shared):
    """What one session's polling tick reads: the record, the rows, the signature."""
    data = reader.RunData(store, "quadratic", fresh=False, feed=shared)
    return data.frame("a"), data.signature(["a"]), data.active(["a"])


@pytest.mark.plugins(QUADRATIC)
def test_thirty_sessions_in_one_tick_read_the_store_once(live):
    store, shared, clock = live
    frames = [tick(store, shared)[0] for _ in range(30)]
    assert store.gets == 1 and store.reads == 1
    assert all(f is frames[0] for f in frames)  # one DataFrame for all of them
    store.rows["a"].append({"step": 1, "loss": 0.5})
    clock.now += 0.5  # still the same tick: nobody sees the new row yet, nothing is read
    assert len(tick(store, shared)[0]) == 1 and store.reads == 1
    clock.now += 0.6  # the next tick: one read for everybody
    after = [tick(store, shared) for _ in range(30)]
    assert store.gets == 2 and store.reads == 2
    assert all(f["loss"].tolist() == [1.0, 0.5] for f, _, _ in after)
    assert len({sig for _, sig, _ in after}) == 1


@pytest.mark.plugins(QUADRATIC)
def test_a_sessions_own_action_reads_afresh(live):
    store, shared, clock = live
    tick(store, shared)
    store.recs["a"] = {**store.recs["a"], "status": "cancelled"}
    assert tick(store, shared)[2]  # a tick in the same period still sees it running
    mine = reader.RunData(store, "quadratic", feed=shared)  # fresh, as after a click
    assert not mine.active(["a"])
    assert not tick(store, shared)[2]  # and the fresh read is what the next ticks share


@pytest.mark.plugins(QUADRATIC)
def test_a_finished_run_is_read_once_more_then_never(live):
    store, shared, clock = live
    tick(store, shared)
    store.rows["a"].append({"step": 1, "loss": 0.5})
    store.recs["a"] = {**store.recs["a"], "status": "done"}
    clock.now += 1.0
    assert len(tick(store, shared)[0]) == 2  # its last chunk
    reads = store.reads
    for _ in range(5):
        clock.now += 1.0
        tick(store, shared)
    assert store.reads == reads


@pytest.mark.plugins(QUADRATIC)
def test_a_run_created_again_under_its_id_starts_from_its_first_row(live):
    store, shared, clock = live
    tick(store, shared)
    store.recs["a"] = {**store.recs["a"], "created": 2.0}
    store.rows["a"] = [{"step": 0, "loss": 9.0}]
    clock.now += 1.0
    assert tick(store, shared)[0]["loss"].tolist() == [9.0]


def test_the_refresh_period_stretches_past_the_budget():
    assert feed.refresh_period(1.0, 1, 0.02, 0.15) == 1.0
    assert feed.refresh_period(1.0, 5, 0.02, 0.15) == 1.0       # 0.1 core: within the budget
    assert feed.refresh_period(1.0, 30, 0.02, 0.15) == 4.0      # 0.6 core of ticks at 1 s
    assert feed.refresh_period(1.0, 30, 0.005, 0.15) == 1.0
    # every session at that period spends at most the budget
    for n, cost in [(8, 0.03), (30, 0.01), (60, 0.02)]:
        p = feed.refresh_period(1.0, n, cost, 0.15)
        assert n * cost / p <= 0.15 * 1.1


def test_watchers_count_recent_sessions_and_average_their_cost():
    clock = Clock()
    w = feed.Watchers(clock=clock)
    for i in range(8):
        w.ticked(f"s{i}", 0.02)
    assert w.count() == 8 and w.cost == pytest.approx(0.02)
    clock.now += 11  # nobody ticked for 11 s: they left
    w.ticked("s0", 0.02)
    assert w.count() == 1


def test_sessions_retuning_together_take_turns():
    """Thirty sessions that all want to rerun their page at once (a new refresh period) get
    the server's leave one per gap, not all at the same moment."""
    clock = Clock()
    w = feed.Watchers(clock=clock)
    asked = [w.may_rerun(0.5) for _ in range(30)]
    assert asked == [True] + [False] * 29
    clock.now += 0.4
    assert not w.may_rerun(0.5)
    clock.now += 0.1
    assert w.may_rerun(0.5) and not w.may_rerun(0.5)


@pytest.mark.plugins(QUADRATIC)
def test_a_frame_grown_by_chunks_equals_the_frame_of_all_rows(live):
    import pandas as pd

    from labcore.runs.tables import rows_frame

    store, shared, clock = live
    tick(store, shared)
    store.rows["a"] += [{"step": 1, "loss": 0.5, "acc": 0.2}, {"step": 2, "loss": 0.25, "_t": 1.5}]
    clock.now += 1.0
    assert len(tick(store, shared)[0]) == 3  # a chunk of two rows
    store.rows["a"].append({"step": 3, "loss": 0.125, "acc": 0.9})
    clock.now += 1.0
    grown = tick(store, shared)[0]  # and one more
    pd.testing.assert_frame_equal(grown, rows_frame(store.rows["a"]))


def test_a_live_chart_is_built_once_per_version_for_all_and_at_most_every_rebuild_s():
    from labcore.ui import figures

    clock = Clock()
    memo = figures.Memo(clock=clock)
    built = []

    def build(v):
        return lambda: built.append(v) or f"figure {v}"

    assert [memo.get("c", 1, build(1), live="runs") for _ in range(30)] == ["figure 1"] * 30
    clock.now += 0.5  # new rows, within REBUILD_S: the last build, not a new one
    assert memo.get("c", 2, build(2), live="runs") == "figure 1"
    clock.now += figures.REBUILD_S
    assert memo.get("c", 3, build(3), live="runs") == "figure 3"
    assert memo.get("c", 4, build(4)) == "figure 4"  # at rest: exactly what the runs hold
    assert built == [1, 3, 4]
