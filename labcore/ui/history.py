"""This session's own history on a phenomenon page: the runs it started (so the status line
counts a claim's or a lesson's Train N while they queue) and its earlier settings' runs, kept
faintly on the charts behind the latest (TensorFlow Playground and W&B keep the previous run
visible: "what changed?" needs both on one chart).

Session state only: another session, or a reload, starts with a clean history.
"""
from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from labcore.core.params import format_value, to_dict
from labcore.core.run_states import ACTIVE
from labcore.runs import analysis
from labcore.ui.reader import RunData

KEEP = 4  # earlier settings kept on the charts (more would bury the latest)


def started(exp_name: str, ids: list[str]) -> None:
    """Remember the runs this session just submitted on `exp_name`'s page (Run, Train N, a
    lesson step, a sweep)."""
    mine = st.session_state.setdefault(f"_started:{exp_name}", [])
    mine.extend(r for r in ids if r not in mine)
    del mine[:-256]  # bounded (ended runs leave the list at the next tick: active_started)


def active_started(exp_name: str, data: RunData, besides: set[str]) -> dict[str, dict]:
    """{run id: record} of the runs this session started on the page that are still queued or
    running, beyond `besides` (the runs the status line counts already). A run that has
    ended is forgotten here, so a live page's tick reads only the runs still coming."""
    mine = st.session_state.get(f"_started:{exp_name}", [])
    out, ended = {}, set()
    for rid in mine:
        rec = data.record(rid)
        if rec is not None and rec.get("status") not in ACTIVE:
            ended.add(rid)
        elif rec is not None and rid not in besides:
            out[rid] = rec
    if ended:
        mine[:] = [r for r in mine if r not in ended]
    return out


def earlier(exp_name: str, current: list[str], data: RunData) -> list[dict]:
    """The records of this session's earlier settings on the page (at most KEEP, most recent
    last), remembering `current` (the page's group) once its first run exists."""
    key = f"_history:{exp_name}"
    hist = st.session_state.setdefault(key, [])
    head = current[0] if current else None
    if head is not None and data.record(head) is not None and (not hist or hist[-1] != head):
        if head in hist:
            hist.remove(head)
        hist.append(head)
        del hist[:-(KEEP + 1)]
    recs = [data.record(r) for r in hist if r not in current]
    return [r for r in recs if r is not None][-KEEP:]


def clear(exp_name: str, current: list[str]) -> None:
    """Forget the earlier settings (the Clear button): only the page's current runs stay."""
    st.session_state[f"_history:{exp_name}"] = [r for r in st.session_state.get(f"_history:{exp_name}", [])
                                                if r in current]


def difference(rec: dict, cfg: Any) -> str:
    """What `rec`'s settings differ in from the page's Config `cfg`: 'width=256, lr=0.1'."""
    now = to_dict(cfg)
    then = rec.get("config") or {}
    parts = [f"{k}={format_value(tuple(v) if isinstance(v, list) else v)}" for k, v in then.items()
             if k in now and analysis.show(v) != analysis.show(now[k])]
    return ", ".join(parts) or "the same settings"


def earlier_frame(recs: list[dict], cfg: Any, data: RunData) -> pd.DataFrame:
    """The long frame of the earlier runs, each labelled 'earlier: <what differs>'."""
    frame = analysis.long_frame([(r, data.frame(r["id"])) for r in recs])
    if frame.empty:
        return frame
    names = {r["id"]: f"earlier: {difference(r, cfg)}" for r in recs}
    return frame.assign(label=frame["run_id"].map(names))
