"""A phenomenon page, rendered from the phenomenon's PageSpec: text, form, run controls,
live charts, seeds, sweep, variants, its own panels and CSV downloads. Nothing here knows
a phenomenon by name.

Everything below the controls is one tick (`live`): one reader (`reader.RunData`) reads the
records, new rows and artifacts of the page's runs once and hands them to the status, the
charts, the sweep, the variants, the artifacts and the phenomenon's panels. The tick polls
only while a run of the page is queued or running; once none is, the page rests (no
polling at all). Ticks share the server's reads and figures (`ui.feed`, `ui.figures`):
a figure is built once per change of what it draws, for every session watching it.

The refresh rule: a live page polls every POLL_S seconds while the live ticks of
all sessions together cost the server less than REFRESH_BUDGET cores; beyond that every
session's period stretches equally, to sessions x (CPU of one tick) / REFRESH_BUDGET."""
from __future__ import annotations

import dataclasses
import os
import time
import uuid
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from labcore import admission
from labcore.core.experiment import Experiment, PageSpec, SweepView
from labcore.core.param_groups import SEED_MAX
from labcore.core.params import ParamSpec, format_value, specs
from labcore.core.run_states import any_active
from labcore.engine import jobs
from labcore.charts import plots
from labcore.runs import analysis
from labcore.ui import (access, artifacts, claims, downloads, feed, figure_export, full_disk, history, lesson, state,
                        variants)
from labcore.ui.figures import cached
from labcore.ui.form import config_form, url_errors
from labcore.ui.progress import live_status_line
from labcore.ui.reader import RunData
from labcore.ui.submit import confirm, request_runs

N_SEEDS = ParamSpec("n_seeds", int, 1, lo=1, hi=10, help="train seeds seed, seed+1, ... and show mean ± std")
POLL_S = 1.0        # a tick's period while a run of the page is active and few watch
# Cores the server may spend on the live ticks of all its sessions together: half of the
# core the thread budget leaves to the dashboard (engine.launch.threads_per_worker), so
# training keeps the other cores however many watch.
REFRESH_BUDGET = float(os.environ.get("LAB_REFRESH_BUDGET", "0.5"))


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
    full_disk.notice(state.store())
    axes = exp.sweep_axes()
    for message in url_errors([N_SEEDS, ParamSpec("sweep_axis", str, next(iter(axes), ""),
                                                  choices=tuple(axes) or ("",))]):
        st.error(access.plain(message))
    step = lesson.header(exp)  # before the form: a lesson step sets its widgets
    _presets(exp)
    cfg = config_form(exp.config)
    st.markdown(page.what_to_look_for)
    if page.details:  # recipes and reference numbers, out of the way of the idea
        st.expander("Recipes and reference numbers").markdown(page.details)
    n_seeds = st.sidebar.number_input("N seeds", N_SEEDS.lo, N_SEEDS.hi, N_SEEDS.default, key="n_seeds",
                                      bind="query-params", help=N_SEEDS.help)
    if cfg is None:
        st.stop()
    problem = admission.dataset_problem(cfg, probe=False)
    if problem:  # the page stays whole: Run says the same line and submits nothing
        st.error(access.plain(problem), icon=":material/dataset:")
    axis = (st.sidebar.radio("Sweep axis", list(axes), key="sweep_axis", bind="query-params", horizontal=True)
            if len(axes) > 1 else next(iter(axes), ""))
    sel = _selection(exp, cfg, int(n_seeds), axis)
    figure_export.context(exp.name, sel.group_ids[0])  # downloads named by phenomenon, run and chart
    _controls(exp, sel)
    st.caption(page.reference)  # under Run: a long citation pushed Run off a phone's first screen
    claims.panel(exp, sel.group[0])
    lesson.verdicts(exp, step, sel.group[0])
    live(exp, sel)
    return sel


def _page_ids(exp: Experiment, sel: Selection, data: RunData) -> list[str]:
    """Every run the page draws: the group, the sweep and the variants."""
    arms = variants.arm_ids(exp, sel.group[0], exp.page.arms, data) if exp.page.arms else {}
    return list(dict.fromkeys(sel.group_ids + sel.sweep_ids + list(arms.values())))


def live(exp: Experiment, sel: Selection) -> None:
    """The page's tick: a fragment that polls while a run of the page is queued or running,
    every `period()` seconds, and not at all otherwise (a page open on finished runs costs
    the server nothing). When the last active run ends, the page reruns once, at rest."""
    data = RunData(state.store(), exp.name)  # this run of the page may follow an action: fresh
    active = data.active(_page_ids(exp, sel, data))
    every = period() if active else None

    @st.fragment(run_every=every)
    def tick() -> None:
        started = time.thread_time()
        polled = st.session_state.get("_ticked", False)  # a poll, not the page's first drawing
        # the first drawing reuses the reads made above; a poll shares the server's
        reads = RunData(state.store(), exp.name, fresh=False) if polled else data
        st.session_state["_ticked"] = True
        if polled:
            with state.watchers().turn:  # polls draw one at a time (see feed.Watchers)
                _draw(exp, sel, reads)
        else:
            _draw(exp, sel, reads)
        if active and not reads.active(_page_ids(exp, sel, reads)):
            st.rerun()  # at rest: redraw once without polling
        if active and polled:
            state.watchers().ticked(_session(), time.thread_time() - started)
            if _retune(every):
                st.rerun()  # the class grew or shrank a lot: poll at the new period

    st.session_state["_ticked"] = False
    tick()


def period() -> float:
    """Seconds between a live page's ticks now (the refresh rule in the module docstring)."""
    watching = state.watchers()
    return feed.refresh_period(POLL_S, watching.count(), watching.cost, REFRESH_BUDGET)


RETUNE_S = 30.0   # a session re-reads the refresh rule at most this often (a full rerun each)
RETUNE_GAP_S = 0.5  # and the server lets one session do so at most this often (they take turns)


def _retune(every: float) -> bool:
    """True when this session should rerun to poll at a new period: the rule's period is at
    least 1.5x longer or 2x shorter than `every`, and it has not retuned for RETUNE_S (so a
    class joining or leaving changes every session's period once, without rerun storms)."""
    now, last = time.monotonic(), st.session_state.get("_retuned", 0.0)
    wanted = period()
    if now - last < RETUNE_S or every / 2 < wanted < 1.5 * every:
        return False
    if not state.watchers().may_rerun(RETUNE_GAP_S):
        return False  # another session is retuning: this one asks again at its next poll
    st.session_state["_retuned"] = now
    return True


def _session() -> str:
    """This session's id (for counting the sessions that watch)."""
    return st.session_state.setdefault("_session_id", uuid.uuid4().hex)


def _draw(exp: Experiment, sel: Selection, data: RunData) -> None:
    """Status, charts, sweep, variants, artifacts and panels, from the runs `data` read."""
    page = exp.page
    _status_and_charts(exp, sel, data)
    if page.arms is not None:
        variants.side_by_side(exp, sel.group[0], page.arms, data, lambda configs, what: _submit_from_tick(
            exp, configs, what))
    _artifacts(sel, data)
    for panel in page.panels:
        artifacts.phenomenon_ui(exp, panel)(data, sel)


def _submit_from_tick(exp: Experiment, configs: list, what: str) -> None:
    """A button inside the tick submitted runs: rerun the page, so that it polls them."""
    if request_runs(exp, configs, what):
        st.rerun()


def _artifacts(sel: Selection, data: RunData) -> None:
    """Artifacts of the first run of the group, once it has stored them."""
    rec = data.record(sel.group_ids[0])
    if rec is not None and rec.get("artifacts"):
        st.subheader("Artifacts" + (f" (seed {rec['config'].get('seed')})" if len(sel.group) > 1 else ""))
        artifacts.draw(data, rec, key="page_art")


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
            request_runs(exp, sel.group, "run")
    if cancel_col.button("Cancel", width="stretch", disabled=bool(locked)) and access.can_act():
        for rid in set(sel.group_ids + sel.sweep_ids):
            if not full_disk.attempt(store, jobs.cancel, rid, store):
                break
    if sel.axis:
        values = ", ".join(str(v) for v in exp.sweep_axes()[sel.axis])
        if sweep_col.button(f"Sweep {sel.axis}", width="stretch", disabled=bool(locked),
                            help=f"{sel.axis} = {values}, each with the N seeds"):
            request_runs(exp, sel.sweep, "sweep")
    _phone_hint()
    confirm(exp)


# Streamlit collapses the sidebar at widths up to its `md` breakpoint (768 px, in its frontend
# theme), and nothing else on a phone says where the sliders went: this line says it there only.
# CSS hides its whole element container on wider screens, so a laptop keeps no empty gap.
PHONE_HINT_CSS = ("<style>@media (min-width: 769px) {"
                  "[data-testid='stElementContainer']:has(.lab-phone-hint) {display: none;}}</style>")
PHONE_HINT = "Settings: open the sidebar (» at the top left)."


def _phone_hint() -> None:
    """One line under Run, shown on narrow screens only, saying where the settings are."""
    st.caption(f'{PHONE_HINT_CSS}<span class="lab-phone-hint">{PHONE_HINT}</span>', unsafe_allow_html=True)


def _status_and_charts(exp: Experiment, sel: Selection, data: RunData) -> None:
    """The group's status line, errors, charts (mean ± std over seeds) and CSV; the sweep."""
    name, page = exp.name, exp.page
    recs = data.records(sel.group_ids)
    work, what = _work(exp, sel, data)
    st.markdown(f"**Status{what}:** {access.plain(live_status_line(exp, data.records(work), list(work.values())))}")
    stopped = analysis.early_stops(recs, unit=page.x_label)
    if stopped:  # a run that reached its goal early says so, instead of jumping from 52% to done
        st.caption(access.plain(stopped[0].upper() + stopped[1:] + "."))
    for rec in recs:
        if rec["status"] == "diverged":
            st.error(access.plain(f"Run {rec['id']} diverged at step {rec['diverged_step']}: "
                                  f"{access.one_line(rec['error'])}"))
        elif rec["status"] in ("failed", "interrupted"):
            st.error(access.plain(f"Run {rec['id']} {rec['status']}: {access.error_detail(rec['error'])}"))
    before = history.earlier(name, sel.group_ids, data)  # this session's earlier settings, kept faintly
    version = (len(sel.group), data.signature(sel.group_ids), data.signature([r["id"] for r in before]))
    frame = cached("group_frame", version, lambda: analysis.long_frame(
        [(r, data.frame(r["id"])) for r in recs], label_by=("seed",)))
    if recs and len(frame):
        faint = cached("earlier_frame", (version, repr(sel.group[0])),
                       lambda: history.earlier_frame(before, sel.group[0], data))
        _draw_charts(frame, page, sel, multi_seed=len(sel.group) > 1, version=version, live=any_active(recs),
                     earlier=faint)
        if before and st.button(f"Clear the {len(before)} earlier setting{'s' if len(before) > 1 else ''} from "
                                "the charts", key="clear_earlier",
                                help="the charts keep this session's earlier runs faintly behind the latest"):
            history.clear(name, sel.group_ids)
            st.rerun()
        if page.layer_heatmap:
            variants.layer_heatmap(frame[frame["run_id"] == recs[0]["id"]], page.layer_heatmap, version)
        downloads.csv_button("Download CSV (plotted runs)", lambda: frame.to_csv(index=False), key="dl_runs",
                             file_name=f"{name}_runs.csv", recs=recs)
    elif any(r["status"] in ("queued", "running") for r in recs):
        _waiting_charts(page)  # the charts' frames until the first row: they fill in place
    if page.sweep is not None:
        _draw_sweep(exp, sel, page.sweep, data)


def _work(exp: Experiment, sel: Selection, data: RunData) -> tuple[dict, str]:
    """The runs the page's one status line covers, {run id: Config}, and what it names them:
    the group, plus the variants that were submitted (the group's run is usually one of them,
    so two lines would give two percentages for one piece of work)."""
    work = dict(zip(sel.group_ids, sel.group))
    what = ""
    if exp.page.arms is not None:
        arms = {data.run_id(c): c for c in (dataclasses.replace(sel.group[0], **over)
                                            for over in exp.page.arms.variants.values())}
        extra = {rid: c for rid, c in arms.items() if rid not in work and data.record(rid) is not None}
        if extra:
            work, what = {**work, **extra}, " (run and variants)"
    # the runs this session started here beyond those (a claim's or a lesson's Train N, a
    # sweep) count while they queue and train: "1 done" must not hide 2 runs still coming
    mine = history.active_started(exp.name, data, set(work))
    if mine:
        work = {**work, **{rid: exp.make_config(**rec["config"]) for rid, rec in mine.items()}}
        what = (" (run, variants" if what else " (run") + f" and {len(mine)} more you started)"
    return work, what


def _waiting_charts(page: PageSpec) -> None:
    """Each chart's empty frame (title, axes, "waiting for the first measurement…") while the
    group's runs are queued or starting: under the keys the real charts take, so a chart
    fills in place when rows arrive instead of appearing seconds later."""
    cols: list = []
    for i, chart in enumerate(page.charts):
        if not cols:
            cols = st.columns(2)
        _waiting_chart(cols.pop(0), i, chart.title, chart.x_label or (page.x_label if chart.x == "step" else chart.x))


def _waiting_chart(col, i: int, title: str, x_label: str) -> None:
    """Chart `i`'s empty frame in `col`, under the key its real figure takes."""
    fig = cached(f"chart_{i}", ("waiting", title, x_label), lambda: plots.waiting(title, x_label))
    figure_export.chart(col, fig, key=f"chart_{i}")


def _draw_charts(frame: pd.DataFrame, page: PageSpec, sel: Selection, multi_seed: bool,
                 version: tuple = (), live: bool = False, earlier: pd.DataFrame | None = None) -> None:
    """One figure per chart of the page: the group's runs (bold; a mean ± std band over seeds),
    and this session's earlier settings faintly behind them (`earlier`, labelled by what differs)."""
    cols: list = []
    if multi_seed:  # the legend says how many seeds the mean is over now, not how many were asked
        n = frame["run_id"].nunique()
        frame = frame.assign(group=f"{n} seeds" if n == len(sel.group) else f"{n} of {len(sel.group)} seeds")
    for i, chart in enumerate(page.charts):
        chart = dataclasses.replace(chart, metrics=tuple(m for m in analysis.expand(chart.metrics, frame.columns)
                                                         if m in frame))
        x_label = chart.x_label or (page.x_label if chart.x == "step" else chart.x)
        if not chart.metrics:
            if live:  # not measured yet (information bottleneck's I(X;T) lags its loss rows): keep
                # the chart's waiting frame in its place, not a blank band that fills seconds later
                if not cols:
                    cols = st.columns(2)
                _waiting_chart(cols.pop(0), i, chart.title, x_label)
            continue  # finished: a metric only some modes measure
        hl = chart.hlines(sel.group[0]) if chart.hlines else None
        vl = {f"{m} = {v:.3g}": v for m in chart.vlines if m in frame
              for v in [analysis.final_values(frame, m).mean()] if v == v}  # mean over runs; NaN: none yet
        vl.update(chart.marks(sel.group[0]) if chart.marks else {})

        def build(chart=chart, hl=hl, vl=vl, x_label=x_label):
            if multi_seed:
                band = analysis.seed_bands(frame, chart.metrics, by="group").rename(columns={"group": "label"})
                fig = plots.bands(band, chart.metrics, chart.title, log_y=chart.log_y, hlines=hl,
                                  x_label=x_label, log_x=chart.log_x, vlines=vl)
            else:
                fig = plots.curves(frame, chart.metrics, chart.title, log_y=chart.log_y, hlines=hl,
                                   x_label=x_label, log_x=chart.log_x, vlines=vl)
            if earlier is not None and len(earlier):
                plots.add_faint(fig, earlier, chart.metrics, log_y=chart.log_y)
            return fig

        family = (tuple(sel.group_ids), i, hl) if live else None  # while training: rebuilt every REBUILD_S at most
        fig = cached(f"chart_{i}", (version, hl, tuple(vl.items())), build, live=family)
        if not cols:  # a row of two per pair: on a phone the rows stack in the declared order
            cols = st.columns(2)
        col = cols.pop(0)
        figure_export.chart(col, fig, key=f"chart_{i}")
        if chart.note:  # what theory says this chart should show
            col.caption(access.plain(chart.note))


def _draw_sweep(exp: Experiment, sel: Selection, view: SweepView, data: RunData) -> None:
    """The sweep's summary, once at least two of its points are finished (a single Run is
    one point of the sweep, not a sweep); before that, its status while it trains."""
    name = exp.name
    recs = data.records(sel.sweep_ids)
    done = [r for r in recs if r["status"] == "done"]
    values = exp.sweep_axes()[sel.axis]
    if len({str(r["config"].get(sel.axis)) for r in done}) < 2:
        started = len({str(r["config"].get(sel.axis)) for r in recs}) >= 2
        if started and any(r["status"] in ("queued", "running") for r in recs):
            st.caption(f"Sweep over {sel.axis}: " + access.plain(live_status_line(exp, recs, sel.sweep))
                       + " (the summary appears with two finished points)")
        return
    st.subheader(f"Sweep over {sel.axis}")
    st.caption(access.plain(live_status_line(exp, recs, sel.sweep)))
    version = (sel.axis, data.signature(r["id"] for r in done))
    frame = cached("sweep_frame", version, lambda: analysis.long_frame([(r, data.frame(r["id"])) for r in done]))
    metrics = [m for m in view.metrics if m in frame]
    cols = st.columns(min(len(metrics), 3) or 1)
    # a categorical axis (a method, a symmetry breaker) is drawn as bars in declared order
    categorical = not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    loglog = view.loglog and not categorical
    log_x = view.log_x and not categorical and all(v > 0 for v in values)  # a log axis cannot show 0
    vlines = view.vlines(frame, sel.axis) if view.vlines else None
    tables = []
    for i, metric in enumerate(metrics):
        table = cached(f"sweep_table_{i}", (version, metric), lambda m=metric: analysis.sweep_summary(
            frame, sel.axis, m, order=values if categorical else None))

        def build(table=table, metric=metric):
            slope = analysis.loglog_slope(table[sel.axis], table[metric]) if loglog else None
            return plots.sweep(table, sel.axis, metric, f"final {metric} vs {sel.axis}", loglog=loglog,
                               slope=slope, reference_exponent=view.reference_exponent if loglog else None,
                               categorical=categorical, log_x=log_x, vlines=vlines)

        fig = cached(f"sweep_chart_{i}", (version, metric, tuple((vlines or {}).items())), build)
        figure_export.chart(cols[i % len(cols)], fig, key=f"sweep_chart_{i}")
        tables.append(table.set_index([sel.axis, "n_seeds"]))
    if tables:
        downloads.csv_button("Download CSV (sweep)",
                             lambda: pd.concat(tables, axis=1).reset_index().to_csv(index=False),
                             key="dl_sweep", file_name=f"{name}_sweep_{sel.axis}.csv",
                             recs=recs)
