"""Pure Plotly figure builders: DataFrames in, Figures out. No Streamlit, no torch.

Conventions: a "runs" frame is long format with columns `label`, `step` and metric
columns (one label per run or per seed group); band frames carry `<metric>_mean` and
`<metric>_std` from `labcore.analysis.seed_bands`.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from labcore.runs.analysis import smooth as smooth_values

PALETTE = qualitative.Plotly


def _layout(fig: go.Figure, title: str, x: str, y: str, log_x: bool = False, log_y: bool = False) -> go.Figure:
    fig.update_layout(title=title, xaxis_title=x, yaxis_title=y, height=320,
                      margin=dict(l=50, r=20, t=40, b=40), legend=dict(orientation="h", y=-0.25))
    if log_x:
        fig.update_xaxes(type="log")
    if log_y:
        fig.update_yaxes(type="log")
    return fig


def curves(frame: pd.DataFrame, metrics: Sequence[str], title: str, log_y: bool = False,
           x: str = "step", smooth: int = 1, hlines: dict[str, float] | None = None) -> go.Figure:
    """One line per (label, metric): the metric columns of a long runs frame against `x`.

    `smooth` > 1 applies a trailing moving average over that many measurements; `hlines`
    draws labelled horizontal reference lines (e.g. a theoretical value).
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
    _reference_lines(fig, hlines)
    return _layout(fig, title, x, metrics[0] if len(metrics) == 1 else "value", log_y=log_y)


def _reference_lines(fig: go.Figure, hlines: dict[str, float] | None) -> None:
    """Dashed labelled horizontal lines where theory predicts a value."""
    for name, value in (hlines or {}).items():
        fig.add_hline(y=value, line_dash="dash", line_color="grey", annotation_text=name)


def bands(frame: pd.DataFrame, metrics: Sequence[str], title: str, log_y: bool = False,
          x: str = "step", hlines: dict[str, float] | None = None) -> go.Figure:
    """Mean line and ±1 std band per (label, metric) of a seed-band frame; `hlines` as in
    `curves` (reference lines survive seed bands)."""
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
    _reference_lines(fig, hlines)
    return _layout(fig, title, x, metrics[0] if len(metrics) == 1 else "value", log_y=log_y)


def sweep(frame: pd.DataFrame, x: str, y: str, title: str, loglog: bool = False,
          slope: float | None = None, reference_exponent: float | None = None) -> go.Figure:
    """Final metric `y` against the swept parameter `x` (mean ± std over seeds when the
    frame has `<y>_std`), with an optional fitted slope and a reference power law through
    the first point."""
    fig = go.Figure()
    err = frame[f"{y}_std"] if f"{y}_std" in frame else None
    label = y if slope is None else f"{y} (fitted slope {slope:.3f})"
    fig.add_trace(go.Scatter(x=frame[x], y=frame[y], mode="lines+markers", name=label,
                             error_y=None if err is None else dict(type="data", array=err, visible=True)))
    if reference_exponent is not None and len(frame):
        x0, y0 = float(frame[x].iloc[0]), float(frame[y].iloc[0])
        xs = np.asarray(frame[x], float)
        fig.add_trace(go.Scatter(x=xs, y=y0 * (xs / x0) ** reference_exponent, mode="lines",
                                 line=dict(dash="dash", color="grey"),
                                 name=f"{x}^({reference_exponent:g}) reference"))
    return _layout(fig, title, x, y, log_x=loglog, log_y=loglog)


def heatmap(matrix: pd.DataFrame | np.ndarray, title: str, x: str = "", y: str = "",
            zmin: float | None = None, zmax: float | None = None) -> go.Figure:
    """A matrix as a heatmap (rows top to bottom)."""
    z = np.asarray(matrix, float)
    fig = go.Figure(go.Heatmap(z=z, zmin=zmin, zmax=zmax, colorscale="Viridis"))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, x, y)


def bars(labels: Sequence, values: Sequence[float], title: str, colors: Sequence[str] | None = None,
         log_y: bool = False, y: str = "") -> go.Figure:
    """A bar chart; `colors` per bar (e.g. to mark aligned nodes)."""
    fig = go.Figure(go.Bar(x=list(labels), y=list(values), marker_color=colors))
    return _layout(fig, title, "", y, log_y=log_y)


def grouped_bars(frame: pd.DataFrame, x: str, y: str, group: str, title: str, log_y: bool = False) -> go.Figure:
    """Bars of `y` against `x`, one colour per value of `group` (e.g. per method)."""
    fig = go.Figure()
    for i, (name, sub) in enumerate(frame.groupby(group, sort=False)):
        fig.add_trace(go.Bar(x=sub[x], y=sub[y], name=str(name), marker_color=PALETTE[i % len(PALETTE)]))
    fig.update_layout(barmode="group")
    return _layout(fig, title, x, y, log_y=log_y)


def box(frame: pd.DataFrame, x: str, y: str, title: str, log_y: bool = False) -> go.Figure:
    """One box (with the points) of `y` per value of `x`."""
    fig = go.Figure()
    for i, (value, sub) in enumerate(frame.groupby(x, sort=True)):
        fig.add_trace(go.Box(y=sub[y], name=f"{x}={value}", boxpoints="all", jitter=0.4,
                             marker_color=PALETTE[i % len(PALETTE)]))
    return _layout(fig, title, x, y, log_y=log_y)
