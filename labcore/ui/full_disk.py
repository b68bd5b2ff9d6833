"""A full disk or a read-only store on a page: one line instead of a traceback.

Reading the store never writes (labcore.runs.store), so every page stays readable on a full
disk and a read-only one; `notice` says the one line at the top of Home, Runs and every
phenomenon page while the disk is full or the store read-only, and `attempt` wraps each write
a page makes (Run, Sweep, Cancel, a name or a note, Re-run, Delete): a full disk or a read-only
store shows the line and changes nothing, the page goes on."""
from __future__ import annotations

from typing import Any, Callable

import streamlit as st

from labcore.runs.disk import full_disk_line, is_disk_full, is_read_only, read_only_line
from labcore.ui import access


def line(store: Any, read_only: bool | None = None) -> str:
    """The one line for `store` (its path hidden on a shared dashboard), Markdown-escaped:
    the read-only line when it cannot be written, else the full-disk one."""
    read_only = store.read_only() if read_only is None else read_only
    words = read_only_line if read_only else full_disk_line
    return access.plain(words(access.where(store.dir)))


def _known(store: Any) -> bool:
    return store.read_only() or store.disk_full()


def notice(store: Any) -> None:
    """The line, while the store is read-only or its disk full (a write failed for it, or no
    space is left). A damaged store's line (what to run) ends the page there: nothing of it
    can be shown truthfully, and an empty page would say the runs are gone."""
    damaged = store.damaged(access.where(store.dir))
    if damaged:
        st.error(access.plain(damaged), icon=":material/storage:")
        st.stop()
    if _known(store):
        st.error(line(store), icon=":material/storage:")


def attempt(store: Any, write: Callable[..., Any], *args: Any, say: bool = True, **kwargs: Any) -> bool:
    """Call `write(*args, **kwargs)`; True when it went through. A full disk or a read-only
    store returns False and
    shows the line here instead of a traceback, unless `notice` already shows it at the top
    (or `say` is False: a button callback, whose rerun's `notice` says it); any other error is
    raised."""
    known = _known(store)
    try:
        write(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - only a full disk or a read-only store is expected here
        read_only = is_read_only(exc)
        if not read_only and not is_disk_full(exc):
            raise
        if say and not known:
            st.error(line(store, read_only), icon=":material/storage:")
        return False
    return True
