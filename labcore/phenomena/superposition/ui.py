"""Superposition renderers: the columns of W as arrows (m = 2) across sparsity, WᵀW, norms and
superposition per feature, and each feature's dimensionality against 1/(1 − S)."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from labcore.charts import plots
from labcore.phenomena.superposition.claims import FRACTIONS
from labcore.ui import figure_export

FRACTION_LABELS = ("1", "¾", "⅔", "½", "⅖", "⅜")


def _columns(table) -> list[str]:
    return sorted((c for c in table.columns if c[:1] == "w" and c[1:].isdigit()), key=lambda c: int(c[1:]))


def arrows_figure(table) -> go.Figure:
    """One small plane per instance: each feature's column Wᵢ as an arrow from the origin,
    darker for a more important feature (m = 2)."""
    insts = sorted(table["instance"].unique())
    fig = make_subplots(rows=1, cols=len(insts), subplot_titles=[
        f"S = {table[table.instance == k]['sparsity'].iloc[0]:.2f}" for k in insts], horizontal_spacing=0.01)
    lim = max(1.0, float(np.abs(table[["w0", "w1"]].to_numpy()).max())) * 1.1
    for col, k in enumerate(insts, start=1):
        sub = table[table.instance == k]
        for _, r in sub.iterrows():
            shade = 0.15 + 0.85 * float(r["importance"])
            colour = f"rgba(31, 119, 180, {shade:.2f})"
            fig.add_trace(go.Scatter(x=[0, r["w0"]], y=[0, r["w1"]], mode="lines+markers", showlegend=False,
                                     line=dict(color=colour, width=3), marker=dict(size=[0, 7], color=colour),
                                     hovertemplate=f"feature {int(r['feature'])}: ‖W‖ {r['norm']:.2f}<extra></extra>"),
                          row=1, col=col)
        fig.update_xaxes(range=[-lim, lim], visible=False, row=1, col=col)
        fig.update_yaxes(range=[-lim, lim], visible=False, scaleanchor=f"x{col if col > 1 else ''}", row=1, col=col)
    fig.update_layout(height=220, margin=dict(l=5, r=5, t=40, b=5),
                      title="Columns of W in the plane, from dense to sparse (darker: more important)")
    return fig


def dimensionality_figure(table) -> go.Figure:
    """Every feature's dimensionality Dᵢ against 1/(1 − S) (log x), with the paper's fractions."""
    x = 1.0 / (1.0 - table["sparsity"].clip(upper=0.9999))
    fig = go.Figure(go.Scatter(x=x, y=table["dimensionality"], mode="markers", showlegend=False,
                               marker=dict(size=7, color=table["importance"], colorscale="Blues", cmin=0, cmax=1,
                                           line=dict(width=0.5, color="grey")),
                               customdata=table["feature"], hovertemplate="feature %{customdata}: D %{y:.3f}"))
    for f, label in zip(FRACTIONS, FRACTION_LABELS):
        fig.add_hline(y=f, line_dash="dot", line_color="grey", annotation_text=label, annotation_position="right")
    fig.update_xaxes(type="log")
    fig.update_layout(title="Feature dimensionality Dᵢ against 1/(1 − S)", xaxis_title="1/(1 − S)",
                      yaxis_title="Dᵢ", height=380, margin=dict(l=10, r=30, t=40, b=10))
    return fig


def _instance_views(table, key: str) -> None:
    insts = sorted(table["instance"].unique())
    labels = {k: f"s{k}: S = {table[table.instance == k]['sparsity'].iloc[0]:.2f}" for k in insts}
    k = st.select_slider("Instance", insts, value=insts[-1], format_func=labels.get, key=f"{key}_inst")
    sub = table[table.instance == k].sort_values("feature")
    w = sub[_columns(table)].to_numpy().T                               # (m, n)
    c1, c2 = st.columns(2)
    c1.plotly_chart(plots.heatmap(w.T @ w, f"WᵀW ({labels[k]})", x="feature j", y="feature i", zmin=-1.2, zmax=1.2),
                    width="stretch", config=figure_export.config(), key=f"{key}_gram")
    sup = sub["superposition"].clip(upper=1.0).to_numpy()
    colours = [f"rgb({int(40 + 200 * s)}, {int(120 - 80 * s)}, {int(200 - 170 * s)})" for s in sup]
    c2.plotly_chart(plots.bars(sub["feature"], sub["norm"], f"‖Wᵢ‖ per feature (red: superposed, Σⱼ≠ᵢ (Ŵᵢ·Wⱼ)² "
                               f"up to {sub['superposition'].max():.2f})", colors=colours, x="feature", y="‖Wᵢ‖"),
                    width="stretch", config=figure_export.config(), key=f"{key}_norms")


def _draw(table, key: str) -> None:
    if table is None or table.empty:
        st.caption("No weights yet: they are stored every snapshot_every steps.")
        return
    if len(_columns(table)) == 2:
        st.plotly_chart(arrows_figure(table), width="stretch", config=figure_export.config(), key=f"{key}_arrows")
    _instance_views(table, key)
    st.plotly_chart(dimensionality_figure(table), width="stretch", config=figure_export.config(), key=f"{key}_dims")


def geometry(data, sel) -> None:
    """The page's run (its first seed): the weights' geometry across sparsity."""
    st.subheader("Geometry of W across sparsity")
    if not sel.group_ids or data.record(sel.group_ids[0]) is None:
        st.caption("Run the page to see the columns of W.")
        return
    _draw(data.artifact(sel.group_ids[0], "W"), "sp_geom")


def artifacts(data, rec: dict, key: str) -> None:
    """A run's artifact W, drawn as the geometry panel does."""
    _draw(data.artifact(rec["id"], "W"), key)
