"""Variants side by side (e.g. symmetry breakers, optimisation methods) and per-layer
metrics as a layer × step heatmap, for phenomenon pages. Drawn inside the page's tick from
the runs it read (`labcore.ui.reader.RunData`); nothing here reads the store itself."""
from __future__ import annotations

import dataclasses
from typing import Callable

import pandas as pd
import streamlit as st

from labcore.core.experiment import Arms
from labcore.charts import plots
from labcore.runs import analysis
from labcore.ui import access, downloads, figure_export
from labcore.ui.figures import cached


def layer_heatmap(frame: pd.DataFrame, pattern: str, version: tuple = ()) -> None:
    """A per-layer metric (columns matching `pattern`, e.g. feat_corr_l*) as layer × step."""
    cols = sorted(analysis.expand((pattern,), frame.columns), key=lambda c: int(c.rsplit("_l", 1)[1]))
    sub = frame.dropna(subset=cols[:1])
    if not cols or sub.empty:
        return

    def build():
        fig = plots.heatmap(sub[cols].to_numpy().T, f"{pattern.replace('_l*', '')} per layer over time",
                            x="measurement (step)", y="layer (1 = stem)", zmin=0, zmax=1)
        fig.update_traces(x=sub["step"].tolist(), y=list(range(1, len(cols) + 1)))
        return fig

    st.plotly_chart(cached("layer_heatmap", version, build), width="stretch", config=figure_export.config(),
                    key="layer_heatmap")


def arm_ids(exp, cfg, arms: Arms, data) -> dict[str, str]:
    """{label: run id} of the variants of `cfg`."""
    return {label: data.run_id(dataclasses.replace(cfg, **over)) for label, over in arms.variants.items()}


def side_by_side(exp, cfg, arms: Arms, data, submit: Callable[[list, str], None]) -> None:
    """Train the variants of `cfg` side by side (`submit(configs, what)`) and overlay their
    curves, from the runs the page tick read (`data`)."""
    st.subheader("Side by side")
    configs = {label: dataclasses.replace(cfg, **over) for label, over in arms.variants.items()}
    ids = {label: data.run_id(c) for label, c in configs.items()}
    if st.button(f"Run the {len(configs)} variants: " + " · ".join(configs), key="run_arms",
                 disabled=not access.can_act()):
        submit(list(configs.values()), "comparison")
    found = [(data.record(rid), label) for label, rid in ids.items() if data.record(rid) is not None]
    if not found:
        st.caption("Not run yet.")
        return
    # their progress is in the page's one status line (page._work), not in a second line here
    parts = [data.frame(r["id"]).assign(label=label, run_id=r["id"]) for r, label in found if len(data.frame(r["id"]))]
    if not parts:
        return
    version = data.signature(ids.values())
    frame = pd.concat(parts, ignore_index=True)
    cols = st.columns(len(arms.metrics))
    for i, metric in enumerate(arms.metrics):
        fig = cached(f"arms_{metric}", version, lambda m=metric: plots.curves(
            frame, [m], f"{m}: variants", x_label=exp.page.x_label, log_x=arms.log_x, log_y=arms.log_y))
        cols[i].plotly_chart(fig, width="stretch", config=figure_export.config(), key=f"arms_{metric}")
    downloads.csv_button("Download CSV (variants)", lambda: frame.to_csv(index=False), key="dl_arms",
                         file_name="variants.csv", recs=[r for r, _ in found])
