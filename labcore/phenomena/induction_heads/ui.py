"""Induction-heads renderer: each head's attention pattern on one repeated sequence (the
induction stripe: from position i to i − T/2 + 1)."""
from __future__ import annotations

import streamlit as st

from labcore.charts import plots
from labcore.ui import figure_export


def _heads(rec: dict) -> list[str]:
    return sorted(n for n in rec.get("artifacts", []) if n.startswith("attn_l"))


def artifacts(data, rec: dict, key: str) -> None:
    """A heat map of the chosen head's attention (query row, key column) on a sequence whose
    second half repeats its first."""
    heads = _heads(rec)
    if not heads:
        st.caption("No attention patterns yet: they are stored every snapshot_every steps.")
        return
    layer2 = [h for h in heads if h.startswith("attn_l2")]
    default = layer2[0] if layer2 else heads[-1]
    name = st.radio("Head (layer l, head h)", heads, index=heads.index(default), horizontal=True, key=f"{key}_head",
                    format_func=lambda n: n[5:])
    attn = data.artifact(rec["id"], name)
    if attn is None:
        return
    st.plotly_chart(plots.heatmap(attn.to_numpy(), f"Attention of {name[5:]} on a repeated sequence (an induction "
                                  "head: a stripe half a sequence below the diagonal)", x="key position",
                                  y="query position", zmin=0, zmax=1),
                    width="stretch", config=figure_export.config(), key=f"{key}_attn")
