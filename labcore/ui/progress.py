"""The status line of a group of runs on a page (a seed group, a sweep, the variants side by
side): counts, progress and an ETA measured on the pace every session of this server has
seen (`labcore.runs.pace`), so a reload or a second tab shows the same estimate."""
from __future__ import annotations

import time

import streamlit as st

from labcore.runs import analysis, pace
from labcore.ui import state


def live_status_line(exp, recs: list[dict], configs: list) -> str:
    """'1 done, 2 queued · 33% · ETA 40 s' for the runs of `configs` (`recs`: those with a
    record); the ETA counts queued runs by the Experiment's cost and the pace seen so far."""
    seen = state.pace_history()  # shared by the sessions of this server: a reload keeps the pace
    pace.observe(seen, recs, time.time())
    cal = calibration(exp.name)
    return analysis.status_line(recs, expected=len(configs), eta=pace.eta(exp, recs, configs, seen, cal))


@st.cache_data(ttl=30, show_spinner=False)
def _calibration(name: str, store_dir: str) -> list[tuple[float, float]]:
    from labcore.core.registry import get

    return pace.calibration(get(name), state.store().runs())


def calibration(name: str) -> list[tuple[float, float]]:
    """(flops, seconds) of the phenomenon's finished runs in this server's store, read at most
    every 30 s for all sessions (a store of 500 runs is read in tens of milliseconds)."""
    return _calibration(name, str(state.store().dir))
