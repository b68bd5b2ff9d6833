"""CSV download buttons inside live (polling) fragments.

Each rerun that changes a download button's bytes gives it a new media file, and Streamlit
drops the old file two reruns later. A fragment that redraws every second while a run trains
would so cancel any download slower than that (seen on a loaded machine). While runs are
live the file is therefore a snapshot refreshed every `SNAPSHOT_S` seconds: unchanged bytes
keep the same file, so the link a user clicks stays valid. Once nothing is live the file is
always current. The label says which one the button holds ("· snapshot" while live), so
nobody takes a snapshot for the finished run's file. Snapshots are the server's, shared by
every session showing the same runs (one each would cost thirty times as much: docs/measurements.md,
"Classroom").
"""
from __future__ import annotations

import time
from typing import Callable, Iterable

import streamlit as st

from labcore.core.run_states import any_active

SNAPSHOT_S = 10.0
KEEP = 64   # snapshots kept by the server


@st.cache_resource
def snapshots() -> dict:
    """{(button key, run ids): (made at, CSV)}: the server's live snapshots."""
    return {}


def csv_button(label: str, make_csv: Callable[[], str], *, key: str, file_name: str,
               recs: Iterable[dict]) -> None:
    """A download button for `make_csv()`, the CSV of the runs `recs`. While any of them is
    active the CSV is re-made (and the file replaced) at most every SNAPSHOT_S seconds, and
    at once when the runs shown change (another page, seed or setting under the same key)."""
    recs = list(recs)
    live = any_active(recs)
    runs = tuple(r["id"] for r in recs)
    snaps = snapshots()
    now = time.monotonic()
    snap = snaps.get((key, runs))
    if snap is None or not live or now - snap[0] >= SNAPSHOT_S:
        snap = snaps[key, runs] = (now, make_csv())
        if len(snaps) > KEEP:  # the oldest snapshots go first
            for old in sorted(snaps, key=lambda k: snaps[k][0])[:len(snaps) - KEEP]:
                snaps.pop(old, None)
    st.download_button(f"{label} · snapshot" if live else label, snap[1], key=key, file_name=file_name,
                       mime="text/csv",
                       on_click="ignore",  # no rerun on click: a rerun would replace the file
                       help=f"While runs train, the file is a snapshot taken at most "
                            f"{SNAPSHOT_S:.0f} s ago." if live else None)
