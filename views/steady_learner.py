"""Steady learner (Benevolent Training Hypothesis): bias trajectories vs function complexity."""
import streamlit as st

from labcore import analysis, plots
from labcore.ui import state
from labcore.ui.phenomenon import Chart, SweepView, render

LAST = 10  # epochs (measurements) whose bias variance goes into the box plot


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


render(
    "steady_learner",
    charts=[
        Chart("Trajectory length per epoch", ("traj_len",)),
        Chart("Cumulative trajectory length", ("traj_len_total",)),
        Chart("Bias variance per epoch (/η²)", ("bias_var", "bias_var_avg"), log_y=True),
        Chart("Distance of the bias from init", ("dist_init",)),
        Chart("Training loss (MSE/2)", ("loss",), log_y=True),
        Chart("Activation regions hit on the [-1, 1]² grid", ("regions",)),
    ],
    sweep_view=SweepView(metric="traj_len_total", more_metrics=("bias_var_total", "dist_init")),
    extra=variance_boxes,
)
