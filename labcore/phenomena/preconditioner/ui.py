"""Preconditioner renderers: per-layer gradient and activation scales at init, both methods."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from labcore.charts import plots
from labcore.ui import figure_export


def init_layers_compare(data, runs: dict[str, str], key: str) -> None:
    """Per-layer gradient and activation std at init, one colour per run (e.g. per method);
    `data`: the page's reader, `runs`: {label: run id}."""
    parts = [data.artifact(rid, "init_layers").assign(run=label) for label, rid in runs.items()
             if data.artifact(rid, "init_layers") is not None]
    if not parts:
        return
    frame = pd.concat(parts, ignore_index=True)
    c1, c2 = st.columns(2)
    figure_export.chart(c1, plots.grouped_bars(frame, "layer", "grad_std", "run",
                                       "Gradient std at each layer's output, at init", log_y=True), key=f"{key}_grad")
    figure_export.chart(c2, plots.grouped_bars(frame, "layer", "act_std", "run",
                                       "Activation std per layer, at init", log_y=True), key=f"{key}_act")


def artifacts(data, rec: dict, key: str) -> None:
    """Why static trains faster at first: per-layer gradient and activation std at init of
    this run and of the other method's run with the same settings (when it was trained),
    one colour per method. The one drawing of these bars, on the page and on the Runs page."""
    st.caption("Why: per-layer scales at initialisation, both methods with these settings")
    own = rec["config"]["method"]
    runs = {own: rec["id"]}
    for method in ("default", "static"):
        if method != own:
            runs[method] = data.run_id({**rec["config"], "method": method})
    init_layers_compare(data, dict(sorted(runs.items())), key)
