"""Pure Plotly figure builders: DataFrames in, Figures out. No Streamlit, no torch.

Conventions: a "runs" frame is long format with columns `label`, `step` and metric
columns (one label per run or per seed group); band frames carry `<metric>_mean` and
`<metric>_std` from `labcore.analysis.seed_bands`.
"""
from __future__ import annotations

import math
import textwrap
from typing import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from labcore.runs.analysis import smooth as smooth_values

PALETTE = qualitative.Plotly


TITLE_CHARS = 52   # a title line that fits a half-width chart on a laptop; longer titles wrap
MODEBAR_PX = 28    # Plotly's toolbar strip: the title starts below it, so narrow screens never cover it
LINE_PX = 20       # one title line at the title font size


def wrap_title(title: str, width: int = TITLE_CHARS) -> str:
    """`title` broken into lines of at most `width` characters (Plotly never wraps titles)."""
    return "<br>".join(textwrap.wrap(title, width)) if len(title) > width else title


def _layout(fig: go.Figure, title: str, x: str, y: str, log_x: bool = False, log_y: bool = False,
            hover: bool = False) -> go.Figure:
    """Shared look: wrapped left title under the toolbar, readable log ticks, and for line
    charts (`hover`) one unified hover box per x with a vertical spike line."""
    text = wrap_title(title)
    lines = text.count("<br>") + 1
    fig.update_layout(title=dict(text=text, x=0, xanchor="left", y=1, yref="container", yanchor="top",
                                 pad=dict(t=MODEBAR_PX, l=8), font=dict(size=15)),
                      xaxis_title=x, yaxis_title=y, height=300 + LINE_PX * lines,
                      margin=dict(l=50, r=20, t=MODEBAR_PX + LINE_PX * lines + 12, b=40),
                      # anchored by its top: Plotly's "auto" anchors a legend this low by its
                      # bottom, so a legend of several rows grew up over the x-axis title
                      legend=dict(orientation="h", yanchor="top", y=-0.3, x=0))
    if log_x:
        fig.update_xaxes(type="log", **log_ticks(_values(fig, "x")))
    if log_y:
        fig.update_yaxes(type="log", **log_ticks(_values(fig, "y")))
    if hover:
        # Streamlit cannot link the charts of a page; within a chart every curve's value at
        # the hovered x is shown in one box, and a spike line marks that x.
        fig.update_layout(hovermode="x unified")
        fig.update_yaxes(hoverformat=".4~g")  # 0.3747, not 0.3747253
        fig.update_xaxes(showspikes=True, spikemode="across", spikesnap="cursor", spikethickness=1,
                         spikedash="dot", spikecolor="grey")
    return fig


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


def log_ticks(values: Sequence[float]) -> dict:
    """Tick settings of a log axis: powers of ten (10⁻³, 10⁻², ...) when the values span two
    decades or more, else labelled 1-2-5 (or 1..9) steps such as 0.2, 0.5, 1, 2. Plotly's own
    choice labels the in-between ticks with a bare digit ("2, 5, 0.1, 2, 5"), unreadable."""
    v = np.asarray(values, dtype=float)
    base = dict(exponentformat="power", showexponent="all", minor=dict(ticks="", showgrid=False))
    if v.size == 0:
        return base
    lo, hi = float(v.min()), float(v.max())
    if hi / lo >= 100:
        return dict(base, tickmode="linear", dtick=1)
    decades = range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1)
    for mantissas in ((1, 2, 5), tuple(range(1, 10))):
        ticks = [float(f"{m * 10.0 ** e:.6g}") for e in decades for m in mantissas]
        inside = sorted(t for t in ticks if lo / 1.1 <= t <= hi * 1.1)
        if len(inside) >= 3 or (mantissas[-1] == 9 and len(inside) >= 2):
            return dict(base, tickmode="array", tickvals=inside, ticktext=[tick_text(t) for t in inside])
    # within a few percent: Plotly picks the ticks, printed with enough digits to differ
    digits = 2 + math.ceil(-math.log10(max(hi / lo - 1.0, 1e-9)))
    return dict(base, tickformat=f".{min(digits, 8)}~g")


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def tick_text(value: float) -> str:
    """0.02 -> '0.02', 5e-05 -> '5×10⁻⁵', 20000 -> '2×10⁴': short and unambiguous."""
    if 1e-3 <= abs(value) < 1e4:
        return f"{value:.3g}"
    exp = math.floor(math.log10(abs(value)))
    mant = round(value / 10.0 ** exp, 2)
    power = "10" + str(exp).translate(SUPERSCRIPT)
    return power if mant == 1 else f"{mant:g}×{power}"


def curves(frame: pd.DataFrame, metrics: Sequence[str], title: str, log_y: bool = False,
           x: str = "step", smooth: int = 1, hlines: dict[str, float] | None = None,
           x_label: str | None = None, log_x: bool = False,
           vlines: dict[str, float] | None = None) -> go.Figure:
    """One line per (label, metric): the metric columns of a long runs frame against `x`.

    `smooth` > 1 applies a trailing moving average over that many measurements; `hlines`
    draws labelled horizontal reference lines (e.g. a theoretical value); `x_label` names
    the x axis when the column's name is not what it counts (e.g. epochs in `step`); `vlines`
    draws labelled vertical reference lines (e.g. a threshold on the x axis).
    """
    fig = go.Figure()
    labels = list(dict.fromkeys(frame["label"])) if len(frame) else []
    for i, (label, metric) in enumerate((lab, m) for lab in labels for m in metrics):
        sub = frame[frame["label"] == label][[x, metric]].dropna() if metric in frame else None
        if sub is None or sub.empty:
            continue
        yv = pd.Series(smooth_values(sub[metric], smooth), index=sub.index)
        yv = yv.where(yv > 0) if log_y else yv  # log axes cannot show zero
        name = label if len(metrics) == 1 else (metric if len(labels) == 1 else f"{label} · {metric}")
        fig.add_trace(go.Scatter(x=sub[x], y=yv, mode="lines+markers", marker=dict(size=4),
                                 name=name, line=dict(color=PALETTE[i % len(PALETTE)])))
    _reference_lines(fig, hlines, vlines, log_x)
    return _layout(fig, title, x_label or x, metrics[0] if len(metrics) == 1 else "value", log_y=log_y,
                   log_x=log_x, hover=True)


def _reference_lines(fig: go.Figure, hlines: dict[str, float] | None,
                     vlines: dict[str, float] | None = None, log_x: bool = False) -> None:
    """Dashed labelled horizontal lines where theory predicts a value, and vertical ones
    (dotted) at x values; a shape on a log axis is placed in log10 units."""
    for name, value in (hlines or {}).items():
        fig.add_hline(y=value, line_dash="dash", line_color="grey", annotation_text=name)
    for name, value in (vlines or {}).items():
        if log_x and not value > 0:
            continue  # a log axis cannot show it
        fig.add_vline(x=math.log10(value) if log_x else value, line_dash="dot", line_color="grey",
                      annotation_text=name)


def bands(frame: pd.DataFrame, metrics: Sequence[str], title: str, log_y: bool = False,
          x: str = "step", hlines: dict[str, float] | None = None, x_label: str | None = None,
          log_x: bool = False, vlines: dict[str, float] | None = None) -> go.Figure:
    """Mean line and ±1 std band per (label, metric) of a seed-band frame; `hlines`, `vlines`
    and `x_label` as in `curves` (reference lines survive seed bands)."""
    fig = go.Figure()
    labels = list(dict.fromkeys(frame["label"])) if len(frame) else []
    combos = [(lab, m) for lab in labels for m in metrics if f"{m}_mean" in frame]
    for i, (label, metric) in enumerate(combos):
        sub = frame[frame["label"] == label].dropna(subset=[f"{metric}_mean"])
        mean, std = sub[f"{metric}_mean"], sub[f"{metric}_std"].fillna(0.0)
        lower = (mean - std).clip(lower=mean * 1e-3) if log_y else mean - std
        color = PALETTE[i % len(PALETTE)]
        name = label if len(metrics) == 1 else f"{label} · {metric}"
        fig.add_trace(go.Scatter(x=np.concatenate([sub[x], sub[x][::-1]]),
                                 y=np.concatenate([mean + std, lower[::-1]]), fill="toself",
                                 fillcolor=color, opacity=0.2, line=dict(width=0), hoverinfo="skip",
                                 showlegend=False, name=f"{name} ±1 std"))
        fig.add_trace(go.Scatter(x=sub[x], y=mean, mode="lines", name=f"{name} (mean)",
                                 line=dict(color=color)))
    _reference_lines(fig, hlines, vlines, log_x)
    return _layout(fig, title, x_label or x, metrics[0] if len(metrics) == 1 else "value", log_y=log_y,
                   log_x=log_x, hover=True)


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
    _reference_lines(fig, None, vlines, loglog or log_x)
    return _layout(fig, title, x, y, log_x=loglog or log_x, log_y=loglog)


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
         log_y: bool = False, y: str = "") -> go.Figure:
    """A bar chart; `colors` per bar (e.g. to mark aligned nodes)."""
    fig = go.Figure(go.Bar(x=list(labels), y=list(values), marker_color=colors))
    if not log_y:
        fig.update_yaxes(rangemode="tozero")  # bar lengths compare only from 0
    return _layout(fig, title, "", y, log_y=log_y)


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
