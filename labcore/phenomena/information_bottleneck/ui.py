"""Information-plane renderer: I(X;T) against I(T;Y), one trace per hidden layer, points
coloured by epoch, one panel per activation (tanh, relu) with the page's other settings."""
from __future__ import annotations

import dataclasses

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from labcore.ui import figure_export



def plane_figure(frame, title: str, h_y: float | None = None) -> go.Figure:
    """The information plane of one run's rows (`step`, ixt_l{k}, ity_l{k} columns)."""
    fig = go.Figure()
    layers = sorted((int(c[5:]) for c in frame.columns if c.startswith("ixt_l") and c[5:].isdigit()))
    rows = frame.dropna(subset=[f"ixt_l{layers[0]}"]) if layers else frame.iloc[:0]
    epochs = rows["step"].to_numpy()
    shade = np.log10(epochs + 1)  # log colour: the fitting phase is early, compression late
    for k in layers:
        fig.add_trace(go.Scatter(x=rows[f"ixt_l{k}"], y=rows[f"ity_l{k}"], mode="lines",
                                 line=dict(color="lightgrey", width=1), showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(
            x=rows[f"ixt_l{k}"], y=rows[f"ity_l{k}"], mode="markers", name=f"layer {k}",
            marker=dict(size=7, color=shade, colorscale="Plasma", cmin=0, cmax=float(shade.max(initial=1)),
                        symbol=k % 10, showscale=k == layers[-1],
                        colorbar=dict(title="epoch", tickvals=list(range(int(shade.max(initial=1)) + 1)),
                                      ticktext=[f"{10 ** t - 1:.0f}" for t in range(int(shade.max(initial=1)) + 1)])),
            customdata=epochs, hovertemplate="epoch %{customdata}<br>I(X;T) %{x:.2f}<br>I(T;Y) %{y:.3f}"))
    if h_y is not None:
        fig.add_hline(y=h_y, line_dash="dash", line_color="grey", annotation_text="H(Y)")
    fig.update_layout(title=title, xaxis_title="I(X;T) (bits)", yaxis_title="I(T;Y) (bits)",
                      height=420, margin=dict(l=10, r=10, t=40, b=10),
                      legend=dict(orientation="h", y=-0.2))
    return fig


def info_plane(data, sel) -> None:
    """The information plane of tanh and relu side by side (the page's settings and seed),
    or of the page's own run when the other activation has not been trained (`data`: the
    page's reader; `sel`: the page's Selection)."""
    st.subheader("Information plane: I(X;T) vs I(T;Y), colour = epoch (log scale)")
    if not sel.group:
        return
    cfg = sel.group[0]
    ids = {a: data.run_id(dataclasses.replace(cfg, activation=a)) for a in ("tanh", "relu")}
    shown = {a: rid for a, rid in ids.items() if data.record(rid) is not None}
    if not shown and sel.group_ids and data.record(sel.group_ids[0]) is not None:
        shown = {cfg.activation: sel.group_ids[0]}
    if not shown:
        st.caption("Run the page (or the tanh/relu variants below) to fill the information plane.")
        return
    cols = st.columns(len(shown))
    for col, (act, rid) in zip(cols, shown.items()):
        frame = data.frame(rid)
        if frame is None or frame.empty:
            col.caption(f"{act}: no rows yet.")
            continue
        h_y = (data.record(rid) or {}).get("meta", {}).get("h_y")
        col.plotly_chart(plane_figure(frame, f"{act} (seed {cfg.seed})", h_y), width="stretch",
                         config=figure_export.config(),
                         key=f"info_plane_{act}")
