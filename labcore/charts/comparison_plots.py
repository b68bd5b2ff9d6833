"""Plotly figures of the Runs page: runs or groups of runs over step or wall time (raw
curve faint behind its EMA-smoothed one, mean ± std bands for groups), and a
parallel-coordinates view of a sweep. DataFrames in, Figures out; no Streamlit, no torch.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from labcore.runs.compare import WALL
from labcore.charts.plots import _layout, escape_figure  # one look for every chart of the lab

# 23 colours distinct on white (Dark24 without its near-black, which reads as an axis).
# Tableau's ten (plotly's D3): clearly different hues, given first (compare.colours hashes
# runs into these ten); Dark24 without its near-black follows for the eleventh run on.
PALETTE = list(qualitative.D3) + [c for c in qualitative.Dark24 if c.upper() != "#222A2A"]
RAW_OPACITY = 0.25   # the raw curve stays visible behind the smoothed one, as in TensorBoard
MAX_LEGEND = 12      # more curves than this: no legend (hover names a curve; the summary table its colour)


def x_title(x: str) -> str:
    """The axis title of x column `x`: "wall time (s)" for the wall-time column, else `x`."""
    return "wall time (s)" if x == WALL else x


def _positive(values: pd.Series, log_y: bool) -> pd.Series:
    return values.where(values > 0) if log_y else values  # log axes cannot show zero


def runs_figure(raw: pd.DataFrame, smooth: pd.DataFrame | None, metric: str, x: str,
                labels: dict[str, str], colours: dict[str, str], log_x: bool = False,
                log_y: bool = False, x_name: str | None = None) -> go.Figure:
    """One curve per run of `metric` against `x` ("step" or "_t").

    raw/smooth: long frames (run_id, step, [_t], metrics); `smooth` None means no
    smoothing. With smoothing, each run's raw curve is drawn faintly in its colour behind
    the smoothed one (same legend entry, so a click hides both)."""
    fig = go.Figure()
    for rid in dict.fromkeys(raw["run_id"]) if len(raw) else []:
        colour, label = colours.get(rid, PALETTE[0]), labels.get(rid, rid)
        sub = raw[raw["run_id"] == rid].dropna(subset=[metric]) if metric in raw else raw.iloc[:0]
        if sub.empty or x not in sub:
            continue
        sub = sub.sort_values("step")
        line = dict(color=colour, width=2)
        if smooth is None:
            fig.add_trace(go.Scatter(x=sub[x], y=_positive(sub[metric], log_y), mode="lines+markers",
                                     marker=dict(size=4), name=label, legendgroup=rid, line=line))
            continue
        fig.add_trace(go.Scatter(x=sub[x], y=_positive(sub[metric], log_y), mode="lines",
                                 name=f"{label} (raw)", legendgroup=rid, showlegend=False,
                                 opacity=RAW_OPACITY, line=dict(color=colour, width=1)))
        sm = smooth[smooth["run_id"] == rid].dropna(subset=[metric]).sort_values("step")
        fig.add_trace(go.Scatter(x=sm[x], y=_positive(sm[metric], log_y), mode="lines", name=label,
                                 legendgroup=rid, line=line))
    return _finish(fig, metric, x, log_x, log_y, x_name)


def groups_figure(raw: pd.DataFrame, smooth: pd.DataFrame | None, metric: str, x: str,
                  colours: dict[str, str], log_x: bool = False, log_y: bool = False,
                  x_name: str | None = None) -> go.Figure:
    """Mean line and ±1 std band per group (frames from `compare.group_bands`).

    `smooth` (bands of the smoothed runs, or None) gives the drawn mean and band; the raw
    mean is then drawn faintly behind it."""
    fig = go.Figure()
    mean, std = f"{metric}_mean", f"{metric}_std"
    shown = smooth if smooth is not None else raw
    for group in dict.fromkeys(shown["group"]) if len(shown) and mean in shown else []:
        colour = colours.get(group, PALETTE[0])
        sub = shown[shown["group"] == group].dropna(subset=[mean])
        if sub.empty or x not in sub:
            continue
        m, s, xs = sub[mean], sub[std].fillna(0.0), sub[x]
        lower = (m - s).clip(lower=m * 1e-3) if log_y else m - s
        n = int(sub["n"].max())
        name = f"{group} (mean of {n})" if n > 1 else group
        fig.add_trace(go.Scatter(x=np.concatenate([xs, xs[::-1]]), y=np.concatenate([m + s, lower[::-1]]),
                                 fill="toself", fillcolor=colour, opacity=0.18, line=dict(width=0),
                                 hoverinfo="skip", showlegend=False, legendgroup=group, name=f"{group} ±1 std"))
        if smooth is not None:
            r = raw[raw["group"] == group].dropna(subset=[mean])
            fig.add_trace(go.Scatter(x=r[x], y=_positive(r[mean], log_y), mode="lines", showlegend=False,
                                     name=f"{group} (raw mean)", legendgroup=group, opacity=RAW_OPACITY,
                                     line=dict(color=colour, width=1)))
        fig.add_trace(go.Scatter(x=xs, y=_positive(m, log_y), mode="lines", name=name, legendgroup=group,
                                 line=dict(color=colour, width=2)))
    return _finish(fig, metric, x, log_x, log_y, x_name)


def _finish(fig: go.Figure, metric: str, x: str, log_x: bool, log_y: bool,
            x_name: str | None = None) -> go.Figure:
    # The x axis is named in the title, not under the axis, where a wrapped legend of a
    # narrow screen would cover it.
    # past MAX_LEGEND entries no legend (50 would squash the plot to nothing); else the legend
    # sits at the foot with room for its rows (plots._legend_room)
    x_named = x_name if x_name and x == "step" else x_title(x)
    _layout(fig, f"{metric} vs {x_named}", "", metric, log_x=log_x, log_y=log_y, hover=True,
            max_legend=MAX_LEGEND)
    # uirevision keeps a zoom or hidden legend entries across reruns of the page; past a
    # dozen curves one hover box per x would be taller than the chart: nearest curve only.
    entries = sum(bool(t.showlegend is not False) for t in fig.data)
    many = entries > MAX_LEGEND
    fig.update_layout(uirevision=f"{metric}:{x}", hovermode="closest" if many else "x unified")
    return fig


def parallel_figure(table: pd.DataFrame, settings: Sequence[str], column: str) -> go.Figure:
    """Parallel coordinates: one axis per setting, the last axis and the line colour the
    summary `column` (e.g. 'loss · final'). Settings that are not numbers get one tick per
    value (in sorted order)."""
    data = table.dropna(subset=[column])
    dims = []
    for key in settings:
        values = data[key]
        numeric = pd.to_numeric(values, errors="coerce")
        if numeric.notna().all():
            dims.append(dict(label=key, values=numeric.to_numpy(float)))
        else:
            cats = sorted(map(str, values.unique()))
            codes = values.astype(str).map({c: i for i, c in enumerate(cats)})
            dims.append(dict(label=key, values=codes.to_numpy(float), tickvals=list(range(len(cats))),
                             ticktext=cats))
    dims.append(dict(label=column, values=data[column].to_numpy(float)))
    fig = go.Figure(go.Parcoords(dimensions=dims, line=dict(color=data[column].to_numpy(float),
                                                            colorscale="Viridis", showscale=True)))
    escape_figure(fig)  # setting values a user typed label the ticks
    # the axis names sit above the axes: the title goes higher, with room between them
    fig.update_layout(title=dict(text=f"{column} by setting ({len(data)} runs)", y=0.98, yanchor="top"),
                      height=420, margin=dict(l=60, r=60, t=110, b=30))
    return fig
