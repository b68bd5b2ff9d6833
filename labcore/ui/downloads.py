"""CSV download buttons inside live (polling) fragments.

Each rerun that changes a download button's bytes gives it a new media file, and Streamlit
drops the old file two reruns later. A fragment that redraws every second while a run trains
would so cancel any download slower than that (seen on a loaded machine). While runs are
live the file is therefore a snapshot refreshed every `SNAPSHOT_S` seconds: unchanged bytes
keep the same file, so the link a user clicks stays valid. Once nothing is live the file is
always current. The label says which one the button holds ("· snapshot" while live), so
nobody takes a snapshot for the finished run's file.
"""
from __future__ import annotations

import time
from typing import Callable, Iterable

import streamlit as st

from labcore.core.status import any_active

SNAPSHOT_S = 10.0


def csv_button(label: str, make_csv: Callable[[], str], *, key: str, file_name: str,
               recs: Iterable[dict]) -> None:
    """A download button for `make_csv()`, the CSV of the runs `recs`. While any of them is
    active the CSV is re-made (and the file replaced) at most every SNAPSHOT_S seconds, and
    at once when the runs shown change (another page, seed or setting under the same key)."""
    recs = list(recs)
    live = any_active(recs)
    runs = tuple(r["id"] for r in recs)
    snaps = st.session_state.setdefault("_csv_snapshots", {})
    now = time.monotonic()
    snap = snaps.get(key)
    if snap is None or not live or snap[1] != runs or now - snap[0] >= SNAPSHOT_S:
        snap = snaps[key] = (now, runs, make_csv())
    st.download_button(f"{label} · snapshot" if live else label, snap[2], key=key, file_name=file_name,
                       mime="text/csv",
                       on_click="ignore",  # no rerun on click: a rerun would replace the file
                       help=f"While runs train, the file is a snapshot taken at most "
                            f"{SNAPSHOT_S:.0f} s ago." if live else None)
