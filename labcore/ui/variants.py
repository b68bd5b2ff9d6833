"""Variants side by side (e.g. symmetry breakers, optimisation methods) and per-layer
metrics as a layer × step heatmap, for phenomenon pages."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from labcore.runs import analysis
from labcore.engine import jobs
from labcore.runs import plots
from labcore.ui import access, downloads, state


@dataclass(frozen=True)
class Arms:
    """Named variants of the current settings trained side by side (e.g. breaker on/off)."""

    variants: dict[str, dict]
    metrics: tuple[str, ...]


def layer_heatmap(frame: pd.DataFrame, pattern: str) -> None:
    """A per-layer metric (columns matching `pattern`, e.g. feat_corr_l*) as layer × step."""
    cols = sorted(analysis.expand((pattern,), frame.columns), key=lambda c: int(c.rsplit("_l", 1)[1]))
    sub = frame.dropna(subset=cols[:1])
    if not cols or sub.empty:
        return
    fig = plots.heatmap(sub[cols].to_numpy().T, f"{pattern.replace('_l*', '')} per layer over time",
                        x="measurement (step)", y="layer (1 = stem)", zmin=0, zmax=1)
    fig.update_traces(x=sub["step"].tolist(), y=list(range(1, len(cols) + 1)))
    st.plotly_chart(fig, width="stretch", key="layer_heatmap")


def side_by_side(exp, cfg, arms: Arms) -> None:
    """Train the variants of `cfg` side by side and overlay their curves."""
    st.subheader("Side by side")
    configs = {label: dataclasses.replace(cfg, **over) for label, over in arms.variants.items()}
    ids = {label: jobs.run_id_for(exp.name, c) for label, c in configs.items()}
    if st.button(f"Run the {len(configs)} variants: " + " · ".join(configs), key="run_arms",
                 disabled=not access.can_act()):
        from labcore.ui.page import submit_many

        submit_many(exp, list(configs.values()), "comparison")
    _arms_live(ids, arms.metrics, exp.page.x_label, exp, list(configs.values()))


@st.fragment(run_every=1.0)
def _arms_live(ids: dict[str, str], metrics: tuple[str, ...], x_label: str = "step", exp=None,
               configs: list | None = None) -> None:
    store = state.store()
    recs = {label: store.get(rid) for label, rid in ids.items()}
    found = [(r, label) for label, r in recs.items() if r is not None]
    if not found:
        st.caption("Not run yet.")
        return
    if exp is not None:  # the page's status line, ETA included (it said "estimating…" throughout)
        from labcore.ui.page import status

        st.caption(access.plain(status(exp, [r for r, _ in found], configs or [])))
    else:
        st.caption(analysis.status_line([r for r, _ in found]))
    parts = []
    for rec, label in found:
        f = state.metrics(rec["id"])
        if len(f):
            parts.append(f.assign(label=label, run_id=rec["id"]))
    if not parts:
        return
    frame = pd.concat(parts, ignore_index=True)
    cols = st.columns(len(metrics))
    for i, metric in enumerate(metrics):
        cols[i].plotly_chart(plots.curves(frame, [metric], f"{metric}: variants", x_label=x_label), width="stretch",
                             key=f"arms_{metric}")
    downloads.csv_button("Download CSV (variants)", lambda: frame.to_csv(index=False), key="dl_arms",
                         file_name="variants.csv", recs=[r for r, _ in found])
