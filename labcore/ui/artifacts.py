"""Drawing a run's artifacts with the same figure builders on the phenomenon page and on
the Runs page. Experiments with special views register a renderer in RENDERERS."""
from __future__ import annotations

from typing import Callable

import streamlit as st

from labcore import plots
from labcore.store import Store

# experiment name -> function(store, record, key_prefix) drawing its artifacts
RENDERERS: dict[str, Callable[[Store, dict, str], None]] = {}


def generic(store: Store, rec: dict, key: str) -> None:
    """A matrix artifact as a heatmap, a table with a `value`-like column as bars."""
    for name in rec.get("artifacts", []):
        frame = store.artifact(rec["id"], name)
        if frame is None or frame.empty:
            continue
        numeric = frame.select_dtypes("number")
        if numeric.shape[1] > 1 and list(frame.columns) == [str(i) for i in range(frame.shape[1])]:
            fig = plots.heatmap(numeric.to_numpy(), name)
        else:
            col = numeric.columns[-1]
            fig = plots.bars(frame.index if numeric.shape[1] == 1 else frame[frame.columns[0]],
                             frame[col], f"{name}: {col}")
        st.plotly_chart(fig, width="stretch", key=f"{key}_{name}")


def draw(store: Store, rec: dict, key: str = "art") -> None:
    """Draw the artifacts of `rec` (nothing when it has none)."""
    if not rec.get("artifacts"):
        st.caption("This run stored no artifacts.")
        return
    RENDERERS.get(rec["experiment"], generic)(store, rec, key)


def _layers(rec: dict, prefix: str) -> list[int]:
    return sorted(int(n[len(prefix):]) for n in rec.get("artifacts", [])
                  if n.startswith(prefix) and n[len(prefix):].isdigit())


def _snapshots(rec: dict, k: int) -> list[int]:
    """Steps at which the layer-k correlation matrix was kept (artifacts corr_l{k}_t{step})."""
    prefix = f"corr_l{k}_t"
    return sorted(int(n[len(prefix):]) for n in rec.get("artifacts", []) if n.startswith(prefix))


def teacher_student(store: Store, rec: dict, key: str) -> None:
    """Correlation matrix, fan-out norms (aligned nodes coloured) and the luck view, per layer."""
    layers = _layers(rec, "corr_l")
    if not layers:
        return
    k = st.radio("Layer (1 = lowest)", layers, horizontal=True, key=f"{key}_layer")
    steps = _snapshots(rec, k)
    name, when = f"corr_l{k}", "end"
    if len(steps) > 1:
        step = st.select_slider("Correlation matrix at step", steps, value=steps[-1], key=f"{key}_snap")
        name, when = f"corr_l{k}_t{step}", f"step {step}"
    corr = store.artifact(rec["id"], name)
    st.plotly_chart(plots.heatmap(corr.to_numpy(), f"Layer {k}: teacher node × student node correlation ({when})",
                                  x="student node", y="teacher node", zmin=-1, zmax=1),
                    width="stretch", key=f"{key}_corr")
    c1, c2 = st.columns(2)
    fan = store.artifact(rec["id"], f"fanout_l{k}")
    if fan is not None:
        colors = ["#d62728" if a else "#7f7f7f" for a in fan["aligned"]]
        c1.plotly_chart(plots.bars(fan["student_node"], fan["fan_out_norm"],
                                   f"Layer {k}: fan-out norm per student node (red = aligned: corr ≥ 0.95 "
                                   "with a teacher node)",
                                   colors=colors, y="‖fan-out‖"), width="stretch", key=f"{key}_fan")
    luck = store.artifact(rec["id"], f"luck_l{k}")
    if luck is not None:
        c2.plotly_chart(plots.bars(luck["teacher_node"], luck["init_rank"],
                                   f"Luck: rank at init of each final best student (0 = already best; "
                                   f"{int(fan['fan_out_norm'].size) if fan is not None else '?'} students)",
                                   y="rank at init"), width="stretch", key=f"{key}_luck")


RENDERERS["teacher_student"] = teacher_student


def steady_learner(store: Store, rec: dict, key: str) -> None:
    """The activation-region map of the trained MLP over the input square."""
    regions = store.artifact(rec["id"], "regions")
    if regions is None:
        return
    z = regions.to_numpy()
    n = int(z.max()) + 1
    fig = plots.heatmap(z, f"Activation regions over [-1, 1]² ({n} regions; colour = region id)",
                        x="x2 (grid index)", y="x1 (grid index)")
    st.plotly_chart(fig, width="stretch", key=f"{key}_regions")


RENDERERS["steady_learner"] = steady_learner


def init_layers_compare(store: Store, runs: dict[str, str], key: str) -> None:
    """Per-layer gradient and activation std at init, one colour per run (e.g. per method)."""
    import pandas as pd

    parts = [store.artifact(rid, "init_layers").assign(run=label) for label, rid in runs.items()
             if store.get(rid) is not None and store.artifact(rid, "init_layers") is not None]
    if not parts:
        return
    frame = pd.concat(parts, ignore_index=True)
    c1, c2 = st.columns(2)
    c1.plotly_chart(plots.grouped_bars(frame, "layer", "grad_std", "run",
                                       "Gradient std at each layer's output, at init", log_y=True),
                    width="stretch", key=f"{key}_grad")
    c2.plotly_chart(plots.grouped_bars(frame, "layer", "act_std", "run",
                                       "Activation std per layer, at init", log_y=True),
                    width="stretch", key=f"{key}_act")


RENDERERS["preconditioner"] = lambda store, rec, key: init_layers_compare(
    store, {rec["config"]["method"]: rec["id"]}, key)
