"""Figures kept between a page's ticks: a figure is rebuilt only when what it draws changed.

A polling tick must emit its charts again (a fragment rerun drops what it does not redraw),
but when no row arrived and no status moved, it emits the figure it built before instead of
building a new one from the rows."""
from __future__ import annotations

from typing import Any, Callable

import streamlit as st


def cached(key: str, version: Any, build: Callable[[], Any]) -> Any:
    """The figure of chart `key` built for `version` (e.g. `RunData.signature(...)` plus the
    chart's settings): built by `build()` when the version changed, else the one kept."""
    figures = st.session_state.setdefault("_figures", {})
    kept = figures.get(key)
    if kept is None or kept[0] != version:
        kept = figures[key] = (version, build())
    return kept[1]
