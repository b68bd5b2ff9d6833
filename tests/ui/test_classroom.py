"""A class watching one dashboard (issue 31), through AppTest: a page whose runs have all
finished schedules no periodic refresh (Home, Runs, a phenomenon page), while a live one
does; and two sessions watching one live run share one store read per tick."""
import streamlit
import pytest

from labcore.engine import jobs
from tests.ui.test_pages import app, train
from tests.waiting import eventually


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
