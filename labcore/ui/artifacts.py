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
