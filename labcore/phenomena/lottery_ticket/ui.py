"""Lottery-ticket renderers: accuracy and early-stop step against density (log axis,
reversed so pruning goes right), one line per arm with seed bands and the dense net as a
reference line; the accuracy table; per-round learning curves (artifacts curve_r{k}).

Drawn here rather than as generic Charts because the x axis (density) and the reference
(the dense net's measured accuracy, round 0) come from the rows, not from the config."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from labcore.charts import plots
from labcore.ui import downloads, figure_export

ARMS = ("winning", "reinit", "random_prune")
COLORS = {**plots.series_colours(ARMS), "dense": "#444444"}  # each arm as in the page's per-round charts


def by_density(frames: list[pd.DataFrame], metric: str) -> pd.DataFrame:
    """Mean and std over runs (seeds) of `{metric}_{arm}` per round: columns round,
    density, and for each arm present `<arm>_mean`, `<arm>_std` (ddof 1; 0 for one run)."""
    parts = [f.assign(run_id=i) for i, f in enumerate(frames) if len(f) and "density" in f]
    if not parts:
        return pd.DataFrame(columns=["round", "density"])
    long = pd.concat(parts, ignore_index=True).dropna(subset=["density"])
    cols = {a: f"{metric}_{a}" for a in ARMS if f"{metric}_{a}" in long}
    grouped = long.groupby("step")
    out = pd.DataFrame({"round": grouped["step"].first(), "density": grouped["density"].mean()})
    for arm, col in cols.items():
        out[f"{arm}_mean"] = grouped[col].mean()
        out[f"{arm}_std"] = grouped[col].std(ddof=1).fillna(0.0)
    out["n"] = grouped["run_id"].nunique()
    return out.reset_index(drop=True)


def density_figure(table: pd.DataFrame, title: str, y: str, scale: float = 1.0) -> go.Figure:
    """One line per arm against density (log x, reversed), ±1 std bands when there are
    several seeds, and the dense net (round 0) as a dashed reference line."""
    fig = go.Figure()
    pruned = table[table["round"] > 0]
    for arm in ARMS:
        if f"{arm}_mean" not in table:
            continue
        x, mean, std = pruned["density"], scale * pruned[f"{arm}_mean"], scale * pruned[f"{arm}_std"]
        if len(pruned) and float(std.max()) > 0:
            fig.add_trace(go.Scatter(x=np.concatenate([x, x[::-1]]), y=np.concatenate([mean + std, (mean - std)[::-1]]),
                                     fill="toself", fillcolor=COLORS[arm], opacity=0.2, line=dict(width=0),
                                     hoverinfo="skip", showlegend=False))
        fig.add_trace(go.Scatter(x=x, y=mean, mode="lines+markers", name=arm, line=dict(color=COLORS[arm]),
                                 hovertemplate="density %{x:.3f}<br>%{y:.2f}"))
    dense = table[table["round"] == 0]
    if len(dense) and "winning_mean" in dense:
        fig.add_hline(y=scale * float(dense["winning_mean"].iloc[0]), line_dash="dash", line_color="grey",
                      annotation_text="dense")
    fig.update_layout(title=title, xaxis_title="density (fraction of hidden-layer weights kept)", yaxis_title=y,
                      height=360, margin=dict(l=50, r=20, t=40, b=40), legend=dict(orientation="h", y=-0.25))
    fig.update_xaxes(type="log", **plots.value_ticks(table["density"], reverse=True))  # 1 on the left, labelled
    return fig


def accuracy_table(table: pd.DataFrame) -> pd.DataFrame:
    """Test accuracy (%) per round and arm, mean ± std over seeds, for display and CSV."""
    out = table[["round", "density"]].copy()
    for arm in ARMS:
        if f"{arm}_mean" in table:
            out[f"{arm} (%)"] = (100 * table[f"{arm}_mean"]).round(2)
            out[f"{arm} std"] = (100 * table[f"{arm}_std"]).round(2)
    out["density"] = out["density"].round(4)
    return out


def density_view(data, sel) -> None:
    """The page's summary: accuracy and early-stop step vs density for the N seeds and the
    table behind them (each round's learning curves are the page's artifacts, `curves`).
    `data`: the page's reader (records, rows); `sel`: the page's Selection."""
    st.subheader("Test accuracy and early-stop step vs density")
    if not sel.group_ids:
        return
    recs = data.records(sel.group_ids)
    frames = [data.frame(r["id"]) for r in recs]
    acc = by_density(frames, "test_acc")
    if acc.empty:
        st.caption("Run the page to fill these charts (one point per pruning round).")
        return
    seeds = f"{len(frames)} seed{'s' if len(frames) > 1 else ''}"
    c1, c2 = st.columns(2)
    figure_export.chart(c1, density_figure(acc, f"Test accuracy (%) vs density, {seeds}", "test accuracy (%)", 100.0),
                        key="lt_acc")
    es = by_density(frames, "early_stop_step")
    figure_export.chart(c2, density_figure(es, f"Early-stop step vs density, {seeds}", "step of min validation loss"),
                        key="lt_es")
    table = accuracy_table(acc)
    st.dataframe(table, hide_index=True, width="stretch")
    downloads.csv_button("Download CSV (accuracy vs density)", lambda: table.to_csv(index=False),
                         key="dl_lt_density", file_name="lottery_ticket_density.csv",
                         recs=recs)


def _rounds(rec: dict) -> list[int]:
    return sorted(int(n[len("curve_r"):]) for n in rec.get("artifacts", [])
                  if n.startswith("curve_r") and n[len("curve_r"):].isdigit())


def curves(data, rec: dict, key: str) -> None:
    """Learning curves (test accuracy, validation loss) of every arm in one pruning round
    (`data`: the page's reader, for the run's artifacts)."""
    rounds = _rounds(rec)
    if not rounds:
        return
    st.markdown("**Learning curves of one round** (seed " f"{rec['config'].get('seed')})")
    r = rounds[0] if len(rounds) == 1 else st.select_slider("Round", rounds, value=rounds[-1], key=f"{key}_round")
    frame = data.artifact(rec["id"], f"curve_r{r}")
    if frame is None or frame.empty:
        return
    frame = frame.assign(label=frame["arm"])
    c1, c2 = st.columns(2)
    figure_export.chart(c1, plots.curves(frame, ["test_acc"], f"Round {r}: test accuracy"), key=f"{key}_acc")
    figure_export.chart(c2, plots.curves(frame, ["val_loss"], f"Round {r}: validation loss", log_y=True),
                        key=f"{key}_loss")
