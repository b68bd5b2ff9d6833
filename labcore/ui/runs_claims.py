"""Runs page: the claims of the selected runs' phenomena, judged on the selection itself (a user
comparing their own sweep sees the verdicts too). Redrawn every few seconds while a selected
run is active; static otherwise."""
from __future__ import annotations

import streamlit as st

from labcore.core.registry import REGISTRY
from labcore.core.run_states import any_active
from labcore.runs.store import Store
from labcore.ui import claims


def panel(store: Store, recs: list[dict]) -> None:
    """One block of claim lines per phenomenon among `recs` that declares claims."""
    names = [n for n in dict.fromkeys(r["experiment"] for r in recs) if n in REGISTRY and REGISTRY[n].claims]
    if not names:
        return
    ids = [r["id"] for r in recs]

    @st.fragment(run_every=3.0 if any_active(recs) else None)
    def live() -> None:
        now = [r for r in (store.get(i) for i in ids) if r is not None]
        for name in names:
            claims.verdict_lines(REGISTRY[name], [r for r in now if r["experiment"] == name], store.metrics)

    live()
