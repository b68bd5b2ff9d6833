"""Static diagonal preconditioner vs default training, both methods side by side."""
import dataclasses

import streamlit as st

from labcore import jobs
from labcore.ui import artifacts, state
from labcore.ui.phenomenon import Arms, Chart, SweepView, render


def both_methods_at_init(sel) -> None:
    """Per-layer gradient/activation std at init of the two methods with the page's settings."""
    st.subheader("Why: per-layer scales at initialisation")
    runs = {m: jobs.run_id_for("preconditioner", dataclasses.replace(sel.group[0], method=m))
            for m in ("default", "static")}
    artifacts.init_layers_compare(state.store(), runs, key="both_init")


render(
    "preconditioner",
    charts=[
        Chart("Training loss (smoothed)", ("loss_smooth",), log_y=True),
        Chart("Accuracy", ("train_acc", "test_acc")),
        Chart("Gradient std at each layer's output (× preconditioner)", ("grad_std_l*",), log_y=True),
        Chart("Activation std per layer", ("act_std_l*",), log_y=True),
    ],
    arms=Arms(variants={"default": dict(method="default"), "static": dict(method="static")},
              metrics=("loss_smooth", "test_acc")),
    extra=both_methods_at_init,
    sweep_view=SweepView(metric="test_acc", more_metrics=("loss_smooth",)),
)
