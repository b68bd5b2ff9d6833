"""Pure Plotly figure builders: DataFrames in, Figures out. No Streamlit, no torch.

Conventions: a "runs" frame is long format with columns `label`, `step` and metric
columns (one label per run or per seed group); band frames carry `<metric>_mean` and
`<metric>_std` from `labcore.analysis.seed_bands`.
"""
from __future__ import annotations

import html
import math
import os
import re
from typing import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from labcore.runs.analysis import smooth as smooth_values

# Tableau's ten clearly different hues first (plotly's D3), then Plotly's own.
PALETTE = list(qualitative.D3) + [c for c in qualitative.Plotly if c not in qualitative.D3]


TITLE_CHARS = 52   # a title line that fits a half-width chart on a laptop; longer titles wrap
MODEBAR_PX = 28    # Plotly's toolbar strip: the title starts below it, so narrow screens never cover it
LINE_PX = 20       # one title line at the title font size


def wrap_title(title: str, width: int = TITLE_CHARS) -> str:
    """`title` broken at spaces into lines of at most `width` visible characters (Plotly never
    wraps titles). Plotly's tags (`Σ<sub>W</sub>`) count as what they show, so a formula's
    markup neither wraps a short title nor splits a formula written without spaces."""
    lines: list[list[str]] = []
    for word in title.split():
        if lines and _shown(" ".join(lines[-1] + [word])) <= width:
            lines[-1].append(word)
        else:
            lines.append([word])
    return "<br>".join(" ".join(line) for line in lines) if _shown(title) > width else title


def _shown(text: str) -> int:
    """How many characters `text` shows once Plotly has rendered its tags."""
    return len(re.sub(r"<[^>]*>", "", text))


def escape(text) -> str:
    """`text` with <, > and & as entities: Plotly renders a subset of HTML (links, bold,
    line breaks) in legends, hovers, ticks and titles, so a run name or setting a user typed
    must never reach it raw."""
    return html.escape(str(text), quote=False)


def escape_figure(fig: go.Figure) -> go.Figure:
    """Escape what data put into `fig`: trace names (legend, hover), category values and
    tick texts, parallel-coordinate labels, annotations. Titles are the caller's (escape
    user text in them with `escape`). Call once per figure (escaping is not idempotent)."""
    for trace in fig.data:
        if getattr(trace, "name", None) is not None:
            trace.name = escape(trace.name)
        if trace.type in ("bar", "box") and trace.x is not None and any(isinstance(v, str) for v in trace.x):
            trace.x = [escape(v) if isinstance(v, str) else v for v in trace.x]
        if trace.type == "parcoords":
            for dim in trace.dimensions:
                dim.label = escape(dim.label) if dim.label is not None else None
                if dim.ticktext is not None:
                    dim.ticktext = [escape(t) for t in dim.ticktext]
    for axis in (fig.layout.xaxis, fig.layout.yaxis):
        if axis.categoryarray is not None:
            axis.categoryarray = [escape(v) if isinstance(v, str) else v for v in axis.categoryarray]
    for note in fig.layout.annotations or ():
        note.text = escape(note.text) if note.text is not None else None
    return fig


def _layout(fig: go.Figure, title: str, x: str, y: str, log_x: bool = False, log_y: bool = False,
            hover: bool = False, max_legend: int | None = None) -> go.Figure:
    """Shared look (`_look`) applied to a figure built through Plotly's object model. Everything
    data put into the figure is escaped (`escape_figure`)."""
    escape_figure(fig)
    names = [t.name for t in fig.data if t.showlegend is not False and t.name]
    fig.update_layout(_look(title, x, y, names, lambda axis: _values(fig, axis), log_x=log_x, log_y=log_y,
                            hover=hover, max_legend=max_legend))
    return fig


def _look(title: str, x: str, y: str, names: Sequence[str], values, log_x: bool = False, log_y: bool = False,
          hover: bool = False, max_legend: int | None = None) -> dict:
    """The layout every chart shares, as one dict: wrapped left title under the toolbar, the
    legend's room (`names`: the legend entries), readable log ticks over `values(axis)` (the
    positive numbers drawn on "x" or "y"), and for line charts (`hover`) one unified hover box
    per x with a vertical spike line."""
    text = wrap_title(title)
    lines = text.count("<br>") + 1
    xaxis, yaxis = dict(title=dict(text=x)), dict(title=dict(text=y))
    layout = dict(title=dict(text=text, x=0, xanchor="left", y=1, yref="container", yanchor="top",
                             pad=dict(t=MODEBAR_PX, l=8), font=dict(size=15)),
                  xaxis=xaxis, yaxis=yaxis, height=300 + LINE_PX * lines,
                  margin=dict(l=50, r=20, t=MODEBAR_PX + LINE_PX * lines + 12, b=40))
    _legend_room(layout, names, max_legend)
    if log_x:
        xaxis.update(type="log", **log_ticks(values("x")))
    if log_y:
        yaxis.update(type="log", **log_ticks(values("y")))
    if hover:
        # Streamlit cannot link the charts of a page; within a chart every curve's value at
        # the hovered x is shown in one box, and a spike line marks that x.
        layout["hovermode"] = "x unified"
        yaxis["hoverformat"] = ".4~g"  # 0.3747, not 0.3747253
        xaxis.update(showspikes=True, spikemode="across", spikesnap="cursor", spikethickness=1,
                     spikedash="dot", spikecolor="grey")
    return layout


def _figure(traces: list[dict], title: str, x: str, y: str, shapes: Sequence[dict] = (),
            annotations: Sequence[dict] = (), log_x: bool = False, log_y: bool = False,
            hover: bool = False) -> go.Figure:
    """A figure made in one call from trace, shape and annotation dicts plus the shared look.
    Live charts are rebuilt every second or two while a class watches, and Plotly's object
    model is slow per `add_trace` or `update_layout` call (docs/measurements.md, "Live charts").
    Trace names and annotation texts are escaped here."""
    for trace in traces:
        if trace.get("name") is not None:
            trace["name"] = escape(trace["name"])
    notes = [dict(note, text=escape(note["text"])) for note in annotations]
    names = [t["name"] for t in traces if t.get("showlegend") is not False and t.get("name")]

    def values(axis: str) -> np.ndarray:
        parts = [np.asarray(t.get(axis, ()), dtype=float).ravel() for t in traces]
        if axis == "y":
            parts.append(np.asarray([s["y0"] for s in shapes if s.get("yref", "y") == "y"], dtype=float))
        v = np.concatenate(parts) if parts else np.zeros(0)
        return v[np.isfinite(v) & (v > 0)]

    layout = _look(title, x, y, names, values, log_x=log_x, log_y=log_y, hover=hover)
    layout.update({k: v for k, v in (("shapes", list(shapes)), ("annotations", notes)) if v})
    # built by this module, so Plotly's per-value validation is skipped (half the build)
    return go.Figure(data=traces, layout=layout, _validate=False)


LEGEND_ROW_PX = 22    # one row of a horizontal legend
LEGEND_WIDTH_PX = 360  # the narrowest chart a legend must fit (a phone, or half a laptop screen)


def legend_rows(names: Sequence[str], width: int = LEGEND_WIDTH_PX) -> int:
    """Rows a horizontal legend of `names` takes at `width` px (about 7 px a character plus
    the swatch), packed left to right as Plotly does."""
    rows, used = 0, width
    for name in names:
        need = 40 + 7 * len(str(name))
        if used + need > width:
            rows, used = rows + 1, 0
        used += need
    return rows


def _legend_room(layout: dict, names: Sequence[str], most: int | None = None) -> None:
    """The legend of `names` sits at the foot of the figure (anchored to the container, not
    the plot) below a bottom margin grown by its rows, so it can never cover the x-axis title:
    a legend placed at y = -0.3 of the plot moved up onto the title when Plotly shrank the plot."""
    if most is not None and len(names) > most:  # no legend: hover names a curve
        layout["showlegend"] = False
        return
    if len(names) < 2:
        return
    rows = legend_rows(names)
    layout["legend"] = dict(orientation="h", yref="container", yanchor="bottom", y=0, x=0)
    layout["margin"]["b"] = 40 + 16 + LEGEND_ROW_PX * rows
    layout["height"] += LEGEND_ROW_PX * rows


def _values(fig: go.Figure, axis: str) -> np.ndarray:
    """Every finite positive number drawn on `axis` ("x" or "y"), reference lines included."""
    parts = []
    for trace in fig.data:
        try:
            values = getattr(trace, axis, None)
            parts.append(np.asarray(() if values is None else values, dtype=float).ravel())
        except (TypeError, ValueError):  # a categorical axis
            continue
    if axis == "y":
        parts.append(np.asarray([s.y0 for s in fig.layout.shapes if s.y0 is not None], dtype=float))
    values = np.concatenate(parts) if parts else np.zeros(0)
    return values[np.isfinite(values) & (values > 0)]


PAD = 0.04  # of the axis span in decades, outside the outermost labelled ticks: markers there stay whole


def log_ticks(values: Sequence[float]) -> dict:
    """Tick settings of a log axis whose labelled range holds every value: powers of ten
    (10⁻³, 10⁻², ...) when the values span two decades or more, else labelled 1-2-5 steps
    such as 0.2, 0.5, 1, 2 (or 1..9 where 1-2-5 would give fewer than four labels); the
    range runs from the tick at or below the smallest value to the tick at or above the
    largest, so no point sits beyond the last label (not 12.0 and 17.3 above a 6-10
    axis). Plotly's own choice labels the in-between ticks with a bare digit ("2, 5, 0.1,
    2, 5"), unreadable."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    base = dict(exponentformat="power", showexponent="all", minor=dict(ticks="", showgrid=False))
    if v.size == 0:
        return base
    lo, hi = float(v.min()), float(v.max())
    if hi / lo >= 100:
        e_lo, e_hi = math.floor(math.log10(lo) + 1e-9), math.ceil(math.log10(hi) - 1e-9)
        step = max(1, math.ceil((e_hi - e_lo) / 8))  # at most about eight labels
        ticks = [10.0 ** e for e in range(e_lo, e_hi + step, step)]
        text = ["1" if e == 0 else "10" if e == 1 else "10" + str(e).translate(SUPERSCRIPT)
                for e in range(e_lo, e_hi + step, step)]  # one notation along the axis
        return dict(base, tickmode="array", tickvals=ticks, ticktext=text, range=_padded(ticks[0], ticks[-1]))
    decades = range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 2)
    for mantissas, enough in (((1, 2, 5), 4), (tuple(range(1, 10)), 3)):
        ticks = sorted({float(f"{m * 10.0 ** e:.6g}") for e in decades for m in mantissas})
        below = max(t for t in ticks if t <= lo * (1 + 1e-9))
        above = min(t for t in ticks if t >= hi * (1 - 1e-9))
        inside = [t for t in ticks if below <= t <= above]
        # and the labelled range must not dwarf the data (0.69-0.715 on a 0.6-0.8 axis is a flat line)
        snug = math.log10(above / below) <= 2.5 * math.log10(hi / lo) + 0.05
        if len(inside) >= enough and snug:
            return dict(base, tickmode="array", tickvals=inside, ticktext=[tick_text(t) for t in inside],
                        range=_padded(below, above))
    # within a few percent the axis is nearly linear: round steps (0.69, 0.70, 0.71, 0.72)
    raw = (hi - lo) / 4 if hi > lo else abs(lo) * 0.01
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw * (1 - 1e-9))
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    ticks = [float(f"{k * step:.12g}") for k in range(first, last + 1) if k > 0]
    sig = max(1, math.floor(math.log10(max(abs(t) for t in ticks))) - math.floor(math.log10(step)) + 1)
    return dict(base, tickmode="array", tickvals=ticks,
                ticktext=[f"{t:.{sig}g}" for t in ticks], range=_padded(ticks[0], ticks[-1]))


def value_ticks(values: Sequence[float], most: int = 8, reverse: bool = False) -> dict:
    """Ticks of a log axis at the swept values themselves (η 0.12, 0.17, ...; densities 1,
    0.8, 0.64, ...), every other one when there are more than `most` but always the first and
    the last, over a range that holds them all (`reverse`: largest on the left)."""
    v = sorted({float(x) for x in np.asarray(values, dtype=float) if np.isfinite(x) and x > 0}, reverse=True)
    if not v:
        return {}
    stride = max(1, math.ceil(len(v) / most))
    shown = sorted(set(v[::stride]) | {v[0], v[-1]})
    low, high = _padded(v[-1], v[0])
    return dict(tickmode="array", tickvals=shown, ticktext=[tick_text(t) for t in shown],
                minor=dict(ticks="", showgrid=False), range=[high, low] if reverse else [low, high])


def _padded(lo: float, hi: float) -> list[float]:
    """A log axis range (in decades) from lo to hi with PAD of the span on either side."""
    a, b = math.log10(lo), math.log10(hi)
    pad = PAD * max(b - a, 0.1)
    return [a - pad, b + pad]


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def tick_text(value: float) -> str:
    """0.02 -> '0.02', 5e-05 -> '5×10⁻⁵', 20000 -> '2×10⁴': short and unambiguous."""
    if 1e-3 <= abs(value) < 1e4:
        return str(int(value)) if value == int(value) else f"{value:.3g}"  # a width of 1024, not 1.02e+03
    exp = math.floor(math.log10(abs(value)))
    mant = round(value / 10.0 ** exp, 2)
    power = "10" + str(exp).translate(SUPERSCRIPT)
    return power if mant == 1 else f"{mant:g}×{power}"


def curves(frame: pd.DataFrame, metrics: Sequence[str], title: str, log_y: bool = False,
           x: str = "step", smooth: int = 1, hlines: dict[str, float] | None = None,
           x_label: str | None = None, log_x: bool = False, vlines: dict[str, float] | None = None) -> go.Figure:
    """One line per (label, metric): the metric columns of a long runs frame against `x`.

    `smooth` > 1 applies a trailing moving average over that many measurements; `hlines`
    draws labelled horizontal reference lines (e.g. a theoretical value); `x_label` names
    the x axis when the column's name is not what it counts (e.g. epochs in `step`);
    `vlines` draws labelled dotted vertical lines at given x values (e.g. where a phase begins).
    """
    rows = _label_rows(frame)
    labels = list(rows)
    keys = series_keys(labels, metrics)
    colour = series_colours(keys)
    xs = frame[x].to_numpy() if len(frame) else np.zeros(0)
    traces = []
    for i, (label, metric) in enumerate((lab, m) for lab in labels for m in metrics):
        if metric not in frame:
            continue
        at = rows[label]
        yv, xv = frame[metric].to_numpy(dtype=float, na_value=np.nan)[at], xs[at]
        kept = ~np.isnan(yv) & ~pd.isna(xv)  # the rows that measured the metric
        if not kept.any():
            continue
        yv = smooth_values(yv[kept], smooth)
        if log_y:  # log axes cannot show zero
            yv = np.where(yv > 0, yv, np.nan)
        name = label if len(metrics) == 1 else (metric if len(labels) == 1 else f"{label} · {metric}")
        traces.append(dict(type="scatter", x=xv[kept], y=yv, mode="lines+markers",
                           marker=dict(size=4), name=name, line=dict(color=colour[keys[i]])))
    shapes, notes = _lines(hlines, vlines, log_x)
    return _figure(traces, title, x_label or x, metrics[0] if len(metrics) == 1 else "value", shapes, notes,
                   log_x=log_x, log_y=log_y, hover=True)


FAINT = 0.35  # opacity of an earlier run kept behind the latest


def add_faint(fig: go.Figure, frame: pd.DataFrame, metrics: Sequence[str], log_y: bool = False) -> go.Figure:
    """Add the runs of `frame` (earlier settings, labelled) to `fig` faint and thin, behind its
    own curves, which are drawn bolder: the latest stands out, the earlier ones stay to compare."""
    earlier = curves(frame, list(metrics), "", log_y=log_y)
    for trace in fig.data:
        if getattr(trace, "mode", None) and "lines" in trace.mode and trace.line.width is None:
            trace.line.width = 3
    n = len(fig.data)
    fig.add_traces(list(earlier.data))
    for trace in fig.data[n:]:
        trace.opacity, trace.line.width, trace.line.dash = FAINT, 1.5, "dot"
    fig.data = tuple(fig.data[n:]) + tuple(fig.data[:n])  # drawn first: underneath
    return fig


def _label_rows(frame: pd.DataFrame) -> dict:
    """{label: positions of its rows}, labels in order of appearance (a groupby, not a scan of
    the frame per label: live charts of long runs are rebuilt every second or two)."""
    if not len(frame):
        return {}
    groups = frame.groupby("label", sort=False).indices
    return {label: groups[label] for label in pd.unique(frame["label"])}


WAITING = "waiting for the first measurement…"


def waiting(title: str, x: str = "step", y: str = "", note: str = WAITING) -> go.Figure:
    """The frame of a chart whose run has no row yet: title, axis titles and `note`. Drawn
    from the moment a run is queued, so the chart is on the page (and the browser has loaded
    its plotting code) when the first rows arrive: a run shorter than its start-up still
    shows its curves at once."""
    fig = _figure([], title, x, y, annotations=[dict(text=note, x=0.5, y=0.5, xref="paper", yref="paper",
                                                      showarrow=False, font=dict(color="grey"))])
    blank = dict(showticklabels=False, showgrid=False, zeroline=False)
    return fig.update_layout(xaxis=blank, yaxis=blank)


def series_keys(labels: Sequence[str], metrics: Sequence[str]) -> list[str]:
    """What tells the series of a chart apart, for their colours: the label when several runs
    or arms share one metric, else the part of the metric names that varies (test_acc_winning
    -> winning; corr_l1_mean, corr_l1_dead -> 1), so an arm or a layer has the same colour in
    every chart of a page."""
    if len(metrics) == 1:
        return list(labels)
    names = varying_part(metrics)
    return names if len(labels) == 1 else [f"{lab} · {n}" for lab in labels for n in names]


def varying_part(metrics: Sequence[str]) -> list[str]:
    """The metric names without the prefix and suffix they all share, never cutting a word or
    a number (corr_l1_mean, corr_l10_mean -> 1, 10; train_acc, test_acc -> train, test); a
    name left empty stays whole."""
    metrics = list(metrics)
    prefix = _whole(os.path.commonprefix(metrics), [m[len(os.path.commonprefix(metrics)):][:1] for m in metrics])
    rev = [m[::-1] for m in metrics]
    common = os.path.commonprefix(rev)
    suffix = _whole(common, [r[len(common):][:1] for r in rev])[::-1]
    out = []
    for m in metrics:
        core = m[len(prefix):len(m) - len(suffix)] if len(prefix) + len(suffix) < len(m) else ""
        out.append(core or m)
    return out


def _whole(common: str, nexts: list[str]) -> str:
    """`common` (a shared prefix, or a reversed shared suffix) cut back so that it ends between
    two words: never inside a number, and never between two letters of one word."""
    while common and common[-1].isdigit():
        common = common[:-1]
    if common and common[-1].isalpha() and any(n.isalpha() for n in nexts):
        common = common[:common.rfind("_") + 1]
    return common


def series_colours(keys: Sequence[str]) -> dict[str, str]:
    """A colour per series key that depends on the key (and on the other keys of the chart),
    never on the chart: the same arms get the same colours in every chart that shows them."""
    from labcore.runs.compare import colours

    return colours(list(keys), PALETTE)


def _lines(hlines: dict[str, float] | None, vlines: dict[str, float] | None,
           log_x: bool) -> tuple[list[dict], list[dict]]:
    """Shapes and annotations of labelled reference lines: dashed horizontal lines where theory
    predicts a value (`hlines`), dotted vertical lines at x values (`vlines`). A shape takes
    data x on a log axis, an annotation its log10 (Plotly's convention), so a vertical line's
    label is placed by hand."""
    shapes, notes = [], []
    for name, value in (hlines or {}).items():
        shapes.append(dict(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=value, y1=value,
                           line=dict(dash="dash", color="grey")))
        notes.append(dict(text=name, xref="x domain", x=1, yref="y", y=value, showarrow=False,
                          xanchor="right", yanchor="bottom"))
    for name, value in (vlines or {}).items():
        if value is None or not math.isfinite(value) or (log_x and value <= 0):
            continue
        shapes.append(dict(type="line", x0=value, x1=value, xref="x", y0=0, y1=1, yref="paper",
                           line=dict(dash="dot", color="grey")))
        notes.append(dict(x=math.log10(value) if log_x else value, xref="x", y=1, yref="paper", text=name,
                          showarrow=False, xanchor="left", yanchor="top", font=dict(color="grey")))
    return shapes, notes


def _marker_lines(fig: go.Figure, vlines: dict[str, float] | None, log_x: bool) -> None:
    """`vlines` (see `_lines`) added to a figure built through the object model."""
    shapes, notes = _lines(None, vlines, log_x)
    if shapes:
        fig.update_layout(shapes=list(fig.layout.shapes) + shapes,
                          annotations=list(fig.layout.annotations) + notes)


def bands(frame: pd.DataFrame, metrics: Sequence[str], title: str, log_y: bool = False,
          x: str = "step", hlines: dict[str, float] | None = None, x_label: str | None = None,
          log_x: bool = False, vlines: dict[str, float] | None = None) -> go.Figure:
    """Mean line and ±1 std band per (label, metric) of a seed-band frame; `hlines`, `vlines`
    and `x_label` as in `curves` (reference lines survive seed bands)."""
    rows = _label_rows(frame)
    labels = list(rows)
    keys = dict(zip([(lab, m) for lab in labels for m in metrics], series_keys(labels, metrics)))
    colour = series_colours(list(keys.values()))
    combos = [(lab, m) for lab in labels for m in metrics if f"{m}_mean" in frame]
    traces = []
    for label, metric in combos:
        at = rows[label]
        mean = frame[f"{metric}_mean"].to_numpy(dtype=float, na_value=np.nan)[at]
        kept = ~np.isnan(mean)
        mean = mean[kept]
        std = np.nan_to_num(frame[f"{metric}_std"].to_numpy(dtype=float, na_value=np.nan)[at][kept])
        lower = np.maximum(mean - std, mean * 1e-3) if log_y else mean - std
        color = colour[keys[(label, metric)]]
        name = label if len(metrics) == 1 else f"{label} · {metric}"
        xs = frame[x].to_numpy()[at][kept]
        traces.append(dict(type="scatter", x=np.concatenate([xs, xs[::-1]]),
                           y=np.concatenate([mean + std, lower[::-1]]), fill="toself",
                           fillcolor=color, opacity=0.2, line=dict(width=0), hoverinfo="skip",
                           showlegend=False, name=f"{name} ±1 std"))
        traces.append(dict(type="scatter", x=xs, y=mean, mode="lines", name=f"{name} (mean)",
                           line=dict(color=color)))
    shapes, notes = _lines(hlines, vlines, log_x)
    return _figure(traces, title, x_label or x, metrics[0] if len(metrics) == 1 else "value", shapes, notes,
                   log_x=log_x, log_y=log_y, hover=True)


def sweep(frame: pd.DataFrame, x: str, y: str, title: str, loglog: bool = False,
          slope: float | None = None, reference_exponent: float | None = None,
          categorical: bool = False, log_x: bool = False, vlines: dict[str, float] | None = None) -> go.Figure:
    """Final metric `y` against the swept parameter `x` (mean ± std over seeds when the
    frame has `<y>_std`), with an optional fitted slope and a reference power law through
    the first point (drawn from two points on). A `categorical` axis (e.g. a method) is
    drawn as bars from 0 in the frame's row order: a line would invent an order between
    the categories, and an axis not starting at 0 makes a 4 % gap look like 5x. `log_x` puts
    the swept values alone on a log axis (e.g. widths over decades); `vlines` as in `curves`."""
    fig = go.Figure()
    err = frame[f"{y}_std"] if f"{y}_std" in frame else None
    error_y = None if err is None else dict(type="data", array=err, visible=True)
    label = y if slope is None else f"{y} (fitted slope {slope:.3f})"
    if categorical:
        fig.add_trace(go.Bar(x=[str(v) for v in frame[x]], y=frame[y], name=label, error_y=error_y,
                             marker_color=PALETTE[0]))
        fig.update_xaxes(type="category", categoryorder="array", categoryarray=[str(v) for v in frame[x]])
        fig.update_yaxes(rangemode="tozero")
        return _layout(fig, title, x, y)
    fig.add_trace(go.Scatter(x=frame[x], y=frame[y], mode="lines+markers", name=label, error_y=error_y))
    if not loglog and not log_x:  # ticks at the swept values, not at 1.2, 1.4, ... between them
        fig.update_xaxes(tickmode="array", tickvals=list(frame[x]), ticktext=[f"{v:g}" for v in frame[x]])
    if reference_exponent is not None and len(frame) > 1:
        x0, y0 = float(frame[x].iloc[0]), float(frame[y].iloc[0])
        xs = np.asarray(frame[x], float)
        fig.add_trace(go.Scatter(x=xs, y=y0 * (xs / x0) ** reference_exponent, mode="lines",
                                 line=dict(dash="dash", color="grey"),
                                 name=f"{x}^({reference_exponent:g}) reference"))
    _marker_lines(fig, vlines, loglog or log_x)
    _layout(fig, title, x, y, log_x=loglog or log_x, log_y=loglog)
    if loglog or log_x:  # label the swept values (widths, η), not only the powers of ten between them
        fig.update_xaxes(**value_ticks(frame[x]))
    return fig


def heatmap(matrix: pd.DataFrame | np.ndarray, title: str, x: str = "", y: str = "",
            zmin: float | None = None, zmax: float | None = None,
            xs: Sequence[float] | None = None, ys: Sequence[float] | None = None) -> go.Figure:
    """A matrix as a heatmap: rows top to bottom (matrix view), or, with coordinates `xs`
    (columns) and `ys` (rows), a map with y growing upwards."""
    z = np.asarray(matrix, float)
    coords = {} if xs is None else dict(x=list(xs), y=list(ys))
    fig = go.Figure(go.Heatmap(z=z, zmin=zmin, zmax=zmax, colorscale="Viridis", **coords))
    if xs is None:
        fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, x, y)


def bars(labels: Sequence, values: Sequence[float], title: str, colors: Sequence[str] | None = None,
         log_y: bool = False, y: str = "", x: str = "") -> go.Figure:
    """A bar chart; `colors` per bar (e.g. to mark aligned nodes); `x` names the bars' axis.
    A bar of height 0 has no length, so it is marked on the axis: 0 is a value, not a gap
    (the luck chart's rank 0 is its most interesting value)."""
    labels, values = list(labels), list(values)
    fig = go.Figure(go.Bar(x=labels, y=values, marker_color=colors, showlegend=False))
    zeros = [i for i, v in enumerate(values) if v == 0]
    if zeros and not log_y:
        fig.add_trace(go.Scatter(x=[labels[i] for i in zeros], y=[0] * len(zeros), mode="markers+text",
                                 text=["0"] * len(zeros), textposition="top center", showlegend=False,
                                 marker=dict(symbol="line-ew-open", size=14, line=dict(width=3),
                                             color=[colors[i] for i in zeros] if colors else PALETTE[0]),
                                 hovertemplate="%{x}: 0<extra></extra>"))
    if not log_y:
        fig.update_yaxes(rangemode="tozero")  # bar lengths compare only from 0
    return _layout(fig, title, x, y, log_y=log_y)


def grouped_bars(frame: pd.DataFrame, x: str, y: str, group: str, title: str, log_y: bool = False) -> go.Figure:
    """Bars of `y` against `x`, one colour per value of `group` (e.g. per method)."""
    fig = go.Figure()
    for i, (name, sub) in enumerate(frame.groupby(group, sort=False)):
        fig.add_trace(go.Bar(x=sub[x], y=sub[y], name=str(name), marker_color=PALETTE[i % len(PALETTE)]))
    fig.update_layout(barmode="group")
    if not log_y:
        fig.update_yaxes(rangemode="tozero")  # bar lengths compare only from 0
    return _layout(fig, title, x, y, log_y=log_y)


def box(frame: pd.DataFrame, x: str, y: str, title: str, log_y: bool = False) -> go.Figure:
    """One box (with the points) of `y` per value of `x`."""
    fig = go.Figure()
    for i, (value, sub) in enumerate(frame.groupby(x, sort=True)):
        fig.add_trace(go.Box(y=sub[y], name=f"{x}={value}", boxpoints="all", jitter=0.4,
                             marker_color=PALETTE[i % len(PALETTE)]))
    return _layout(fig, title, x, y, log_y=log_y)
