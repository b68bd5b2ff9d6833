"""Runs page: which runs are compared. The URL holds run ids (`?runs=id1,id2`, hidden ones
in `?hide=`), so a link reproduces the selection in any browser and stays valid when a
run's status changes; the table and the multiselect edit the same selection."""
from __future__ import annotations

import urllib.parse

import streamlit as st

from labcore.runs import analysis, compare
from labcore.ui import access

KEY = "runs"          # session key of the selection (the multiselect's value) and URL param
HIDE = "hide"         # URL param of runs selected but hidden from the charts


def _url_ids(param: str) -> tuple[str, list[str]]:
    raw = st.query_params.get_all(param)
    return ",".join(raw), compare.parse_ids(raw)


def seed_from_url(known: list[str]) -> list[str]:
    """When the URL changed since this session last wrote it (a link was opened), it decides
    the selection. Returns the ids of the link that are not in the store."""
    text, ids = _url_ids(KEY)
    hide_text, hidden = _url_ids(HIDE)
    unknown: list[str] = []
    # this session's own last write, finished or cut short by the next rerun (see write_url)
    own = (st.session_state.get("_runs_url"), st.session_state.get("_runs_url_next"))
    if (text, hide_text) not in own:
        found, unknown = compare.resolve(ids, known)
        st.session_state[KEY] = found
        st.session_state["_hidden"] = [h for h in hidden if h in found]
        st.session_state["_runs_url"] = (text, hide_text)
        st.session_state["_runs_unknown"] = unknown
    return st.session_state.get("_runs_unknown", [])


def write_url(selected: list[str]) -> None:
    """Put the selection (and the hidden runs among it) in the URL, ids only."""
    hidden = [h for h in st.session_state.get("_hidden", []) if h in selected]
    text, hide_text = ",".join(selected), ",".join(hidden)
    # A pick made while the page reruns stops this run at its next message, possibly between
    # the URL's write and `_runs_url`'s below: the next run then found the URL "changed since
    # this session wrote it", took it for an opened link and dropped the new pick (a quick second
    # pick on a busy server was lost). The write about to be made is known first.
    st.session_state["_runs_url_next"] = (text, hide_text)
    for param, value in ((KEY, text), (HIDE, hide_text)):
        if value:
            if st.query_params.get(param) != value:
                st.query_params[param] = value
        elif param in st.query_params:
            del st.query_params[param]
    if (text, hide_text) != st.session_state.get("_runs_url"):
        st.session_state["_runs_unknown"] = []  # the selection moved on from the link's
    st.session_state["_runs_url"] = (text, hide_text)


def table(records: list[dict]) -> None:
    """Filters and the runs table; ticking rows selects them for comparison."""
    frame = analysis.runs_table(records)
    frame.insert(0, "name", [(r.get("name") or "") for r in records])
    frame["notes"] = [(r.get("notes") or "") for r in records]
    f1, f2, f3 = st.columns([2, 2, 3])
    exps = f1.multiselect("Experiment", sorted(frame["experiment"].unique()), key="f_exp")
    stats = f2.multiselect("Status", sorted(frame["status"].unique()), key="f_status")
    text = f3.text_input("Search (name, notes, settings, id)", key="f_text").strip().lower()
    mask = frame["experiment"].isin(exps or frame["experiment"]) & frame["status"].isin(stats or frame["status"])
    if text:
        hay = frame[["name", "notes", "settings", "run_id", "experiment"]].astype(str).agg(" ".join, axis=1)
        mask &= hay.str.lower().str.contains(text, regex=False)
    shown = frame[mask].reset_index(drop=True)
    st.session_state["_shown_ids"] = list(shown["run_id"])
    st.dataframe(shown, key="runs_table", on_select=_take_table_selection, selection_mode="multi-row",
                 hide_index=True, height=min(420, 38 + 35 * max(1, len(shown))),
                 column_config={"progress": st.column_config.ProgressColumn(
                     "progress", min_value=0, max_value=100, format="%.0f%%"),
                     "name": st.column_config.TextColumn("name", width="small")})
    st.download_button("Download runs table (CSV)", shown.to_csv(index=False), "runs.csv", "text/csv",
                       key="dl_table")


def _take_table_selection() -> None:
    """Rows ticked in the table become the compared runs."""
    rows = st.session_state["runs_table"].selection.rows
    shown = st.session_state["_shown_ids"]
    st.session_state[KEY] = [shown[i] for i in rows if i < len(shown)]


def picker(records: list[dict]) -> list[str]:
    """The multiselect of compared runs (values are ids; labels name, settings and status)."""
    text = {r["id"]: f"{r['id']} · {compare.run_label(r)} · {r['status']}" for r in records}
    st.session_state[KEY] = [i for i in st.session_state.get(KEY, []) if i in text]
    return st.multiselect("Compare runs (tick rows in the table, or pick here; the URL keeps their ids)",
                          list(text), format_func=text.get, key=KEY)


def visible(selected: list[str]) -> list[str]:
    """The selected runs not hidden from the charts."""
    hidden = set(st.session_state.get("_hidden", []))
    return [r for r in selected if r not in hidden]


VIEW_KEYS = ("metrics", "group", "smooth", "x", "log_x")  # the chart controls bound to the URL (+ log_y_<metric>)


def share_link(selected: list[str]) -> None:
    """The link of this comparison, ready to copy: the run ids, the hidden ones, and the whole
    view (metrics, group-by, smoothing, x axis, log axes), so opened elsewhere it draws the
    same charts (grouped bands, not separate lines)."""
    st.caption("Link to this comparison (run ids and the view; valid whatever the runs' status):")
    st.code(f"/runs?{link_query(selected, st.session_state.get('_hidden', []), st.query_params)}", language=None)


def link_query(selected: list[str], hidden: list[str], params) -> str:
    """The query string of a comparison's link: runs, hide, then every view control the URL holds
    (`params`: st.query_params, or any mapping with get_all)."""
    pairs = [("runs", ",".join(selected))]
    hide = [h for h in hidden if h in selected]
    if hide:
        pairs.append(("hide", ",".join(hide)))
    for key in params:
        if key in VIEW_KEYS or key.startswith("log_y_"):
            pairs += [(key, v) for v in params.get_all(key)]
    return urllib.parse.urlencode(pairs, safe=",")


def unknown_line(unknown: list[str]) -> None:
    """Warn that the linked run ids in `unknown` are not in this store (nothing when none)."""
    if unknown:
        st.warning(f"Not in this store: {access.plain(', '.join(unknown))} (deleted, or the link comes from another "
                   "store); the other runs of the link are shown.", icon=":material/link_off:")
