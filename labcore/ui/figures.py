"""Figures (and other derived values) built once per server for what they draw, shared by
every session: thirty students watching one live run cost one figure build per new chunk of
rows, not thirty.

A polling tick must emit its charts again (a fragment rerun drops what it does not redraw),
but when no row arrived and no status moved, it emits the figure built before instead of
building a new one. `version` must name everything the built value depends on (the runs'
`RunData.signature`, the chart's settings): two sessions with equal versions get the same
object, which nobody may modify after it is built.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any, Callable

import plotly.graph_objects as go
import streamlit as st

KEEP = 512   # values kept (least recently used dropped): a few pages' charts each
# While its runs train, a chart is rebuilt at most every REBUILD_S (a run writes a chunk every
# 0.5 s; a live chart's build cost: docs/measurements.md, "Live charts"): the
# server's building stays bounded however fast rows come, and a session's chart is at most
# this much older than its tick.
REBUILD_S = 1.0


class Memo:
    """A bounded, thread-safe map from (key, version) to a built value."""

    def __init__(self, keep: int = KEEP, clock: Callable[[], float] = time.monotonic) -> None:
        self.keep, self._lock, self._items = keep, threading.Lock(), OrderedDict()
        self._latest: dict[tuple, tuple[float, Any]] = {}   # (key, live family) -> (built at, value)
        self.clock = clock

    def get(self, key: str, version: Any, build: Callable[[], Any], live: Any = None) -> Any:
        """The value of `key` at `version`, built by `build()` the first time it is asked.
        `live` (while the runs drawn train: what is drawn, without its progress, e.g. the run
        ids) reuses the last build of that family younger than REBUILD_S."""
        slot = (key, repr(version))  # versions hold lists and dicts: their repr is the key
        family = (key, repr(live)) if live is not None else None
        with self._lock:
            if slot in self._items:
                self._items.move_to_end(slot)
                return self._items[slot]
            recent = self._latest.get(family) if family else None
            if recent is not None and self.clock() - recent[0] < REBUILD_S:
                return recent[1]
        value = _frozen(build())  # outside the lock: a slow build does not hold up other sessions
        with self._lock:
            self._items[slot] = value
            if family:
                self._latest[family] = (self.clock(), value)
                while len(self._latest) > self.keep:
                    self._latest.pop(next(iter(self._latest)))
            while len(self._items) > self.keep:
                self._items.popitem(last=False)
        return value


class FrozenFigure(go.Figure):
    """A built figure whose dict is made once: `st.plotly_chart` turns a figure into a dict
    on every call (docs/measurements.md, "Live charts"), thirty sessions a tick each."""

    def to_dict(self) -> dict:
        """The figure as a dict, made when it was frozen (a frozen figure is not modified)."""
        return self._frozen_dict


def _frozen(value: Any) -> Any:
    if isinstance(value, go.Figure) and not isinstance(value, FrozenFigure):
        as_dict = value.to_dict()
        value.__class__ = FrozenFigure
        object.__setattr__(value, "_frozen_dict", as_dict)
    return value


@st.cache_resource
def shared() -> Memo:
    """The server's Memo."""
    return Memo()


def cached(key: str, version: Any, build: Callable[[], Any], live: Any = None) -> Any:
    """The value of chart `key` built for `version` (e.g. `RunData.signature(...)` plus the
    chart's settings), shared by every session of the server; `live`: see `Memo.get` (pass
    it only while the runs drawn are active, so the drawing at rest is exact)."""
    return shared().get(key, version, build, live)
