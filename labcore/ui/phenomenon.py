"""The shared layout of a phenomenon page: text, form, run controls, live charts, seeds,
sweep and CSV download. A page file only says which charts to draw."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd
import streamlit as st

from labcore import analysis, jobs, plots
from labcore.experiments import get as get_experiment
from labcore.params import specs
from labcore.ui import artifacts, state, variants
from labcore.ui.variants import Arms
from labcore.ui.form import config_form


@dataclass(frozen=True)
class Chart:
    """One live chart: metric columns on a shared axis; `hlines(cfg)` gives reference lines."""

    title: str
    metrics: tuple[str, ...]
    log_y: bool = False
    hlines: Callable | None = None


@dataclass(frozen=True)
class SweepView:
    """How to draw a sweep: final `metric` (and `more_metrics`) against the swept parameter."""

    metric: str
    loglog: bool = False
    reference_exponent: float | None = None
    more_metrics: tuple[str, ...] = ()


@dataclass
class Selection:
    """The runs a page shows: one group of seeds, and the sweep over the key axis."""

    group: list = field(default_factory=list)       # Configs, one per seed
    group_ids: list[str] = field(default_factory=list)
    sweep: list = field(default_factory=list)
    sweep_ids: list[str] = field(default_factory=list)
    axis: str = ""                                   # the swept parameter


def render(name: str, charts: list[Chart], sweep_view: SweepView | None = None,
           extra: Callable | None = None, arms: Arms | None = None,
           layer_heatmap: str | None = None) -> Selection | None:
    """Draw the whole page for experiment `name`.

    `arms` adds a side-by-side comparison of variants; `layer_heatmap` (a metric pattern
    such as feat_corr_l*) draws that metric as a layer × step heatmap; `extra(selection)`
    adds anything else page-specific.
    """
    exp = get_experiment(name)
    st.title(exp.title)
    st.markdown(exp.what_to_look_for)
    st.caption(exp.reference)
    _presets(exp)
    cfg = config_form(exp.config)
    n_seeds = st.sidebar.number_input("N seeds", 1, 10, 1, key="n_seeds", bind="query-params",
                                      help="train seeds seed, seed+1, ... and show mean ± std")
    if cfg is None:
        st.stop()
    axes = exp.sweep_axes()
    axis = st.sidebar.radio("Sweep axis", list(axes), key="sweep_axis", bind="query-params",
                            horizontal=True) if len(axes) > 1 else exp.sweep_param
    sel = _selection(exp, cfg, int(n_seeds), axis)
    _controls(exp, sel)
    live(name, sel, charts, sweep_view, layer_heatmap)
    if arms is not None:
        variants.side_by_side(exp, sel.group[0], arms)
    _artifacts(sel)
    if extra is not None:
        extra(sel)
    return sel


@st.fragment(run_every=3.0)
def _artifacts(sel: Selection) -> None:
    """Artifacts of the first run of the group, once it has stored them."""
    rec = state.store().get(sel.group_ids[0])
    if rec is not None and rec.get("artifacts"):
        st.subheader("Artifacts" + (f" (seed {rec['config'].get('seed')})" if len(sel.group) > 1 else ""))
        artifacts.draw(state.store(), rec, key="page_art")


def _selection(exp, cfg, n_seeds: int, axis: str) -> Selection:
    group = [dataclasses.replace(cfg, seed=cfg.seed + i) for i in range(n_seeds)]
    sweep = [dataclasses.replace(c, **{axis: v}) for v in exp.sweep_axes()[axis] for c in group]
    return Selection(group, [jobs.run_id_for(exp.name, c) for c in group],
                     sweep, [jobs.run_id_for(exp.name, c) for c in sweep], axis)


def _presets(exp) -> None:
    def apply(values: dict) -> None:
        for key, value in values.items():
            st.session_state[key] = value

    defaults = {s.name: s.default for s in specs(exp.config)}
    with st.sidebar:
        cols = st.columns(1 + len(exp.presets))
        cols[0].button("Defaults", on_click=apply, args=(defaults,), width="stretch")
        for col, (label, values) in zip(cols[1:], exp.presets.items()):
            col.button(label, on_click=apply, args=(values,), width="stretch",
                       help=", ".join(f"{k}={v}" for k, v in values.items()))


def _controls(exp, sel: Selection) -> None:
    store = state.store()
    run_col, cancel_col, sweep_col = st.columns(3)
    if run_col.button("Run", type="primary", width="stretch"):
        for cfg in sel.group:
            jobs.submit(exp.name, cfg, store)
    if cancel_col.button("Cancel", width="stretch"):
        for rid in set(sel.group_ids + sel.sweep_ids):
            jobs.cancel(rid, store)
    values = ", ".join(str(v) for v in exp.sweep_axes()[sel.axis])
    if sweep_col.button(f"Sweep {sel.axis}", width="stretch",
                        help=f"{sel.axis} = {values}, each with the N seeds"):
        for cfg in sel.sweep:
            jobs.submit(exp.name, cfg, store)


@st.fragment(run_every=1.0)
def live(name: str, sel: Selection, charts: list[Chart], sweep_view: SweepView | None,
         layer_heatmap: str | None = None) -> None:
    """Poll the store once a second and redraw status and charts from the rows seen so far."""
    store = state.store()
    recs = [r for r in (store.get(rid) for rid in sel.group_ids) if r is not None]
    st.markdown(f"**Status:** {analysis.status_line(recs)}")
    for rec in recs:
        if rec["status"] == "diverged":
            st.error(f"Run {rec['id']} diverged at step {rec['diverged_step']}: {rec['error']}")
        elif rec["status"] in ("failed", "interrupted"):
            st.error(f"Run {rec['id']} {rec['status']}: {(rec['error'] or '').strip().splitlines()[-1:]}")
    frame = analysis.long_frame([(r, state.metrics(r["id"])) for r in recs], label_by=("seed",))
    if recs and len(frame):
        _draw_charts(frame, charts, sel, multi_seed=len(sel.group) > 1)
        if layer_heatmap:
            variants.layer_heatmap(frame[frame["run_id"] == recs[0]["id"]], layer_heatmap)
        st.download_button("Download CSV (plotted runs)", frame.to_csv(index=False), key="dl_runs",
                           file_name=f"{name}_runs.csv", mime="text/csv")
    if sweep_view is not None:
        _draw_sweep(name, sel, sweep_view)


def _draw_charts(frame: pd.DataFrame, charts: list[Chart], sel: Selection, multi_seed: bool) -> None:
    cols = st.columns(2)
    if multi_seed:
        frame = frame.assign(group=f"{len(sel.group)} seeds")
    for i, chart in enumerate(charts):
        chart = dataclasses.replace(chart, metrics=tuple(m for m in analysis.expand(chart.metrics, frame.columns)
                                                         if m in frame))
        if not chart.metrics:  # e.g. a metric only some modes measure
            continue
        hl = chart.hlines(sel.group[0]) if chart.hlines else None
        if multi_seed:
            band = analysis.seed_bands(frame, chart.metrics, by="group").rename(columns={"group": "label"})
            fig = plots.bands(band, chart.metrics, chart.title, log_y=chart.log_y)
        else:
            fig = plots.curves(frame, chart.metrics, chart.title, log_y=chart.log_y, hlines=hl)
        cols[i % 2].plotly_chart(fig, width="stretch", key=f"chart_{i}")


def _draw_sweep(name: str, sel: Selection, view: SweepView) -> None:
    recs = [r for r in (state.store().get(rid) for rid in sel.sweep_ids) if r is not None]
    if not recs:
        return
    st.subheader(f"Sweep over {sel.axis}")
    st.caption(analysis.status_line(recs))
    frame = analysis.long_frame([(r, state.metrics(r["id"])) for r in recs if r["status"] == "done"])
    metrics = [m for m in (view.metric,) + view.more_metrics if m in frame]
    cols = st.columns(min(len(metrics), 3) or 1)
    tables = []
    for i, metric in enumerate(metrics):
        table = analysis.sweep_summary(frame, sel.axis, metric)
        slope = (analysis.loglog_slope(table[sel.axis], table[metric])
                 if view.loglog and len(table) > 1 else None)
        fig = plots.sweep(table, sel.axis, metric, f"final {metric} vs {sel.axis}", loglog=view.loglog,
                          slope=slope, reference_exponent=view.reference_exponent)
        cols[i % len(cols)].plotly_chart(fig, width="stretch", key=f"sweep_chart_{i}")
        tables.append(table.set_index([sel.axis, "n_seeds"]))
    if tables:
        st.download_button("Download CSV (sweep)", pd.concat(tables, axis=1).reset_index().to_csv(index=False),
                           key="dl_sweep", file_name=f"{name}_sweep_{sel.axis}.csv", mime="text/csv")
