"""Mode-connectivity renderers: the error along each linear path (one line per spawn step k),
the 1-D slice from the init to the solution, the 2-D filter-normalised plane, and the
Hessian's spectral density with its top eigenvalues (artifacts of one run)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from labcore.charts import plots
from labcore.ui import figure_export


def _ks(rec: dict) -> list[int]:
    return sorted(int(n[len("path_k"):]) for n in rec.get("artifacts", [])
                  if n.startswith("path_k") and n[len("path_k"):].isdigit())


def paths_frame(frames: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """The paths of every k as one long frame (label 'k = …', x = α) for `plots.curves`."""
    parts = [f.assign(label=f"k = {k}") for k, f in sorted(frames.items()) if f is not None and len(f)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["label", "alpha"])


def landscape(data, rec: dict, key: str) -> None:
    """The run's paths, slice, plane and spectrum (`data`: the page's reader)."""
    ks = _ks(rec)
    if ks:
        frame = paths_frame({k: data.artifact(rec["id"], f"path_k{k}") for k in ks})
        c1, c2 = st.columns(2)
        figure_export.chart(c1, plots.curves(frame, ["test_err"], "Test error along the path θa → θb", x="alpha",
                                             x_label="α"), key=f"{key}_path_test")
        figure_export.chart(c2, plots.curves(frame, ["train_err"], "Train error along the path θa → θb", x="alpha",
                                             x_label="α"), key=f"{key}_path_train")
    sl, plane = data.artifact(rec["id"], "slice_init"), data.artifact(rec["id"], "plane")
    if sl is not None and len(sl):
        c1, c2 = st.columns(2)
        figure_export.chart(c1, plots.curves(sl.assign(label="θ0 → θ"), ["loss"], "Training loss from init (α = 0) "
                                             "to solution (α = 1)", x="alpha", x_label="α", log_y=True),
                            key=f"{key}_slice")
        if plane is not None and len(plane):
            table = plane.pivot(index="b", columns="a", values="loss")
            figure_export.chart(c2, plots.heatmap(np.log10(table.to_numpy()), "log₁₀ training loss on a plane of two "
                                                  "filter-normalised directions", x="direction 1", y="direction 2",
                                                  xs=table.columns, ys=table.index), key=f"{key}_plane")
    spec, ritz = data.artifact(rec["id"], "spectrum"), data.artifact(rec["id"], "ritz")
    if spec is not None and len(spec):
        c1, c2 = st.columns(2)
        figure_export.chart(c1, plots.curves(spec.assign(label="SLQ"), ["density"], "Hessian spectral density (SLQ)",
                                             x="eigenvalue", log_y=True), key=f"{key}_density")
        if ritz is not None and len(ritz):
            figure_export.chart(c2, plots.curves(ritz.assign(label="Ritz values"), ["eigenvalue"],
                                                 "Top Hessian eigenvalues (outliers, then the bulk)", x="rank",
                                                 log_y=True), key=f"{key}_ritz")
