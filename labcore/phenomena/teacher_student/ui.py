"""Teacher-student renderers: correlation matrices over time, fan-out norms, the luck view."""
from __future__ import annotations

import streamlit as st

from labcore.charts import plots
from labcore.ui import figure_export


def _layers(rec: dict, prefix: str) -> list[int]:
    return sorted(int(n[len(prefix):]) for n in rec.get("artifacts", [])
                  if n.startswith(prefix) and n[len(prefix):].isdigit())


def _snapshots(rec: dict, k: int) -> list[int]:
    """Steps at which the layer-k correlation matrix was kept (artifacts corr_l{k}_t{step})."""
    prefix = f"corr_l{k}_t"
    return sorted(int(n[len(prefix):]) for n in rec.get("artifacts", []) if n.startswith(prefix))


def artifacts(data, rec: dict, key: str) -> None:
    """Correlation matrix, fan-out norms (aligned nodes coloured) and the luck view, per layer
    (`data`: the page's reader, for the run's artifacts)."""
    layers = _layers(rec, "corr_l")
    if not layers:
        return
    k = st.radio("Layer (1 = lowest)", layers, horizontal=True, key=f"{key}_layer")
    steps = _snapshots(rec, k)
    name, when = f"corr_l{k}", "end"
    if len(steps) > 1:
        step = st.select_slider("Correlation matrix at step", steps, value=steps[-1], key=f"{key}_snap")
        name, when = f"corr_l{k}_t{step}", f"step {step}"
    corr = data.artifact(rec["id"], name)
    title = f"Layer {k}: teacher node × student node correlation ({when})"
    figure_export.chart(st, plots.heatmap(corr.to_numpy(), title,
                                  x="student node", y="teacher node", zmin=-1, zmax=1), key=f"{key}_corr")
    c1, c2 = st.columns(2)
    fan = data.artifact(rec["id"], f"fanout_l{k}")
    if fan is not None:
        colors = ["#d62728" if a else "#7f7f7f" for a in fan["aligned"]]
        figure_export.chart(c1, plots.bars(fan["student_node"], fan["fan_out_norm"],
                                   f"Layer {k}: fan-out norm per student node (red = aligned: corr ≥ 0.95 "
                                   "with a teacher node)",
                                   colors=colors, x="student node", y="‖fan-out‖"), key=f"{key}_fan")
    luck = data.artifact(rec["id"], f"luck_l{k}")
    if luck is not None:
        figure_export.chart(c2, plots.bars(luck["teacher_node"], luck["init_rank"],
                                   f"Luck: rank at init of each final best student (0 = already best; "
                                   f"{int(fan['fan_out_norm'].size) if fan is not None else '?'} students)",
                                   x="teacher node", y="rank at init"), key=f"{key}_luck")
