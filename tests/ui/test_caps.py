"""Per-click caps and the queue cap, as a user meets them on a page (issue 13)."""
from labcore.ui import submit as submit_module
from tests.ui.test_pages import app
import pytest
from tests.plugins import QUADRATIC

pytestmark = pytest.mark.plugins(QUADRATIC)  # every test here uses the test plugin


def _page(n_seeds, **query):
    """The test plugin's page with `n_seeds` seeds (its sweep axis lr has two values)."""
    return app("quadratic", query={"n_seeds": str(n_seeds), "steps": "5", **query})


def _button(at, label):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r} in {[b.label for b in at.button]}"
    return found[0]


def test_a_click_above_16_runs_asks_first_and_dont_start_starts_nothing(store):
    at = _page(10)
    _button(at, "Sweep lr").click().run()
    assert any("starts 20 runs" in w.value for w in at.warning)
    assert store.runs() == []  # nothing is written before the user confirms
    _button(at, "Don't start").click().run()
    assert not at.warning and store.runs() == []


def test_confirming_starts_every_run_of_the_click(store):
    at = _page(10)
    _button(at, "Sweep lr").click().run()
    _button(at, "Start 20 runs").click().run()
    assert not at.exception, at.exception
    recs = store.runs()
    assert len(recs) == 20
    assert {r["config"]["lr"] for r in recs} == {0.1, 1.0}
    assert len({r["config"]["seed"] for r in recs}) == 10


def test_a_click_above_the_per_click_cap_is_refused_with_the_limit(store, monkeypatch):
    monkeypatch.setattr(submit_module, "MAX_PER_CLICK", 4)
    at = _page(3)
    _button(at, "Sweep lr").click().run()
    errors = " ".join(e.value for e in at.error)
    assert "6 runs" in errors and "at most 4 per click" in errors
    assert store.runs() == []


def test_a_full_queue_is_said_on_the_page_and_nothing_else_is_queued(store, monkeypatch):
    monkeypatch.setenv("LAB_MAX_QUEUED", "1")
    monkeypatch.setenv("LAB_MAX_JOBS", "1")
    at = _page(3, steps="100", sleep_ms="50")  # 5 s a run: one slot cannot drain the queue meanwhile
    _button(at, "Run").click().run()
    errors = " ".join(e.value for e in at.error).replace("\\", "")  # shown as escaped plain text
    assert "Not started: the queue is full" in errors and "LAB_MAX_QUEUED=1" in errors
    assert len([r for r in store.runs() if r["status"] == "queued"]) <= 1
