"""Steady-learner renderers: the activation-region map and the bias-variance boxes of a sweep."""
from __future__ import annotations

import streamlit as st

from labcore.runs import plots
from labcore.runs.store import Store
from labcore.runs import analysis
from labcore.ui import state

LAST = 10  # epochs (measurements) whose bias variance goes into the box plot


def artifacts(store: Store, rec: dict, key: str) -> None:
    """The activation-region map of the trained MLP over the input square."""
    regions = store.artifact(rec["id"], "regions")
    if regions is None:
        return
    z = regions.to_numpy()
    n = int(z.max()) + 1
    fig = plots.heatmap(z, f"Activation regions over [-1, 1]² ({n} regions; colour = region id)",
                        x="x2 (grid index)", y="x1 (grid index)")
    st.plotly_chart(fig, width="stretch", key=f"{key}_regions")


def variance_boxes(sel) -> None:
    """Bias variance over the last epochs, one box per value of the swept parameter."""
    store = state.store()
    recs = [r for r in (store.get(rid) for rid in sel.sweep_ids) if r is not None and r["status"] == "done"]
    frame = analysis.long_frame([(r, state.metrics(r["id"])) for r in recs])
    if frame.empty or "bias_var" not in frame:
        return
    tail = frame[frame["step"] > 0].groupby("run_id").tail(LAST)
    tail = tail.assign(**{sel.axis: tail[f"cfg_{sel.axis}"]})
    st.plotly_chart(plots.box(tail, sel.axis, "bias_var", f"Bias variance over the last {LAST} measured "
                              f"epochs of each run, by {sel.axis}", log_y=True), width="stretch", key="var_box")
