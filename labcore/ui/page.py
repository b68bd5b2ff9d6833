"""A phenomenon page, rendered from the phenomenon's PageSpec: text, form, run controls,
live charts, seeds, sweep, variants, its own panels and CSV downloads. Nothing here knows
a phenomenon by name."""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from labcore.core.experiment import Experiment, PageSpec, SweepView
from labcore.core.groups import SEED_MAX
from labcore.core.params import ParamError, ParamSpec, format_value, specs
from labcore.engine import jobs
from labcore.engine.scheduler import QueueFull
from labcore.runs import analysis, plots
from labcore.ui import access, artifacts, downloads, state, variants
from labcore.ui.form import config_form, url_errors

N_SEEDS = ParamSpec("n_seeds", int, 1, lo=1, hi=10, help="train seeds seed, seed+1, ... and show mean ± std")
CONFIRM_ABOVE = 16  # runs per click that need a confirmation
MAX_PER_CLICK = 64  # runs one click may start (sweep × seeds)


@dataclass
class Selection:
    """The runs a page shows: one group of seeds, and the sweep over the key axis."""

    group: list = field(default_factory=list)       # Configs, one per seed
    group_ids: list[str] = field(default_factory=list)
    sweep: list = field(default_factory=list)
    sweep_ids: list[str] = field(default_factory=list)
    axis: str = ""                                   # the swept parameter


def render(exp: Experiment) -> Selection | None:
    """Draw the whole page of `exp` from its PageSpec; returns the page's Selection."""
    page = exp.page
    st.title(exp.title)
    access.token_box()
    axes = exp.sweep_axes()
    for message in url_errors([N_SEEDS, ParamSpec("sweep_axis", str, next(iter(axes), ""),
                                                  choices=tuple(axes) or ("",))]):
        st.error(access.plain(message))
    _presets(exp)
    cfg = config_form(exp.config)
    st.markdown(page.what_to_look_for)
    st.caption(page.reference)
    n_seeds = st.sidebar.number_input("N seeds", N_SEEDS.lo, N_SEEDS.hi, N_SEEDS.default, key="n_seeds",
                                      bind="query-params", help=N_SEEDS.help)
    if cfg is None:
        st.stop()
    axis = (st.sidebar.radio("Sweep axis", list(axes), key="sweep_axis", bind="query-params", horizontal=True)
            if len(axes) > 1 else next(iter(axes), ""))
    sel = _selection(exp, cfg, int(n_seeds), axis)
    _controls(exp, sel)
    live(exp, sel)
    if page.arms is not None:
        variants.side_by_side(exp, sel.group[0], page.arms)
    _artifacts(sel)
    for panel in page.panels:
        _panel(exp, panel, sel)
    return sel


@st.fragment(run_every=2.0)
def _panel(exp: Experiment, name: str, sel: Selection) -> None:
    """A phenomenon's own panel, redrawn from the store every 2 s so it follows the runs live."""
    artifacts.phenomenon_ui(exp, name)(sel)


@st.fragment(run_every=3.0)
def _artifacts(sel: Selection) -> None:
    """Artifacts of the first run of the group, once it has stored them."""
    rec = state.store().get(sel.group_ids[0])
    if rec is not None and rec.get("artifacts"):
        st.subheader("Artifacts" + (f" (seed {rec['config'].get('seed')})" if len(sel.group) > 1 else ""))
        artifacts.draw(state.store(), rec, key="page_art")


def _selection(exp, cfg, n_seeds: int, axis: str) -> Selection:
    group = [dataclasses.replace(cfg, seed=(cfg.seed + i) % (SEED_MAX + 1)) for i in range(n_seeds)]
    values = exp.sweep_axes().get(axis, ())
    least = exp.page.sweep.seeds if exp.page.sweep else 1  # a trend may need more seeds than one Run
    seeded = group + [dataclasses.replace(cfg, seed=(cfg.seed + i) % (SEED_MAX + 1)) for i in range(n_seeds, least)]
    sweep = [dataclasses.replace(c, **{axis: v}) for v in values for c in seeded]
    return Selection(group, [jobs.run_id_for(exp.name, c) for c in group],
                     sweep, [jobs.run_id_for(exp.name, c) for c in sweep], axis)


def _presets(exp) -> None:
    """One full-width button per preset (side by side they were cut to "D…"). A preset is
    applied over the defaults, so it gives the same run whatever was set before."""
    def apply(values: dict) -> None:
        # Runs before the rerun: the widgets (keyed by parameter name) then take these
        # values, and their query-param binding writes them to the URL (see form._pinned).
        for key, value in {**defaults, **values}.items():
            st.session_state[key] = format_value(value) if isinstance(value, tuple) else value

    defaults = {s.name: s.default for s in specs(exp.config)}
    with st.sidebar:
        st.caption("Presets")
        st.button("Defaults", on_click=apply, args=({},), width="stretch", key="preset_defaults")
        for i, (label, values) in enumerate(exp.page.presets.items()):
            st.button(label, on_click=apply, args=(values,), width="stretch", key=f"preset_{i}",
                      help=", ".join(f"{k}={format_value(v)}" for k, v in values.items()))


def _controls(exp, sel: Selection) -> None:
    store = state.store()
    locked = access.why_not()
    if locked:
        st.info(locked)
    run_col, cancel_col, sweep_col = st.columns(3)
    if run_col.button("Run", type="primary", width="stretch", disabled=bool(locked)):
        if all((store.get(rid) or {}).get("status") == "done" for rid in sel.group_ids):
            st.info("Already computed: showing the stored run" + ("s" if len(sel.group) > 1 else "")
                    + " (same settings; change a setting or the seed to train again).")
        else:
            submit_many(exp, sel.group, "run")
    if cancel_col.button("Cancel", width="stretch", disabled=bool(locked)) and access.can_act():
        for rid in set(sel.group_ids + sel.sweep_ids):
            jobs.cancel(rid, store)
    if sel.axis:
        values = ", ".join(str(v) for v in exp.sweep_axes()[sel.axis])
        if sweep_col.button(f"Sweep {sel.axis}", width="stretch", disabled=bool(locked),
                            help=f"{sel.axis} = {values}, each with the N seeds"):
            submit_many(exp, sel.sweep, "sweep")
    _confirm(exp)


def submit_many(exp, configs: list, what: str) -> None:
    """Submit the runs of one click: refused above MAX_PER_CLICK, confirmed above CONFIRM_ABOVE."""
    if not access.can_act():
        st.error(access.why_not())
        return
    if len(configs) > MAX_PER_CLICK:
        st.error(f"This {what} would start {len(configs)} runs; allowed: at most {MAX_PER_CLICK} per click "
                 "(fewer seeds or a narrower sweep).")
    elif len(configs) > CONFIRM_ABOVE:
        st.session_state["_pending"] = (exp.name, what, configs)
    else:
        _submit(exp, configs)


def _submit(exp, configs: list) -> None:
    store = state.store()
    try:
        jobs.submit_many(exp.name, configs, store)  # the seeds of one setting go as one ensemble job
    except (QueueFull, ParamError) as exc:  # the queue is full, or a config over a limit: say so
        st.error(access.plain(f"Not started: {exc}"))


def _confirm(exp) -> None:
    pending = st.session_state.get("_pending")
    if not pending or pending[0] != exp.name:
        return
    _, what, configs = pending
    st.warning(f"This {what} starts {len(configs)} runs. Start them?")
    yes, no = st.columns(2)
    if yes.button(f"Start {len(configs)} runs", type="primary", key="confirm_yes"):
        st.session_state.pop("_pending")
        _submit(exp, configs)
        st.rerun()
    if no.button("Don't start", key="confirm_no"):
        st.session_state.pop("_pending")
        st.rerun()


def status(exp: Experiment, recs: list[dict], configs: list) -> str:
    """The status line of a group or sweep: counts, progress and an ETA that counts the
    queued runs too (sized by the Experiment's cost) and the pace seen after the warm-up."""
    seen = st.session_state.setdefault("_progress_seen", {})
    now = time.time()
    for rec in recs:
        if rec["status"] == "running":
            samples = seen.setdefault(rec["id"], [])
            if not samples or samples[-1][1] != rec["progress"] or now - samples[-1][0] > 5:
                samples.append((now, float(rec["progress"] or 0.0)))
            del samples[:-200]  # the last few minutes at about one sample a second
    work = {}
    if exp.cost is not None:
        work = {jobs.run_id_for(exp.name, c): exp.cost(c)[1] for c in configs}
    eta = analysis.eta_seconds(recs, seen, work)
    return analysis.status_line(recs, expected=len(configs), eta=eta)


@st.fragment(run_every=1.0)
def live(exp: Experiment, sel: Selection) -> None:
    """Poll the store once a second and redraw status and charts from the rows seen so far."""
    name, page = exp.name, exp.page
    store = state.store()
    recs = [r for r in (store.get(rid) for rid in sel.group_ids) if r is not None]
    st.markdown(f"**Status:** {access.plain(status(exp, recs, sel.group))}")
    for rec in recs:
        if rec["status"] == "diverged":
            st.error(access.plain(f"Run {rec['id']} diverged at step {rec['diverged_step']}: "
                                  f"{access.one_line(rec['error'])}"))
        elif rec["status"] in ("failed", "interrupted"):
            st.error(access.plain(f"Run {rec['id']} {rec['status']}: {access.error_detail(rec['error'])}"))
    frame = analysis.long_frame([(r, state.metrics(r["id"])) for r in recs], label_by=("seed",))
    if recs and len(frame):
        _draw_charts(frame, page, sel, multi_seed=len(sel.group) > 1)
        if page.layer_heatmap:
            variants.layer_heatmap(frame[frame["run_id"] == recs[0]["id"]], page.layer_heatmap)
        downloads.csv_button("Download CSV (plotted runs)", lambda: frame.to_csv(index=False), key="dl_runs",
                             file_name=f"{name}_runs.csv", recs=recs)
    if page.sweep is not None:
        _draw_sweep(exp, sel, page.sweep)


def _draw_charts(frame: pd.DataFrame, page: PageSpec, sel: Selection, multi_seed: bool) -> None:
    cols: list = []
    if multi_seed:  # the legend says how many seeds the mean is over now, not how many were asked
        n = frame["run_id"].nunique()
        frame = frame.assign(group=f"{n} seeds" if n == len(sel.group) else f"{n} of {len(sel.group)} seeds")
    for i, chart in enumerate(page.charts):
        chart = dataclasses.replace(chart, metrics=tuple(m for m in analysis.expand(chart.metrics, frame.columns)
                                                         if m in frame))
        if not chart.metrics:  # e.g. a metric only some modes measure
            continue
        hl = chart.hlines(sel.group[0]) if chart.hlines else None
        x_label = chart.x_label or (page.x_label if chart.x == "step" else chart.x)
        if multi_seed:
            band = analysis.seed_bands(frame, chart.metrics, by="group").rename(columns={"group": "label"})
            fig = plots.bands(band, chart.metrics, chart.title, log_y=chart.log_y, hlines=hl, x_label=x_label,
                                log_x=chart.log_x)
        else:
            fig = plots.curves(frame, chart.metrics, chart.title, log_y=chart.log_y, hlines=hl, x_label=x_label,
                                log_x=chart.log_x)
        if not cols:  # a row of two per pair: on a phone the rows stack in the declared order
            cols = st.columns(2)
        col = cols.pop(0)
        col.plotly_chart(fig, width="stretch", key=f"chart_{i}")
        if chart.note:  # what theory says this chart should show
            col.caption(access.plain(chart.note))


def _draw_sweep(exp: Experiment, sel: Selection, view: SweepView) -> None:
    """The sweep's summary, once at least two of its points are finished (a single Run is
    one point of the sweep, not a sweep); before that, its status while it trains."""
    name = exp.name
    recs = [r for r in (state.store().get(rid) for rid in sel.sweep_ids) if r is not None]
    done = [r for r in recs if r["status"] == "done"]
    values = exp.sweep_axes()[sel.axis]
    if len({str(r["config"].get(sel.axis)) for r in done}) < 2:
        started = len({str(r["config"].get(sel.axis)) for r in recs}) >= 2
        if started and any(r["status"] in ("queued", "running") for r in recs):
            st.caption(f"Sweep over {sel.axis}: " + access.plain(status(exp, recs, sel.sweep))
                       + " (the summary appears with two finished points)")
        return
    st.subheader(f"Sweep over {sel.axis}")
    st.caption(access.plain(status(exp, recs, sel.sweep)))
    frame = analysis.long_frame([(r, state.metrics(r["id"])) for r in done])
    metrics = [m for m in view.metrics if m in frame]
    cols = st.columns(min(len(metrics), 3) or 1)
    # a categorical axis (a method, a symmetry breaker) is drawn as bars in declared order
    categorical = not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    loglog = view.loglog and not categorical
    tables = []
    for i, metric in enumerate(metrics):
        table = analysis.sweep_summary(frame, sel.axis, metric, order=values if categorical else None)
        slope = analysis.loglog_slope(table[sel.axis], table[metric]) if loglog else None
        fig = plots.sweep(table, sel.axis, metric, f"final {metric} vs {sel.axis}", loglog=loglog,
                          slope=slope, reference_exponent=view.reference_exponent if loglog else None,
                          categorical=categorical)
        cols[i % len(cols)].plotly_chart(fig, width="stretch", key=f"sweep_chart_{i}")
        tables.append(table.set_index([sel.axis, "n_seeds"]))
    if tables:
        downloads.csv_button("Download CSV (sweep)",
                             lambda: pd.concat(tables, axis=1).reset_index().to_csv(index=False),
                             key="dl_sweep", file_name=f"{name}_sweep_{sel.axis}.csv",
                             recs=recs)
