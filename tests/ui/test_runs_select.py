"""The Runs page's selection and its URL (labcore.ui.runs_select) when a rerun is cut short."""
import pytest

from labcore.ui import runs_select


class Params(dict):
    """st.query_params as runs_select reads it."""

    def get_all(self, key):
        return [self[key]] if key in self else []


@pytest.fixture
def st_state(monkeypatch):
    state, params = {}, Params()
    monkeypatch.setattr(runs_select.st, "session_state", state)
    monkeypatch.setattr(runs_select.st, "query_params", params)
    return state, params


def test_a_url_write_cut_short_by_the_next_pick_is_not_taken_for_an_opened_link(st_state):
    state, params = st_state
    runs_select.write_url(["a"])                  # the first pick, written whole
    assert params["runs"] == "a" and state["_runs_url"] == ("a", "")
    # the second pick's run writes the URL and is stopped before it records the write
    state["runs"] = ["a", "b"]
    state["_runs_url_next"] = ("a,b", "")
    params["runs"] = "a,b"
    state["runs"] = ["a", "b", "c"]               # the third pick's run reads the URL
    runs_select.seed_from_url(["a", "b", "c"])
    assert state["runs"] == ["a", "b", "c"]       # the picks stand: the URL is this session's own


def test_an_opened_link_decides_the_selection(st_state):
    state, params = st_state
    runs_select.write_url(["a"])
    params["runs"] = "b,c"                        # someone pasted another link into this tab
    assert runs_select.seed_from_url(["a", "b"]) == ["c"]   # c is not in this store
    assert state["runs"] == ["b"]
