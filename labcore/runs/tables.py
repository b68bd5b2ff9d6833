"""Plain-data tables: metric rows <-> DataFrames, artifacts as columns + data, run summaries.

Everything here is pure (no store, no I/O) so the store keeps only plain data.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd


def summary(rec: dict, frame: pd.DataFrame) -> dict:
    """Status and the last measured value of every metric."""
    final = {}
    for col in frame.columns:
        if col == "step":
            continue
        vals = frame[col].dropna()
        if len(vals):
            final[col] = plain_value(vals.iloc[-1])
    keys = ("id", "experiment", "status", "progress", "error", "diverged_step", "device",
            "created", "started", "finished")
    return {**{k: rec.get(k) for k in keys}, "steps_logged": int(len(frame)), "final": final}


def rows_frame(rows: Iterable[dict], system: bool = False) -> pd.DataFrame:
    """Rows -> DataFrame with `step` first; blanks (NaN) where a metric was not measured.

    Columns starting with `_` are system columns (`_t`: seconds since the run started),
    not metrics: dropped unless `system` (the Runs page's wall-time axis asks for them)."""
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        return pd.DataFrame({"step": pd.Series(dtype="int64")})
    cols = ["step"] + [c for c in frame.columns if c != "step" and (system or not str(c).startswith("_"))]
    return frame[cols]


def to_table(value: Any) -> dict:
    """Array (1-D/2-D) or DataFrame -> {"columns": [...], "data": rows} of plain numbers."""
    if isinstance(value, pd.DataFrame):
        return {"columns": [str(c) for c in value.columns],
                "data": [[plain_value(v) for v in row] for row in value.itertuples(index=False)]}
    arr = np.asarray(value)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"artifact must be 1-D or 2-D, got shape {arr.shape}")
    return {"columns": [str(i) for i in range(arr.shape[1])], "data": arr.tolist()}


def plain_value(v: Any) -> Any:
    """`v` as a plain Python value (a numpy scalar becomes its Python equivalent)."""
    if isinstance(v, np.generic):
        return v.item()
    return v


def plain_row(row: dict) -> dict:
    """`row` with every value made plain (numpy scalars -> Python values)."""
    return {k: plain_value(v) for k, v in row.items()}
