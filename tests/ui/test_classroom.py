"""A class watching one dashboard (issue 31), through AppTest: a page whose runs have all
finished schedules no periodic refresh (Home, Runs, a phenomenon page), while a live one
does; and two sessions watching one live run share one store read per tick."""
import streamlit
import pytest

from labcore.engine import jobs
from tests.ui.test_pages import app, train
from tests.waiting import eventually
from tests.plugins import QUADRATIC

pytestmark = pytest.mark.plugins(QUADRATIC)  # every test here uses the test plugin


@pytest.fixture
def fragments(monkeypatch):
    """Every `st.fragment(run_every=...)` the pages declare, in order."""
    seen = []
    real = streamlit.fragment

    def fragment(func=None, *, run_every=None, **kw):
        seen.append(run_every)
        return real(func, run_every=run_every, **kw) if func is not None else real(run_every=run_every, **kw)

    monkeypatch.setattr(streamlit, "fragment", fragment)
    return seen


@pytest.mark.slow
def test_pages_on_finished_runs_schedule_no_refresh(store, fragments):
    train("quadratic", [{}], store)
    rid = jobs.run_id_for("quadratic", {})
    for page, query in (("quadratic", None), (None, None), ("runs", {"runs": rid})):
        fragments.clear()
        at = app(page, query)
        if page:  # the runs are drawn, from the store, once
            assert at.get("plotly_chart"), f"{page} drew nothing"
        assert fragments and all(every is None for every in fragments), (page, fragments)


def test_a_page_with_a_live_run_polls(store, fragments):
    rid = jobs.submit("quadratic", {"steps": 100, "sleep_ms": 1000.0}, store)  # 100 s, cancelled below
    try:
        eventually(lambda: (store.get(rid) or {}).get("status") == "running")
        app("quadratic", {"steps": "100", "sleep_ms": "1000.0"})
        assert any(every for every in fragments), fragments
        fragments.clear()
        app(None)  # Home: its queue polls while something trains
        assert any(every for every in fragments), fragments
    finally:
        jobs.cancel(rid, store)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_two_sessions_on_one_live_run_share_one_store_read_per_tick(store, monkeypatch):
    """Each session's page draws once as its next poll would (the tick's shared reader). Both
    sessions' ticks read through the one server Feed, and a tick in a period the Feed has
    already read costs no store read: thirty sessions cost what one does. Each poll draws
    holding the server's one turn, so polls never thrash the GIL together."""
    from labcore.ui import page, state

    shared = state.feed(store)
    clock = Clock()
    monkeypatch.setattr(shared, "clock", clock)
    reads, new_period, readers, kinds = [], [], [], []
    real = streamlit.fragment

    class Spy(page.RunData):
        def __init__(self, *args, **kw):
            super().__init__(*args, **kw)
            readers.append(self)

    monkeypatch.setattr(page, "RunData", Spy)
    turns, draw = [], page._draw

    def drawing(*args):  # polls draw one at a time: each holds the server's turn (feed.Watchers)
        turns.append(state.watchers().turn.locked())
        draw(*args)

    monkeypatch.setattr(page, "_draw", drawing)

    def fragment(func=None, *, run_every=None, **kw):
        def deco(f):
            if f.__name__ != "tick" or not run_every:
                return real(f, run_every=run_every, **kw)

            def as_a_poll():
                streamlit.session_state["_ticked"] = True  # what a poll after the first drawing sees
                if new_period.pop(0):
                    clock.now += 1.0
                before = dict(shared.reads)
                f()
                reads.append(sum(shared.reads.values()) - sum(before.values()))
                kinds.append({k: v - before[k] for k, v in shared.reads.items() if v != before[k]})
            return real(as_a_poll, run_every=run_every, **kw)
        return deco(func) if func is not None else deco

    monkeypatch.setattr(streamlit, "fragment", fragment)
    rid = jobs.submit("quadratic", {"steps": 100, "sleep_ms": 1000.0}, store)  # 100 s, cancelled below
    try:
        # running with a row stored: what a tick draws (and so reads) is then the same in both
        # periods (before its first row a page draws no artifact panel; a worker can store that
        # row between the two ticks, and the second tick would read what the first never asked for)
        eventually(lambda: len(store.metrics(rid)) > 0)
        new_period.extend([True, False])
        for _ in range(2):
            app("quadratic", {"steps": "100", "sleep_ms": "1000.0"})
        ticks = [r for r in readers if not r.fresh]
        assert len(ticks) == 2 and ticks[0].feed is ticks[1].feed is shared  # one Feed for both sessions
        assert len(reads) == 2 and reads[0] >= 2  # a new period: the records and the run's new rows
        assert reads[1] == 0, kinds  # the same period: nothing read again
        assert turns == [True, True] and not state.watchers().turn.locked()
    finally:
        jobs.cancel(rid, store)
