"""Drawing a run's artifacts on the phenomenon page and on the Runs page: a phenomenon's
own view (its `ui.py`, named by `PageSpec.artifact_view`) or the generic one. Both receive
the page's reader (`labcore.ui.reader.RunData`), never the store."""
from __future__ import annotations

import importlib
from typing import Callable

import streamlit as st

from labcore.core.registry import get as get_experiment
from labcore.charts import plots
from labcore.ui.reader import RunData
from labcore.ui import figure_export


def generic(data: RunData, rec: dict, key: str) -> None:
    """A matrix artifact as a heatmap, a table with a `value`-like column as bars."""
    for name in rec.get("artifacts", []):
        frame = data.artifact(rec["id"], name)
        if frame is None or frame.empty:
            continue
        numeric = frame.select_dtypes("number")
        if numeric.shape[1] > 1 and list(frame.columns) == [str(i) for i in range(frame.shape[1])]:
            fig = plots.heatmap(numeric.to_numpy(), name)
        else:
            col = numeric.columns[-1]
            fig = plots.bars(frame.index if numeric.shape[1] == 1 else frame[frame.columns[0]],
                             frame[col], f"{name}: {col}")
        figure_export.chart(st, fig, key=f"{key}_{name}")


def draw(data: RunData, rec: dict, key: str = "art") -> None:
    """Draw the artifacts of `rec` (nothing when it has none), read through `data`."""
    if not rec.get("artifacts"):
        st.caption("This run stored no artifacts.")
        return
    try:
        exp = get_experiment(rec["experiment"])
    except LookupError:  # a run of a phenomenon that is no longer installed
        exp = None
    if exp is not None and exp.page.artifact_view:
        phenomenon_ui(exp, exp.page.artifact_view)(data, rec, key)
    else:
        generic(data, rec, key)


def phenomenon_ui(exp, name: str) -> Callable:
    """Function `name` of the phenomenon's own `ui.py` (its renderers live with it)."""
    module = importlib.import_module(f"{exp.module}.ui")
    return getattr(module, name)
