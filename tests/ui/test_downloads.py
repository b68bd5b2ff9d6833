"""Live CSV downloads keep one file while runs train (a changing file cancels slow downloads)."""
from streamlit.testing.v1 import AppTest


def _app():
    import streamlit as st

    from labcore.ui import downloads

    calls = st.session_state.setdefault("calls", [])
    live = st.session_state.get("live", True)

    def make() -> str:
        calls.append(live)
        return f"step\n{len(calls)}\n"

    downloads.csv_button("Download CSV", make, key="dl", file_name="x.csv", live=live)


def test_a_live_csv_is_one_snapshot_across_reruns_and_current_once_nothing_is_live():
    at = AppTest.from_function(_app).run()
    for _ in range(3):  # a polling fragment's reruns, well within SNAPSHOT_S
        at.run()
    assert at.session_state["calls"] == [True]  # made once: the same bytes, the same file
    assert at.session_state["_csv_snapshots"]["dl"][1] == "step\n1\n"
    assert at.get("download_button")[0].proto.label == "Download CSV · snapshot"  # says what it holds
    at.session_state["live"] = False
    at.run()
    at.run()
    assert at.session_state["calls"] == [True, False, False]  # finished: always the current rows
    assert at.session_state["_csv_snapshots"]["dl"][1] == "step\n3\n"
    assert at.get("download_button")[0].proto.label == "Download CSV"


def test_a_live_snapshot_is_refreshed_after_snapshot_s():
    from labcore.ui import downloads

    at = AppTest.from_function(_app).run()
    snap = at.session_state["_csv_snapshots"]["dl"]
    at.session_state["_csv_snapshots"] = {"dl": (snap[0] - downloads.SNAPSHOT_S - 1, snap[1])}  # aged
    at.run()
    assert at.session_state["calls"] == [True, True]
    assert at.session_state["_csv_snapshots"]["dl"][1] == "step\n2\n"
