"""Runs page: the comparison itself: chart controls, one chart per metric (runs or groups,
raw faint behind the EMA), the summary table, the sweep view and one run's details."""
from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from labcore.charts.comparison_plots import MAX_LEGEND, PALETTE, groups_figure, parallel_figure, runs_figure
from labcore.core.registry import REGISTRY
from labcore.runs import analysis, compare
from labcore.runs.store import Store
from labcore.ui import access, artifacts, downloads, figure_export, state
from labcore.ui.reader import RunData

NONE = "none"
X_CHOICES = {"step": "step", "wall time": compare.WALL}


@dataclass(frozen=True)
class View:
    """What the controls chose."""
    metrics: list[str]
    x: str              # "step" or compare.WALL
    smoothing: float    # EMA weight in [0, 1)
    group: str | None   # None, compare.SEEDS or a config field
    log_x: bool
    log_y: tuple[str, ...] = ()  # the metrics whose chart has a log y axis (one toggle per chart)


def load(store: Store, ids: list[str], fresh: bool = True) -> tuple[list[dict], pd.DataFrame]:
    """The records of `ids` (those still stored) and their rows in long format, with the
    wall-time column `_t` where the run recorded it. Read through the server's shared Feed;
    `fresh=False` (a polling tick) shares the reads other sessions made this tick."""
    feed = state.feed(store)
    recs = [r for r in (feed.record(i, fresh=fresh) for i in ids) if r is not None]
    frame = analysis.long_frame([(r, feed.frame(r["id"], r, fresh=fresh, system=True)) for r in recs])
    return recs, frame


def controls(frame: pd.DataFrame, recs: list[dict]) -> View:
    """Metric(s), x axis, smoothing, group-by and log axes; bound to the URL so a link
    reproduces the view."""
    metrics = compare.metric_columns(frame)
    settings = compare.varying_settings(recs)
    c1, c2 = st.columns([3, 2])
    last = [m for m in st.session_state.get("_metrics_last", []) if m in metrics]
    default = last or ([m for m in ("loss",) if m in metrics] or metrics[:1])
    chosen = c1.multiselect("Metrics (one chart each)", metrics, default=default, key="metrics",
                            bind="query-params")
    st.session_state["_metrics_last"] = chosen
    groups = [NONE, compare.SEEDS, *[s for s in settings if s != "seed"]]
    prev = st.session_state.get("_group_last", NONE)
    group = c2.selectbox("Group runs by (mean ± std)", groups, index=groups.index(prev) if prev in groups else 0,
                         key="group", bind="query-params",
                         help="average the runs that share this setting's value; 'seeds' averages runs "
                              "that differ only by seed")
    st.session_state["_group_last"] = group
    c3, c4, c5 = st.columns([3, 2, 1])
    smoothing = c3.slider("Smoothing (EMA weight, as in TensorBoard)", 0.0, 0.99, 0.0, 0.01, key="smooth",
                          bind="query-params", help="0: raw values; with smoothing the raw curve stays faintly behind")
    has_wall = compare.WALL in frame and frame[compare.WALL].notna().any()
    x = c4.radio("x axis", list(X_CHOICES) if has_wall else ["step"], horizontal=True, key="x",
                 bind="query-params", help=None if has_wall else "these runs recorded no wall time")
    # the default is the phenomena's own: on for metrics their pages draw on a log step axis
    page_log_x = bool(chosen) and all(compare.page_axes(pages(recs), m)[1] for m in chosen)
    log_x = c5.toggle("log x", value=page_log_x, key="log_x", bind="query-params",
                      help="default: as the phenomenon's own page draws these metrics")
    return View(chosen, X_CHOICES[x], float(smoothing), None if group == NONE else group, log_x)


def log_y_toggle(col, metric: str, default: bool = False) -> bool:
    """The log-y switch of one chart: a loss over decades wants it, an accuracy does not, so
    each chart has its own (in the URL as log_y_<metric>); `default`: the phenomenon page's."""
    return col.toggle(f"log y · {metric}", value=default, key=f"log_y_{metric}", bind="query-params")


def pages(recs: list[dict]) -> list:
    """The PageSpecs of the phenomena among `recs` (registered ones only)."""
    return [REGISTRY[n].page for n in dict.fromkeys(r["experiment"] for r in recs) if n in REGISTRY]


def charts(frame: pd.DataFrame, recs: list[dict], view: View, labels: dict[str, str],
           colours: dict[str, str]) -> None:
    """One chart per chosen metric, two per row on a wide screen."""
    if not view.metrics:
        st.info("Pick one or more metrics to chart.")
        return
    curves = len(set(compare.group_labels(recs, view.group).values())) if view.group else len(recs)
    if curves > MAX_LEGEND:
        st.caption(f"{curves} curves: no legend (hover a curve for its name; colours as in the summary "
                   "table below). Group them, or hide some, for a legend.")
    if view.x == compare.WALL:
        missing = frame[frame[compare.WALL].isna()]["run_id"].unique()
        if len(missing):
            st.caption(f"{len(missing)} run(s) recorded no wall time (made before it was stored): "
                       "not drawn against wall time.")
        frame = frame.dropna(subset=[compare.WALL])
    smooth = compare.smooth_long(frame, view.metrics, view.smoothing) if view.smoothing > 0 else None
    groups = compare.group_labels(recs, view.group) if view.group else None
    if groups:
        group_colours = compare.colours(list(dict.fromkeys(groups.values())), PALETTE)
        raw_b = compare.group_bands(frame, view.metrics, groups)
        smooth_b = compare.group_bands(smooth, view.metrics, groups) if smooth is not None else None
    cols = st.columns(2 if len(view.metrics) > 1 else 1)
    for i, metric in enumerate(view.metrics):
        col = cols[i % len(cols)]
        x_name, _, page_log_y = compare.page_axes(pages(recs), metric)  # the phenomenon page's axes
        log_y = metric in view.log_y or log_y_toggle(col, metric, page_log_y)
        if groups:
            fig = groups_figure(raw_b, smooth_b, metric, view.x, group_colours,
                                log_x=view.log_x, log_y=log_y, x_name=x_name)
        else:
            fig = runs_figure(frame, smooth, metric, view.x, labels, colours,
                              log_x=view.log_x, log_y=log_y, x_name=x_name)
        figure_export.chart(col, fig, key=f"chart_{metric}")


def stopped_early(rec: dict) -> str:
    """Why `rec` ended before its last step, counted in its page's unit ("stopped at epoch 168
    of 300: training loss reached the target 0.1"), or "" when it ran to the end."""
    exp = REGISTRY.get(rec.get("experiment", ""))
    return analysis.early_stops([rec], unit=exp.page.x_label if exp else "step")


def early_stops(recs: list[dict], labels: dict[str, str]) -> None:
    """One line naming the shown runs that ended early and why: their curves stop short of the
    others' by design (a target reached), not because the run failed."""
    lines = [f"{labels.get(r['id'], r['id'])}: {why}" for r in recs for why in [stopped_early(r)] if why]
    if lines:
        st.caption(access.plain("Ended early, by design: " + "; ".join(lines) + "."))


def summary(frame: pd.DataFrame, recs: list[dict], view: View, labels: dict[str, str],
            colours: dict[str, str]) -> pd.DataFrame:
    """The sortable table of final and best values of every metric (per group too)."""
    table = compare.summary_table(frame, compare.metric_columns(frame))
    by_id = {r["id"]: r for r in recs}
    settings = compare.settings_columns(recs)
    several = len({r["experiment"] for r in recs}) > 1
    head = pd.DataFrame({"colour": [colours.get(i, "") for i in table["run_id"]],
                         "run": [labels.get(i, i) for i in table["run_id"]],
                         **({"experiment": [by_id[i]["experiment"] for i in table["run_id"]]} if several else {}),
                         "status": [by_id[i]["status"] for i in table["run_id"]],
                         **{s: [analysis.show(by_id[i]["config"].get(s)) for i in table["run_id"]]
                            for s in settings}})
    shown = pd.concat([head, table], axis=1)
    st.markdown("**Summary: final and best value of every metric** (click a column to sort)")
    values = [c for c in table.columns if c != "run_id"]
    st.dataframe(shown.style.map(lambda c: f"color: {c}; background-color: {c}", subset=["colour"])
                 .format(precision=4, subset=values, na_rep="")
                 .format(lambda v: f"{v:g}" if isinstance(v, float) else str(v), subset=settings, na_rep="—"),
                 key="summary", hide_index=True, width="stretch",
                 column_config={"colour": st.column_config.TextColumn("", width=30)})
    if view.group:
        st.markdown(f"**Per group ({view.group}): mean and std over runs**")
        groups = compare.group_labels(recs, view.group)
        st.dataframe(compare.group_summary(table, groups), key="summary_groups", hide_index=True,
                     width="stretch")
    downloads.csv_button("Download summary (CSV)", lambda: shown.drop(columns="colour").to_csv(index=False),
                         key="dl_summary", file_name="runs_summary.csv", recs=recs)
    return table


def sweep_view(recs: list[dict], table: pd.DataFrame, view: View) -> None:
    """Parallel coordinates of the settings that vary against a chosen summary column."""
    by_exp: dict[str, list[dict]] = {}
    for r in recs:
        by_exp.setdefault(r["experiment"], []).append(r)
    # a sweep: at least 3 runs of one experiment and a setting other than the seed varying
    usable = {e: rs for e, rs in by_exp.items() if len(rs) >= 3 and set(compare.varying_settings(rs)) - {"seed"}}
    if not usable:
        return
    st.markdown("**Sweep view: settings against a final value** (drag along an axis to filter)")
    c1, c2 = st.columns(2)
    exp = c1.selectbox("Experiment", list(usable), key="pc_exp") if len(usable) > 1 else next(iter(usable))
    columns = [c for c in table.columns if c != "run_id"]
    first = next((c for m in view.metrics for c in columns if c == f"{m} · final"), columns[0] if columns else None)
    if first is None:
        return
    column = c2.selectbox("Colour and last axis", columns, index=columns.index(first), key="pc_metric")
    rs = usable[exp]
    frame = compare.sweep_table(rs, table, column)
    axes = [k for k in compare.varying_settings(rs) if k != "seed"]  # seeds are repeats, not a setting swept
    figure_export.chart(st, parallel_figure(frame, axes, column), key="parallel")


def details(store: Store, recs: list[dict], labels: dict[str, str]) -> None:
    """One run at a time: its error, a link to its page with its settings, config,
    artifacts and CSV (one at a time, so a 50-run comparison stays light)."""
    ids = [r["id"] for r in recs]
    rid = st.selectbox("Details of run", ids, format_func=lambda i: f"{labels.get(i, i)} ({i})", key="detail")
    rec = store.get(rid) if rid else None
    if rec is None:
        return
    if rec.get("error"):
        st.error(access.plain(access.error_detail(rec["error"]) if rec["status"] != "diverged" else
                              f"diverged at step {rec['diverged_step']}: {rec['error']}"))
    why = stopped_early(rec)
    if why:
        st.info(access.plain(why[0].upper() + why[1:] + "."), icon=":material/flag:")
    if rec.get("notes"):
        st.markdown(f"*Notes:* {access.plain(rec['notes'])}")
    made = rec.get("versions") or {}
    if made:  # what decides bit-identity (README, Determinism)
        st.caption(access.plain(f"Trained on {rec.get('device') or '?'} with {made.get('threads', '?')} torch "
                                f"thread(s), torch {made.get('torch', '?')}, Python {made.get('python', '?')}."))
    query = urllib.parse.urlencode({k: analysis.show(v) for k, v in rec["overrides"].items()})
    st.markdown(f"[Open on the {rec['experiment']} page with these settings](/{rec['experiment']}?{query})")
    st.json(rec["config"], expanded=False)
    artifacts.draw(RunData(store, rec["experiment"]), rec, key=f"art_{rid}")
    st.download_button("Download metrics (CSV)", store.metrics(rid).to_csv(index=False),
                       f"{rid}_metrics.csv", "text/csv", key=f"dl_{rid}")
