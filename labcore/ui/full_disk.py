"""A full disk on a page: one line instead of a traceback.

Reading the store never writes (labcore.runs.store), so every page stays readable on a full
disk; `notice` says the one line at the top of Home, Runs and every phenomenon page while the
disk is full, and `attempt` wraps each write a page makes (Run, Sweep, Cancel, a name or a
note, Re-run, Delete): a full disk shows the line and changes nothing, the page goes on."""
from __future__ import annotations

from typing import Any, Callable

import streamlit as st

from labcore.runs.disk import full_disk_line, is_disk_full
from labcore.ui import access


def line(store: Any) -> str:
    """The one line for `store` (its path hidden on a shared dashboard), Markdown-escaped."""
    return access.plain(full_disk_line(access.where(store.dir)))


def notice(store: Any) -> None:
    """The line, while the store's disk is full (a write failed for it, or no space is left)."""
    if store.disk_full():
        st.error(line(store), icon=":material/storage:")


def attempt(store: Any, write: Callable[..., Any], *args: Any, say: bool = True, **kwargs: Any) -> bool:
    """Call `write(*args, **kwargs)`; True when it went through. A full disk returns False and
    shows the line here instead of a traceback, unless `notice` already shows it at the top
    (or `say` is False: a button callback, whose rerun's `notice` says it); any other error is
    raised."""
    known = store.disk_full()
    try:
        write(*args, **kwargs)
    except Exception as exc:  # only a full disk is expected here
        if not is_disk_full(exc):
            raise
        if say and not known:
            st.error(line(store), icon=":material/storage:")
        return False
    return True
