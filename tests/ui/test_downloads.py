"""Live CSV downloads keep one file while runs train (a changing file cancels slow downloads),
one snapshot per server for every session showing the same runs."""
import pytest
from streamlit.testing.v1 import AppTest

from labcore.ui import downloads


@pytest.fixture(autouse=True)
def fresh_snapshots():
    downloads.snapshots().clear()


def _app():
    import streamlit as st

    from labcore.ui import downloads

    calls = st.session_state.setdefault("calls", [])
    status = st.session_state.get("status", "running")
    ids = st.session_state.get("ids", ("a",))

    def make() -> str:
        calls.append(status)
        return f"step\n{len(calls)}\n"

    downloads.csv_button("Download CSV", make, key="dl", file_name="x.csv",
                         recs=[{"id": rid, "status": status} for rid in ids])


def _csv(at, ids=("a",)) -> str:
    return downloads.snapshots()["dl", ids][1]


def test_a_live_csv_is_one_snapshot_across_reruns_and_current_once_nothing_is_live():
    at = AppTest.from_function(_app).run()
    for _ in range(3):  # a polling fragment's reruns, well within SNAPSHOT_S
        at.run()
    assert at.session_state["calls"] == ["running"]  # made once: the same bytes, the same file
    assert _csv(at) == "step\n1\n"
    assert at.get("download_button")[0].proto.label == "Download CSV · snapshot"  # says what it holds
    at.session_state["status"] = "done"
    at.run()
    at.run()
    assert at.session_state["calls"] == ["running", "done", "done"]  # finished: always the current rows
    assert _csv(at) == "step\n3\n"
    assert at.get("download_button")[0].proto.label == "Download CSV"


def test_a_live_snapshot_is_refreshed_after_snapshot_s():
    at = AppTest.from_function(_app).run()
    t, csv = downloads.snapshots()["dl", ("a",)]
    downloads.snapshots()["dl", ("a",)] = (t - downloads.SNAPSHOT_S - 1, csv)  # aged
    at.run()
    assert at.session_state["calls"] == ["running", "running"]
    assert _csv(at) == "step\n2\n"


def test_other_runs_under_the_same_key_never_get_the_last_runs_snapshot():
    """The key is shared by every phenomenon page ("dl_runs"): going to another page, seed or
    setting while runs train there too must not hand out the previous runs' file."""
    at = AppTest.from_function(_app).run()
    at.session_state["ids"] = ("b", "c")
    at.run()
    assert at.session_state["calls"] == ["running", "running"]
    assert _csv(at, ("b", "c")) == "step\n2\n"


def test_two_sessions_on_the_same_live_runs_share_one_snapshot():
    first = AppTest.from_function(_app).run()
    second = AppTest.from_function(_app).run()
    assert first.session_state["calls"] == ["running"] and second.session_state["calls"] == []
    assert second.get("download_button")[0].proto.label == "Download CSV · snapshot"
