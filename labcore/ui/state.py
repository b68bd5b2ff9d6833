"""Per-server state for pages: the shared Store, opened once, and the Feed every session's
reads go through (`labcore.ui.feed`; a page tick reads through `labcore.ui.reader.RunData`)."""
from __future__ import annotations

import os
import time

import streamlit as st

from labcore.engine import jobs

from labcore.runs.store import Store, default_dir
from labcore.ui.feed import Feed, Watchers


def store() -> Store:
    """The Store at $LAB_CACHE_DIR (or ./cache), opened once per server process."""
    return _open(str(default_dir()))


@st.cache_resource
def _open(directory: str) -> Store:
    return Store(directory)


@st.cache_resource
def pace_history() -> dict:
    """{run id: [(time, progress), ...]} seen by any page of this server: ETAs are measured
    on the samples every session has collected, so a reload keeps its estimate (docs/measurements.md,
    "ETA")."""
    return {}


def feed(of: Store | None = None) -> Feed:
    """The server-wide Feed of Store `of` (default: `store()`), shared by every session."""
    return _feed(of or store())


@st.cache_resource(hash_funcs={Store: lambda s: str(s.dir)})
def _feed(of: Store) -> Feed:
    return Feed(of)


@st.cache_resource
def watchers() -> Watchers:
    """The sessions watching live pages of this server and the CPU cost of their ticks."""
    return Watchers()


WARM_CHECK_S = 30.0   # how often the dashboard makes sure its warm worker is still there


def check_warm_worker() -> None:
    """Keep one worker warm while this dashboard lives (the first click's first
    point waits for no process start and torch import: docs/measurements.md, "Warm worker").
    Checked at most every WARM_CHECK_S for the whole server; `LAB_WARM_WORKER=0` turns it
    off (the test suite does, except where it tests it)."""
    jobs.fork_workers()  # a dashboard starts workers all its life
    if os.environ.get("LAB_WARM_WORKER", "1") == "0":
        return
    last = _warm_checked()
    now = time.monotonic()
    if now - last[0] < WARM_CHECK_S:
        return
    last[0] = now
    try:
        jobs.start_warm_worker(store(), os.getpid())
    except Exception:  # noqa: BLE001 - a full disk or a locked store: the first Run starts one
        pass


@st.cache_resource
def _warm_checked() -> list:
    return [float("-inf")]
