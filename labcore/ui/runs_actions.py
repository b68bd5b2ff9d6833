"""Runs page: what can be done to the selected runs: name them, write notes, hide them from
the charts, cancel, re-run, delete (after a confirmation). Changing runs needs
`access.can_act()` (the token on an exposed dashboard)."""
from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from labcore.core.params import ParamError
from labcore.engine import jobs
from labcore.engine.scheduler import QueueFull
from labcore.core.run_states import ACTIVE, FINISHED
from labcore.runs.store import Store
from labcore.ui import access, full_disk
from labcore.ui.submit import CONFIRM_ABOVE, MAX_PER_CLICK

CONFIRM = "_runs_confirm"   # session key of a pending ("delete" | "rerun", ids) action


def editor(store: Store, recs: list[dict], labels: dict[str, str], colours: dict[str, str]) -> None:
    """A table of the selected runs: tick `show` to draw a run, edit its name and notes
    (saved in the run's record; the name becomes its legend label)."""
    ids = [r["id"] for r in recs]
    hidden = set(st.session_state.get("_hidden", []))
    frame = pd.DataFrame({"show": [i not in hidden for i in ids],
                          "colour": [colours.get(i, "") for i in ids],
                          "name": [(r.get("name") or "") for r in recs],
                          "notes": [(r.get("notes") or "") for r in recs],
                          "label": [labels[i] for i in ids], "run_id": ids,
                          "status": [r["status"] for r in recs]})
    # The editor's edits are row positions: a new selection needs a new editor.
    key = "runs_editor_" + hashlib.sha1(",".join(ids).encode()).hexdigest()[:10]
    st.session_state["_editor"] = (key, ids)
    locked = ["colour", "label", "run_id", "status"] + ([] if access.can_act() else ["name", "notes"])
    st.data_editor(frame.style.map(lambda c: f"color: {c}; background-color: {c}", subset=["colour"]),
                   key=key, on_change=_save_edits, args=(store,), hide_index=True, disabled=locked,
                   width="stretch", column_config={
                       "show": st.column_config.CheckboxColumn("show", help="draw this run in the charts"),
                       "colour": st.column_config.TextColumn("", width=30),
                       "name": st.column_config.TextColumn("name", max_chars=80,
                                                           help="your name for the run: its legend label"),
                       "notes": st.column_config.TextColumn("notes", max_chars=500)})
    if not access.can_act():
        st.caption(access.why_not())


def _save_edits(store: Store) -> None:
    """Apply the editor's changes: `show` to the hidden set, name/notes to the records."""
    key, ids = st.session_state["_editor"]
    hidden, fields = changes(st.session_state[key].get("edited_rows", {}), ids,
                             st.session_state.get("_hidden", []))
    st.session_state["_hidden"] = hidden
    for rid, values in fields.items():
        if access.can_act():
            try:  # a full disk: its line on the rerun (a callback's own output is not kept)
                if not full_disk.attempt(store, store.update, rid, None, say=False, **values):
                    return
            except KeyError:  # deleted meanwhile (another tab or user)
                pass


def changes(edits: dict, ids: list[str], hidden: list[str]) -> tuple[list[str], dict[str, dict]]:
    """The editor's `edited_rows` ({row: {column: value}}) as (hidden run ids, {run id:
    {"name"/"notes": text}}); names and notes are trimmed, None becomes ''."""
    out = set(hidden)
    fields: dict[str, dict] = {}
    for row, change in edits.items():
        rid = ids[int(row)]
        if "show" in change:
            (out.discard if change["show"] else out.add)(rid)
        values = {k: str(change[k] or "").strip() for k in ("name", "notes") if k in change}
        if values:
            fields[rid] = values
    return [i for i in ids if i in out], fields


def toolbar(store: Store, recs: list[dict]) -> None:
    """Cancel / Re-run / Delete buttons for the selected runs, with a confirmation step."""
    active = [r["id"] for r in recs if r["status"] in ACTIVE]
    finished = [r["id"] for r in recs if r["status"] in FINISHED]
    allowed, why = access.can_act(), access.why_not() or None
    c1, c2, c3 = st.columns(3)
    if c1.button(f"Cancel {len(active)} active", key="runs_cancel", icon=":material/stop:",
                 disabled=not active or not allowed, help=why, width="stretch") and allowed:
        if all(full_disk.attempt(store, jobs.cancel, rid, store) for rid in active):
            st.rerun()
    if c2.button(f"Re-run {len(finished)} finished", key="runs_rerun", icon=":material/replay:",
                 disabled=not finished or not allowed, help=why or "train again from scratch, same settings",
                 width="stretch") and allowed:
        if len(finished) > MAX_PER_CLICK:
            st.error(f"Re-running {len(finished)} runs at once is not allowed (at most {MAX_PER_CLICK} per click).")
        elif len(finished) > CONFIRM_ABOVE:
            st.session_state[CONFIRM] = ("rerun", finished)
        elif _rerun(store, finished):
            st.rerun()
    if c3.button(f"Delete {len(finished)} finished", key="delete", icon=":material/delete:",
                 disabled=not finished or not allowed, help=why, width="stretch") and allowed:
        st.session_state[CONFIRM] = ("delete", finished)
    _confirm(store)


def _confirm(store: Store) -> None:
    pending = st.session_state.get(CONFIRM)
    if not pending:
        return
    what, ids = pending
    if what == "delete":
        st.warning(f"Delete {len(ids)} run(s) with their rows and artifacts? This cannot be undone.")
    else:
        st.warning(f"Re-run {len(ids)} runs? Each trains again from scratch.")
    yes, no = st.columns(2)
    verb = "Delete" if what == "delete" else "Re-run"
    if yes.button(f"Yes, {verb.lower()} {len(ids)}", type="primary", key="runs_confirm_yes",
                  width="stretch") and access.can_act():
        st.session_state.pop(CONFIRM)
        if what == "delete":
            for rid in ids:
                rec = store.get(rid)
                if rec is not None and rec["status"] in FINISHED:  # never a run re-started meanwhile
                    if not full_disk.attempt(store, store.delete, rid):
                        return
            st.rerun()
        elif _rerun(store, ids):
            st.rerun()
    if no.button("No, keep them" if what == "delete" else "Don't re-run", key="runs_confirm_no", width="stretch"):
        st.session_state.pop(CONFIRM)
        st.rerun()


def _rerun(store: Store, ids: list[str]) -> bool:
    """Submit each run again (force: a finished run is trained anew; name and notes are
    kept). False, with one line said, when the queue is full or a run cannot be rebuilt."""
    try:
        for rid in ids:
            rec = store.get(rid)
            if rec is not None and not full_disk.attempt(store, jobs.submit, rec["experiment"], rec["overrides"],
                                                         store, force=True):
                return False
    except (QueueFull, ParamError, LookupError) as exc:  # LookupError: its experiment is gone
        st.error(access.plain(f"Not started: {exc}"))
        return False
    return True
