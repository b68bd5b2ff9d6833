"""The μP page's transfer plot: training loss (last epoch) against log₂ lr, one curve per width
(seed mean), from the rows of the page's runs (each row is a width; `loss_lr{k}` its loss
at lr = 2⁻ᵏ). Drawn here because its x axis (the learning rate) is a column set of each
row, not the step the page's charts are drawn against."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from labcore.charts import plots
from labcore.phenomena.mup.claims import best_exponents, lr_grid
from labcore.ui import figure_export


def transfer_frame(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Long frame for plots.curves: one row per (width, exponent) with columns label ("n = 64"),
    log2_lr and loss (the mean over the given runs' frames)."""
    parts = [f for f in frames if len(f)]
    if not parts:
        return pd.DataFrame(columns=["label", "log2_lr", "loss"])
    grid = lr_grid(pd.concat(parts, ignore_index=True))
    rows = [{"label": f"n = {w}", "log2_lr": e, "loss": v} for w in sorted(grid) for e, v in sorted(grid[w].items())]
    return pd.DataFrame(rows, columns=["label", "log2_lr", "loss"])


def transfer_view(data, sel) -> None:
    """The transfer plot of the page's N seeds and, under it, each width's best grid point."""
    if not sel.group_ids:
        return
    frames = [data.frame(rid) for rid in sel.group_ids]
    table = transfer_frame(frames)
    if not len(table):
        return
    param = sel.group[0].parametrization
    fig = plots.curves(table, ["loss"], f"Transfer plot ({param}): training loss (last epoch) against log₂ lr",
                       x="log2_lr", log_y=True, x_label="log₂ learning rate")
    figure_export.chart(st, fig, key="mup_transfer")
    best = best_exponents(lr_grid(pd.concat([f for f in frames if len(f)], ignore_index=True)))
    st.caption("Best grid point per width (mean over " + f"{sum(len(f) > 0 for f in frames)} run(s)): "
               + ", ".join(f"n = {w}: 2^{e}" for w, e in sorted(best.items()))
               + ". Under μP the minima line up; under SP they move left as the width grows.")
