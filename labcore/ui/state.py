"""Per-server state for pages: the shared Store, opened once. (A page tick's reads go
through `labcore.ui.reader.RunData`, which keeps each run's rows in the session.)"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from labcore.runs.store import Store, default_dir
from labcore.runs.tables import rows_frame


def store() -> Store:
    """The Store at $LAB_CACHE_DIR (or ./cache), opened once per server process."""
    return _open(str(default_dir()))


@st.cache_resource
def _open(directory: str) -> Store:
    return Store(directory)


def metrics(rid: str) -> pd.DataFrame:
    """All rows of run `rid` for the Claims panel and the lesson verdicts, reading from the
    store only the chunks this session has not seen."""
    cache = st.session_state.setdefault("_rows", {})
    entry = cache.get(rid)
    created = (store().get(rid) or {}).get("created")
    if entry is None or entry["created"] != created:  # new run, or re-created under the same id
        entry = cache[rid] = {"cursor": 0, "rows": [], "created": created}
    rows, cursor = store().read_rows(rid, entry["cursor"])
    if rows:
        entry["rows"].extend(rows)
        entry["frame"] = None
    entry["cursor"] = cursor
    if entry.get("frame") is None:
        entry["frame"] = rows_frame(entry["rows"])
    return entry["frame"]


@st.cache_resource
def pace_history() -> dict:
    """{run id: [(time, progress), ...]} seen by any page of this server: ETAs are measured
    on the samples every session has collected, so a reload keeps its estimate (issue 32: the
    ETA jumped 1:48 → 2:11 → 0:55 after a reload emptied the session's samples)."""
    return {}
