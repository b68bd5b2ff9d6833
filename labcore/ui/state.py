"""Per-server state for pages: the shared Store, opened once. (A page tick's reads go
through `labcore.ui.reader.RunData`, which keeps each run's rows in the session.)"""
from __future__ import annotations

import streamlit as st

from labcore.runs.store import Store, default_dir


def store() -> Store:
    """The Store at $LAB_CACHE_DIR (or ./cache), opened once per server process."""
    return _open(str(default_dir()))


@st.cache_resource
def _open(directory: str) -> Store:
    return Store(directory)


@st.cache_resource
def pace_history() -> dict:
    """{run id: [(time, progress), ...]} seen by any page of this server: ETAs are measured
    on the samples every session has collected, so a reload keeps its estimate (issue 32: the
    ETA jumped 1:48 → 2:11 → 0:55 after a reload emptied the session's samples)."""
    return {}
