"""Steady-learner renderers: the activation-region map and the bias-variance boxes of a sweep."""
from __future__ import annotations

import numpy as np
import streamlit as st

from labcore.charts import plots
from labcore.runs import analysis
from labcore.ui import figure_export

LAST = 10  # epochs (measurements) whose bias variance goes into the box plot


def artifacts(data, rec: dict, key: str) -> None:
    """The activation-region map of the trained MLP over the input square (`data`: the
    page's reader, for the run's artifacts)."""
    regions = data.artifact(rec["id"], "regions")
    if regions is None:
        return
    z = regions.to_numpy()  # (grid, grid): row i is x₁ = lin[i], column j is x₂ = lin[j]
    n = int(z.max()) + 1
    lin = np.linspace(-1.0, 1.0, z.shape[0])
    # transposed so that x₁ runs along the x axis and x₂ upwards, as the plane is drawn
    fig = plots.heatmap(z.T, f"Activation regions over [-1, 1]² ({n} regions; colour = region id)",
                        x="x₁", y="x₂", xs=lin, ys=lin)
    fig.update_yaxes(scaleanchor="x", scaleratio=1, constrain="domain")
    fig.update_xaxes(constrain="domain")  # a square map, not a square stretched across the page
    fig.update_traces(showscale=False, hovertemplate="x₁ %{x:.2f}<br>x₂ %{y:.2f}<br>region %{z}<extra></extra>")
    st.plotly_chart(fig, width="stretch", config=figure_export.config(), key=f"{key}_regions")


def variance_boxes(data, sel) -> None:
    """Bias variance over the last epochs, one box per value of the swept parameter
    (`data`: the page's reader; `sel`: the page's Selection)."""
    recs = [r for r in data.records(sel.sweep_ids) if r["status"] == "done"]
    frame = analysis.long_frame([(r, data.frame(r["id"])) for r in recs])
    if frame.empty or "bias_var" not in frame:
        return
    tail = frame[frame["step"] > 0].groupby("run_id").tail(LAST)
    tail = tail.assign(**{sel.axis: tail[f"cfg_{sel.axis}"]})
    st.plotly_chart(plots.box(tail, sel.axis, "bias_var", f"Bias variance over the last {LAST} measured "
                              f"epochs of each run, by {sel.axis}", log_y=True), width="stretch",
                    config=figure_export.config(), key="var_box")
